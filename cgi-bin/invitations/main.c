/*
 * invitations.fcgi: invitations to join a tenant.  An admin invites an
 * email with roles (never super_admin) and a message; the invitation and
 * its mail are written in one transaction, the mail to the outbox that
 * xavyo-mailer delivers.  The invitee opens the link, /invite/{token},
 * a small HTML form (or JSON), and chooses a password that meets the
 * tenant's policy; the accept creates the user exactly once.  Tokens are
 * 256 random bits, stored as their digest only, single use, and name
 * their tenant by that digest (common/invite.c).  The files: main.c
 * (statements, routes), admin.c, mail.c, accept.c; invitations.h.  See
 * invitations.fcgi(8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"
#include "invitations.h"

/* An invitation as answers show it; never token_hash. */
#define INV_COLS \
	"id, email, to_json(roles)::text AS roles, message, " \
	"xv_invitation_status(status, expires_at) AS status, " \
	"xv_ts(expires_at) AS expires_at, xv_ts(created_at) AS created_at, " \
	"invited_by"
/* The filters of the list: status (as answers show it), email. */
#define INV_FILTER \
	"WHERE tenant_id = :tenant::uuid AND (:status::text IS NULL OR " \
	"xv_invitation_status(status, expires_at) = :status) AND " \
	"(:email::text IS NULL OR lower(email) = lower(:email))"
#define USER_COLS \
	"id, email, display_name, to_json(roles)::text AS roles, status, " \
	"mfa_enabled, xv_ts(created_at) AS created_at, " \
	"xv_ts(last_login_at) AS last_login_at"
#define ROLES	"ARRAY(SELECT json_array_elements_text(:roles::json))"

static const struct xv_stmt stmts[ST__MAX] = {
	[ST_TENANT] = { "tenant", 0,
	    "SELECT t.name, s.settings::text AS settings FROM tenants t "
	    "LEFT JOIN tenant_settings s ON s.tenant_id = t.id "
	    "WHERE t.id = :tenant::uuid" },
	[ST_USER_EXISTS] = { "user_exists", 0,
	    "SELECT id FROM users WHERE tenant_id = :tenant::uuid AND "
	    "lower(email) = lower(:email)" },
	/* A pending invitation past its expiry makes room for a new one. */
	[ST_EXPIRE_OLD] = { "expire_old", 0,
	    "UPDATE invitations SET status = 'expired', updated_at = now() "
	    "WHERE tenant_id = :tenant::uuid AND lower(email) = lower(:email) AND "
	    "status = 'pending' AND expires_at <= now()" },
	/* Created and expiring from one instant: seven days to the second. */
	[ST_INSERT] = { "insert", 0,
	    "INSERT INTO invitations (tenant_id, email, roles, message, "
	    "token_hash, created_at, expires_at, invited_by) SELECT "
	    ":tenant::uuid, :email, " ROLES ", :message, :hash, c, "
	    "c + make_interval(secs => :ttl::int), :by FROM clock_timestamp() "
	    "AS c RETURNING " INV_COLS },
	[ST_GET] = { "get", 0,
	    "SELECT " INV_COLS " FROM invitations WHERE id = :id::uuid AND "
	    "tenant_id = :tenant::uuid" },
	/* Filters status (as answers show it) and email; total last. */
	[ST_LIST] = { "list", 0,
	    "WITH f AS (SELECT * FROM invitations " INV_FILTER ") "
	    "SELECT p.id, p.email, to_json(p.roles)::text AS roles, p.message, "
	    "xv_invitation_status(p.status, p.expires_at) AS status, "
	    "xv_ts(p.expires_at) AS expires_at, xv_ts(p.created_at) AS "
	    "created_at, p.invited_by, t.total "
	    "FROM (SELECT count(*) FROM f) t(total) LEFT JOIN LATERAL "
	    "(SELECT * FROM f ORDER BY created_at, id LIMIT :limit::int "
	    "OFFSET :offset::bigint) p ON true", .custom = 1 },
	/* The page after the cursor's invitation: invitations_tenant (0006). */
	[ST_AFTER] = { "after", 0,
	    "SELECT " INV_COLS " FROM invitations " INV_FILTER " AND "
	    "(invitations.created_at, invitations.id) > (SELECT created_at, id "
	    "FROM invitations WHERE tenant_id = :tenant::uuid AND "
	    "id = :after::uuid) "
	    "ORDER BY invitations.created_at, invitations.id LIMIT :limit::int",
	    .custom = 1 },
	[ST_REVOKE] = { "revoke", 0,
	    "UPDATE invitations SET status = 'revoked', revoked_at = now(), "
	    "updated_at = now() WHERE id = :id::uuid AND tenant_id = :tenant::uuid "
	    "AND status IN ('pending', 'expired') RETURNING " INV_COLS },
	[ST_PENDING_OTHER] = { "pending_other", 0,
	    "SELECT id FROM invitations WHERE tenant_id = :tenant::uuid AND "
	    "lower(email) = lower(:email) AND status = 'pending' AND "
	    "id <> :id::uuid" },
	/* A new token and expiry; the old token's digest is gone. */
	[ST_RESEND] = { "resend", 0,
	    "UPDATE invitations SET token_hash = :hash, status = 'pending', "
	    "expires_at = now() + make_interval(secs => :ttl::int), "
	    "updated_at = now() WHERE id = :id::uuid AND tenant_id = :tenant::uuid "
	    "AND status IN ('pending', 'expired') RETURNING " INV_COLS },
	[ST_BULK_STATUS] = { "bulk_status", 0,
	    "SELECT id FROM invitations WHERE tenant_id = :tenant::uuid AND "
	    "xv_invitation_status(status, expires_at) = :status "
	    "ORDER BY created_at, id LIMIT :limit::int" },
	/* The accept's row, locked: concurrent accepts take turns. */
	[ST_BY_TOKEN] = { "by_token", 0,
	    "SELECT " INV_COLS " FROM invitations WHERE token_hash = :hash AND "
	    "tenant_id = :tenant::uuid FOR UPDATE" },
	[ST_USER_INSERT] = { "user_insert", 0,
	    "INSERT INTO users (tenant_id, email, display_name, roles, "
	    "password_hash) VALUES (:tenant::uuid, :email, :name, " ROLES
	    ", :hash) RETURNING " USER_COLS },
	[ST_HISTORY_ADD] = { "history_add", 0,
	    "INSERT INTO password_history (tenant_id, user_id, password_hash) "
	    "VALUES (:tenant::uuid, :user::uuid, :hash)" },
	[ST_ACCEPTED] = { "accepted", 0,
	    "UPDATE invitations SET status = 'accepted', accepted_at = now(), "
	    "user_id = :user::uuid, updated_at = now() WHERE id = :id::uuid AND "
	    "tenant_id = :tenant::uuid AND status = 'pending'" },
	[ST_OUTBOX] = { "outbox", 0,
	    "INSERT INTO mail_outbox (tenant_id, invitation_id, recipient, "
	    "subject, body, token_sealed) VALUES (:tenant::uuid, "
	    ":invitation::uuid, :recipient, :subject, :body, :sealed)" },
	/* Mail not yet sent of an invitation whose token changed or died. */
	[ST_OUTBOX_CANCEL] = { "outbox_cancel", 0,
	    "UPDATE mail_outbox SET status = 'cancelled', token_sealed = NULL "
	    "WHERE invitation_id = :invitation::uuid AND "
	    "tenant_id = :tenant::uuid AND status = 'queued'" },
};

/* ---- the route table ---- */

/* A role's name: 1 to 64 printable ASCII characters, no spaces. */
static int
valid_role(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~')
			return 0;
	return 1;
}

static const struct xv_field create_fields[] = {
	{ "email", XV_F_STRING, 1, 3, 320, NULL, xv_valid_email, NULL },
	{ "roles", XV_F_STRINGS, 0, 0, 20, NULL, valid_role, NULL },
	{ "message", XV_F_STRING, 0, 0, 2000, NULL, NULL, NULL },
	XV_FIELDS_END
};
static const struct xv_field bulk_fields[] = {
	{ "ids", XV_F_STRINGS, 0, 1, 100, NULL, NULL, NULL },
	{ "status", XV_F_STRING, 0, 1, 16, NULL, NULL, NULL },
	XV_FIELDS_END
};
/* JSON, or the page's form (which adds its CSRF field). */
static const struct xv_field accept_fields[] = {
	{ "password", XV_F_STRING, 1, 1, 1024, NULL, NULL, NULL },
	{ "display_name", XV_F_STRING, 0, 0, 200, NULL, NULL, NULL },
	{ "csrf", XV_F_STRING, 0, 0, 64, NULL, NULL, NULL },
	XV_FIELDS_END
};

#define ADMIN	.cred = XV_CRED_BEARER, .need = XV_NEED_ADMIN, \
		.tenancy = XV_TENANT_REQ
#define INVITE	.cred = XV_CRED_INVITE, .tenancy = XV_TENANT_CRED, \
		.style = XV_STYLE_PAGE

static const struct xv_route routes[] = {
	{ XV_POST, "/admin/invitations", ADMIN, .body = XV_BODY_JSON,
	    .fields = create_fields, .handler = invitation_create },
	{ XV_GET, "/admin/invitations", ADMIN, .handler = invitation_list },
	{ XV_POST, "/admin/invitations/bulk-resend", ADMIN,
	    .body = XV_BODY_JSON, .fields = bulk_fields,
	    .handler = invitation_bulk_resend },
	{ XV_GET, "/admin/invitations/{id}", ADMIN, .handler = invitation_get },
	{ XV_DELETE, "/admin/invitations/{id}", ADMIN,
	    .handler = invitation_revoke },
	{ XV_POST, "/admin/invitations/{id}/resend", ADMIN,
	    .handler = invitation_resend },
	/* Before {token}: no token is this word (tokens are 43 characters). */
	{ XV_GET, "/invite/accepted", .cred = XV_CRED_NONE,
	    .tenancy = XV_TENANT_NONE, .style = XV_STYLE_PAGE, .no_txn = 1,
	    .handler = invite_done },
	{ XV_GET, "/invite/{token}", INVITE, .handler = invite_show },
	{ XV_POST, "/invite/{token}", INVITE, .body = XV_BODY_JSON_OR_FORM,
	    .fields = accept_fields, .handler = invite_accept },
};

int
main(int argc, char *argv[])
{
	static const struct xv_program prog = {
		"invitations", routes, sizeof(routes) / sizeof(routes[0]),
		stmts, ST__MAX
	};

	return xv_main(&prog, argc, argv);
}

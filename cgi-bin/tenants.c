/*
 * tenants.fcgi: tenant provisioning, suspension and reactivation (super
 * admins, system context), per-tenant settings and WebAuthn policy
 * (tenant admins), and the audit log.  Every change is audited in the
 * transaction that makes it.  See tenants.fcgi(8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"

enum stmt {
	ST_TENANT_INSERT,
	ST_SCOPE,
	ST_SETTINGS_INSERT,
	ST_WEBAUTHN_INSERT,
	ST_TENANT_LIST,
	ST_TENANT_COUNT,
	ST_TENANT_AFTER,
	ST_TENANT_GET,
	ST_TENANT_LOCK,
	ST_TENANT_SUSPEND,
	ST_TENANT_REACTIVATE,
	ST_SETTINGS_GET,
	ST_SETTINGS_LOCK,
	ST_SETTINGS_UPDATE,
	ST_WEBAUTHN_GET,
	ST_WEBAUTHN_LOCK,
	ST_WEBAUTHN_UPDATE,
	ST_AUDIT_LIST,
	ST_AUDIT_COUNT,
	ST_AUDIT_AFTER,
	ST__MAX
};

/* Named as the answers name them (tenant_cols); see xv_row_json. */
#define TENANT_COLS \
	"id, name, slug, plan, status, status = 'active' AS is_active, " \
	"xv_ts(created_at) AS created_at, xv_ts(updated_at) AS updated_at, " \
	"xv_ts(suspended_at) AS suspended_at, " \
	"suspend_reason AS suspension_reason"
#define AUDIT_FILTER \
	"WHERE tenant_id = :tenant::uuid " \
	"AND (:action::text IS NULL OR action = :action) " \
	"AND (:resource_type::text IS NULL OR resource_type = :resource_type) " \
	"AND (:since::timestamptz IS NULL OR created_at >= :since::timestamptz) " \
	"AND (:until::timestamptz IS NULL OR created_at < :until::timestamptz) "
#define AUDIT_COLS \
	"id, action, resource_type, resource_id, actor, " \
	"actor_tenant AS actor_tenant_id, old_value, new_value, request_id, " \
	"xv_ts(created_at) AS created_at"
/* The cursor's event's col; NULL (an empty page) if the tenant has none. */
#define AUDIT_CURSOR(col) \
	"(SELECT " col " FROM audit_events WHERE tenant_id = :tenant::uuid " \
	"AND id = :after::uuid)"

static const struct xv_stmt stmts[ST__MAX] = {
	[ST_TENANT_INSERT] = { "tenant_insert", 0,
	    "INSERT INTO tenants (name, slug, plan) VALUES (:name, :slug, :plan) "
	    "RETURNING " TENANT_COLS },
	[ST_SCOPE] = { "scope", 0,
	    "SELECT set_config('app.tenant_id', :tenant, true)" },
	[ST_SETTINGS_INSERT] = { "settings_insert", 0,
	    "INSERT INTO tenant_settings (tenant_id, settings) "
	    "VALUES (:tenant::uuid, :doc::jsonb)" },
	[ST_WEBAUTHN_INSERT] = { "webauthn_insert", 0,
	    "INSERT INTO webauthn_policies (tenant_id, policy) "
	    "VALUES (:tenant::uuid, :doc::jsonb)" },
	[ST_TENANT_LIST] = { "tenant_list", 0,
	    "SELECT " TENANT_COLS " FROM tenants "
	    "ORDER BY tenants.created_at, tenants.id "
	    "LIMIT :limit::int OFFSET :offset::bigint" },
	[ST_TENANT_COUNT] = { "tenant_count", 0,
	    "SELECT count(*) FROM tenants" },
	/* The page after the cursor's tenant: tenants_created_id (0010). */
	[ST_TENANT_AFTER] = { "tenant_after", 0,
	    "SELECT " TENANT_COLS " FROM tenants "
	    "WHERE (tenants.created_at, tenants.id) > "
	    "(SELECT created_at, id FROM tenants WHERE id = :after::uuid) "
	    "ORDER BY tenants.created_at, tenants.id LIMIT :limit::int" },
	[ST_TENANT_GET] = { "tenant_get", 0,
	    "SELECT " TENANT_COLS " FROM tenants WHERE id = :id::uuid" },
	[ST_TENANT_LOCK] = { "tenant_lock", 0,
	    "SELECT " TENANT_COLS " FROM tenants WHERE id = :id::uuid FOR UPDATE" },
	[ST_TENANT_SUSPEND] = { "tenant_suspend", 0,
	    "UPDATE tenants SET status = 'suspended', suspended_at = now(), "
	    "suspend_reason = :reason, updated_at = now(), "
	    "tokens_valid_after = date_trunc('second', now()) + interval '1 second' "
	    "WHERE id = :id::uuid RETURNING " TENANT_COLS },
	[ST_TENANT_REACTIVATE] = { "tenant_reactivate", 0,
	    "UPDATE tenants SET status = 'active', suspended_at = NULL, "
	    "suspend_reason = NULL, updated_at = now() "
	    "WHERE id = :id::uuid RETURNING " TENANT_COLS },
	/* A read takes no row lock: that would make every GET a write. */
	[ST_SETTINGS_GET] = { "settings_get", 0,
	    "SELECT settings FROM tenant_settings WHERE tenant_id = :tenant::uuid" },
	[ST_SETTINGS_LOCK] = { "settings_lock", 0,
	    "SELECT settings FROM tenant_settings WHERE tenant_id = :tenant::uuid "
	    "FOR UPDATE" },
	[ST_SETTINGS_UPDATE] = { "settings_update", 0,
	    "UPDATE tenant_settings SET settings = :doc::jsonb, updated_at = now() "
	    "WHERE tenant_id = :tenant::uuid" },
	[ST_WEBAUTHN_GET] = { "webauthn_get", 0,
	    "SELECT policy FROM webauthn_policies WHERE tenant_id = :tenant::uuid" },
	[ST_WEBAUTHN_LOCK] = { "webauthn_lock", 0,
	    "SELECT policy FROM webauthn_policies WHERE tenant_id = :tenant::uuid "
	    "FOR UPDATE" },
	[ST_WEBAUTHN_UPDATE] = { "webauthn_update", 0,
	    "UPDATE webauthn_policies SET policy = :doc::jsonb, updated_at = now() "
	    "WHERE tenant_id = :tenant::uuid" },
	[ST_AUDIT_LIST] = { "audit_list", 0,
	    "SELECT " AUDIT_COLS " FROM audit_events " AUDIT_FILTER
	    "ORDER BY audit_events.created_at DESC, audit_events.id "
	    "LIMIT :limit::int OFFSET :offset::bigint", .custom = 1 },
	[ST_AUDIT_COUNT] = { "audit_count", 0,
	    "SELECT count(*) FROM audit_events " AUDIT_FILTER, .custom = 1 },
	/*
	 * The page after the cursor's event, newest first and id ascending
	 * among equal times: created_at <= the cursor's bounds the index
	 * scan (audit_events_tenant_time_id, 0010), and the OR only drops
	 * the cursor's own time's events up to its id.  A row comparison
	 * cannot say this mixed order.
	 */
	[ST_AUDIT_AFTER] = { "audit_after", 0,
	    "SELECT " AUDIT_COLS " FROM audit_events " AUDIT_FILTER
	    "AND audit_events.created_at <= " AUDIT_CURSOR("created_at") " "
	    "AND (audit_events.created_at < " AUDIT_CURSOR("created_at") " "
	    "OR audit_events.id > " AUDIT_CURSOR("id") ") "
	    "ORDER BY audit_events.created_at DESC, audit_events.id "
	    "LIMIT :limit::int", .custom = 1 },
};

static const char *const plans[] = { "free", "starter", "professional",
    "enterprise", NULL };
static const char *const attestations[] = { "none", "indirect", "direct",
    "enterprise", NULL };
static const char *const rdp[] = { "required", "preferred", "discouraged",
    NULL };

static const struct xv_field password_fields[] = {
	{ "min_length", XV_F_INT, 0, 8, 128, NULL, NULL, NULL },
	{ "require_uppercase", XV_F_BOOL, 0, 0, 0, NULL, NULL, NULL },
	{ "require_lowercase", XV_F_BOOL, 0, 0, 0, NULL, NULL, NULL },
	{ "require_numbers", XV_F_BOOL, 0, 0, 0, NULL, NULL, NULL },
	{ "require_special_chars", XV_F_BOOL, 0, 0, 0, NULL, NULL, NULL },
	{ "password_history_count", XV_F_INT, 0, 0, 24, NULL, NULL, NULL },
	{ "max_age_days", XV_F_INT, 0, 0, 3650, NULL, NULL, NULL },
	XV_FIELDS_END
};

static const struct xv_field lockout_fields[] = {
	{ "max_attempts", XV_F_INT, 0, 1, 100, NULL, NULL, NULL },
	{ "lockout_duration_minutes", XV_F_INT, 0, 1, 1440, NULL, NULL, NULL },
	{ "reset_after_minutes", XV_F_INT, 0, 1, 10080, NULL, NULL, NULL },
	XV_FIELDS_END
};

static const struct xv_field settings_fields[] = {
	{ "session_timeout_minutes", XV_F_INT, 0, 1, 43200, NULL, NULL, NULL },
	{ "max_sessions_per_user", XV_F_INT, 0, 1, 1000, NULL, NULL, NULL },
	{ "require_mfa", XV_F_BOOL, 0, 0, 0, NULL, NULL, NULL },
	{ "password_policy", XV_F_OBJECT, 0, 0, 0, NULL, NULL, password_fields },
	{ "lockout_policy", XV_F_OBJECT, 0, 0, 0, NULL, NULL, lockout_fields },
	{ "allowed_domains", XV_F_STRINGS, 0, 0, 100, NULL, xv_valid_dns_name,
	    NULL },
	XV_FIELDS_END
};

static const struct xv_field provision_fields[] = {
	{ "name", XV_F_STRING, 1, 1, 200, NULL, NULL, NULL },
	{ "slug", XV_F_STRING, 1, 3, 63, NULL, xv_valid_slug, NULL },
	{ "plan", XV_F_STRING, 1, 0, 0, plans, NULL, NULL },
	{ "settings", XV_F_OBJECT, 0, 0, 0, NULL, NULL, settings_fields },
	XV_FIELDS_END
};

static const struct xv_field webauthn_fields[] = {
	{ "enabled", XV_F_BOOL, 0, 0, 0, NULL, NULL, NULL },
	{ "attestation_preference", XV_F_STRING, 0, 0, 0, attestations, NULL,
	    NULL },
	{ "user_verification", XV_F_STRING, 0, 0, 0, rdp, NULL, NULL },
	{ "resident_key", XV_F_STRING, 0, 0, 0, rdp, NULL, NULL },
	XV_FIELDS_END
};

static const struct xv_field suspend_fields[] = {
	{ "reason", XV_F_STRING, 0, 0, 500, NULL, NULL, NULL },
	XV_FIELDS_END
};

/* The tenant object of the guide: as provisioned, and in full. */
static const struct xv_jcol tenant_short[] = {
	{ "id", XV_J_TEXT }, { "name", XV_J_TEXT }, { "slug", XV_J_TEXT },
	{ "plan", XV_J_TEXT }, { "is_active", XV_J_BOOL },
	{ "created_at", XV_J_TEXT }, { NULL, 0 }
};
static const struct xv_jcol tenant_full[] = {
	{ "id", XV_J_TEXT }, { "name", XV_J_TEXT }, { "slug", XV_J_TEXT },
	{ "plan", XV_J_TEXT }, { "is_active", XV_J_BOOL },
	{ "created_at", XV_J_TEXT }, { "status", XV_J_TEXT },
	{ "updated_at", XV_J_TEXT }, { "suspended_at", XV_J_NULLABLE },
	{ "suspension_reason", XV_J_NULLABLE }, { NULL, 0 }
};

static json_t *
tenant_json(PGresult *r, int row, int full)
{
	return xv_row_json(r, row, full ? tenant_full : tenant_short);
}

/* Stores JSON document j of tenant t with statement st. */
static enum xv_err
run_json(struct xv_req *req, int st, const char *t, json_t *j)
{
	char		*s = xv_keep_str(req, json_dumps(j, JSON_COMPACT));
	enum xv_err	 e = XV_E_INTERNAL;

	if (s == NULL || xv_req_call(req, st, XV_ARGS({ "tenant", t },
	    { "doc", s }), &e) == NULL)
		return xv_fail(req, e, NULL, "cannot store %s", stmts[st].name);
	return XV_OK;
}

static enum xv_err
tenant_provision(struct xv_req *req)
{
	json_t		*body = req->json, *settings, *webauthn, *out, *given;
	PGresult	*r;
	char		 loc[64];
	const char	*id;
	enum xv_err	 rc;

	settings = xv_keep_json(req, xv_settings_default());
	webauthn = xv_keep_json(req, xv_webauthn_default());
	if ((given = json_object_get(body, "settings")) != NULL)
		xv_json_merge(settings, given);
	r = xv_req_call(req, ST_TENANT_INSERT, XV_ARGS(
	    { "name", json_string_value(json_object_get(body, "name")) },
	    { "slug", json_string_value(json_object_get(body, "slug")) },
	    { "plan", json_string_value(json_object_get(body, "plan")) }), &rc);
	if (r == NULL) {
		if (rc == XV_E_CONFLICT)
			return xv_fail_code(req, rc, "slug_taken", "slug",
			    "a tenant with this slug exists");
		return xv_fail(req, rc, NULL, "cannot create the tenant");
	}
	id = xv_val(r, 0, "id");
	if (xv_req_call(req, ST_SCOPE, XV_ARGS({ "tenant", id }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot scope to the new tenant");
	out = xv_keep_json(req, tenant_json(r, 0, 0));
	if ((rc = run_json(req, ST_SETTINGS_INSERT, id, settings)) != XV_OK ||
	    (rc = run_json(req, ST_WEBAUTHN_INSERT, id, webauthn)) != XV_OK)
		return rc;
	json_object_set(out, "settings", settings);
	rc = xv_audit(req, id, "tenant.provisioned", "tenant", id, NULL, out);
	json_object_del(out, "settings");
	if (rc != XV_OK)
		return rc;
	snprintf(loc, sizeof(loc), "/system/tenants/%s", id);
	xv_resp_header(req, "Location", loc);
	return xv_resp_json(req, 201, json_incref(out));
}

static json_t *
tenant_row_json(PGresult *r, int i)
{
	return tenant_json(r, i, 1);
}

static enum xv_err
tenant_list(struct xv_req *req)
{
	return xv_resp_page_call(req, "tenants", ST_TENANT_LIST,
	    ST_TENANT_COUNT, ST_TENANT_AFTER, NULL, 0, tenant_row_json);
}

/* Runs a one-row tenant statement on the path's {id}; 404 if none. */
static PGresult *
tenant_row(struct xv_req *req, int st, enum xv_err *rc)
{
	return xv_row_call(req, st, XV_ARGS({ "id", req->params[0] }),
	    "tenant", rc);
}

static enum xv_err
tenant_get(struct xv_req *req)
{
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = tenant_row(req, ST_TENANT_GET, &rc)) == NULL)
		return rc;
	return xv_resp_json(req, 200, tenant_json(r, 0, 1));
}

/* Suspends or reactivates; idempotent; audited only when state changes. */
static enum xv_err
tenant_set_state(struct xv_req *req, int suspend)
{
	const char	*id = req->params[0];
	json_t		*oldv, *newv;
	PGresult	*cur, *r;
	enum xv_err	 rc;
	int		 active;

	if ((cur = tenant_row(req, ST_TENANT_LOCK, &rc)) == NULL)
		return rc;
	if (suspend && strcmp(id, XV_SYSTEM_TENANT) == 0)
		return xv_fail_code(req, XV_E_CONFLICT, "system_tenant", NULL,
		    "the system tenant cannot be suspended");
	active = strcmp(xv_val(cur, 0, "status"), "active") == 0;
	if (active != suspend)
		return xv_resp_json(req, 200, tenant_json(cur, 0, 1));
	if (suspend)
		r = xv_row_call(req, ST_TENANT_SUSPEND, XV_ARGS({ "id", id },
		    { "reason", json_string_value(json_object_get(req->json,
		    "reason")) }), "tenant", &rc);
	else
		r = tenant_row(req, ST_TENANT_REACTIVATE, &rc);
	if (r == NULL)
		return rc;
	oldv = xv_keep_json(req, tenant_json(cur, 0, 1));
	newv = xv_keep_json(req, tenant_json(r, 0, 1));
	if ((rc = xv_audit(req, id, suspend ? "tenant.suspended" :
	    "tenant.reactivated", "tenant", id, oldv, newv)) != XV_OK)
		return rc;
	return xv_resp_json(req, 200, json_incref(newv));
}

static enum xv_err
tenant_suspend(struct xv_req *req)
{
	return tenant_set_state(req, 1);
}

static enum xv_err
tenant_reactivate(struct xv_req *req)
{
	return tenant_set_state(req, 0);
}

/*
 * GET or PUT of a tenant's JSON document (settings or WebAuthn policy):
 * PUT merges the body field by field over the stored document, checks
 * it, stores the result and audits old and new values.  The path's
 * {tenant_id} must be the scoped tenant.
 */
static enum xv_err
doc_handle(struct xv_req *req, int get, int lock, int upd, const char *action)
{
	PGresult	*r;
	json_t		*cur, *oldv;
	enum xv_err	 rc;

	if (strcmp(req->params[0], req->tenant) != 0)
		return xv_fail(req, XV_E_NOT_FOUND, NULL, "no such tenant");
	if (req->method == XV_PUT)
		get = lock;
	r = xv_req_call(req, get, XV_ARGS({ "tenant", req->tenant }), &rc);
	if (r == NULL || PQntuples(r) != 1)
		return xv_fail(req, r ? XV_E_NOT_FOUND : rc, NULL,
		    "cannot read the tenant's %s", stmts[get].name);
	/* A read answers the stored document as PostgreSQL prints it. */
	if (req->method != XV_PUT)
		return xv_resp_raw(req, 200, "application/json; charset=utf-8",
		    PQgetvalue(r, 0, 0), PQgetlength(r, 0, 0));
	if ((cur = xv_keep_json(req, json_loads(PQgetvalue(r, 0, 0), 0,
	    NULL))) == NULL)
		return xv_fail(req, XV_E_INTERNAL, NULL, "stored document is bad");
	oldv = xv_keep_json(req, json_deep_copy(cur));
	xv_json_merge(cur, req->json);
	if ((rc = run_json(req, upd, req->tenant, cur)) != XV_OK ||
	    (rc = xv_audit(req, req->tenant, action, "tenant",
	    req->tenant, oldv, cur)) != XV_OK)
		return rc;
	return xv_resp_json(req, 200, json_incref(cur));
}

static enum xv_err
settings_handle(struct xv_req *req)
{
	return doc_handle(req, ST_SETTINGS_GET, ST_SETTINGS_LOCK, ST_SETTINGS_UPDATE,
	    "tenant.settings_updated");
}

static enum xv_err
webauthn_handle(struct xv_req *req)
{
	return doc_handle(req, ST_WEBAUTHN_GET, ST_WEBAUTHN_LOCK, ST_WEBAUTHN_UPDATE,
	    "tenant.webauthn_policy_updated");
}

static const struct xv_jcol audit_cols[] = {
	{ "id", XV_J_TEXT }, { "action", XV_J_TEXT },
	{ "resource_type", XV_J_TEXT }, { "resource_id", XV_J_NULLABLE },
	{ "actor", XV_J_TEXT }, { "actor_tenant_id", XV_J_NULLABLE },
	{ "old_value", XV_J_JSON }, { "new_value", XV_J_JSON },
	{ "request_id", XV_J_NULLABLE }, { "created_at", XV_J_TEXT }, { NULL, 0 }
};

static json_t *
audit_json(PGresult *r, int i)
{
	return xv_row_json(r, i, audit_cols);
}

static enum xv_err
audit_list(struct xv_req *req)
{
	static const char *names[] = { "action", "resource_type", "since",
	    "until" };
	const char	*q[4];
	int		 i;

	for (i = 0; i < 4; i++) {
		q[i] = xv_keep_str(req, xv_req_query(req, names[i]));
		if (i >= 2 && q[i] != NULL && !xv_valid_rfc3339(q[i], NULL))
			return xv_fail(req, XV_E_VALIDATION, names[i],
			    "%s must be an RFC 3339 timestamp", names[i]);
		if (i < 2 && q[i] != NULL && strlen(q[i]) > 100)
			return xv_fail(req, XV_E_VALIDATION, names[i],
			    "%s is too long", names[i]);
	}
	/* Counted apart: a page past the end still has the total. */
	return xv_resp_page_call(req, "audit_logs", ST_AUDIT_LIST,
	    ST_AUDIT_COUNT, ST_AUDIT_AFTER, XV_ARGS({ "tenant", req->tenant },
	    { "action", q[0] }, { "resource_type", q[1] }, { "since", q[2] },
	    { "until", q[3] }), audit_json);
}

/* Who calls: a super admin in the system context, or a tenant's admin. */
#define SYS	.cred = XV_CRED_BEARER, .need = XV_NEED_SUPER, \
		.tenancy = XV_TENANT_SYS
#define ADM	.cred = XV_CRED_BEARER, .need = XV_NEED_ADMIN, \
		.tenancy = XV_TENANT_REQ

static const struct xv_field no_fields[] = { XV_FIELDS_END };

static const struct xv_route routes[] = {
	{ XV_POST, "/tenants/provision", SYS, .body = XV_BODY_JSON,
	    .fields = provision_fields, .handler = tenant_provision },
	{ XV_GET, "/system/tenants", SYS, .handler = tenant_list },
	{ XV_GET, "/system/tenants/{id}", SYS, .handler = tenant_get },
	{ XV_POST, "/system/tenants/{id}/suspend", SYS,
	    .body = XV_BODY_JSON_OPT, .fields = suspend_fields,
	    .handler = tenant_suspend },
	{ XV_POST, "/system/tenants/{id}/reactivate", SYS,
	    .body = XV_BODY_JSON_OPT, .fields = no_fields,
	    .handler = tenant_reactivate },
	{ XV_GET, "/admin/tenants/{tenant_id}/settings", ADM,
	    .scopes = XV_SCOPE_READ, .one_read = 1, .handler = settings_handle },
	{ XV_PUT, "/admin/tenants/{tenant_id}/settings", ADM,
	    .scopes = XV_SCOPE_WRITE, .body = XV_BODY_JSON,
	    .fields = settings_fields, .handler = settings_handle },
	{ XV_GET, "/admin/tenants/{tenant_id}/webauthn-policy", ADM,
	    .scopes = XV_SCOPE_READ, .one_read = 1, .handler = webauthn_handle },
	{ XV_PUT, "/admin/tenants/{tenant_id}/webauthn-policy", ADM,
	    .scopes = XV_SCOPE_WRITE, .body = XV_BODY_JSON,
	    .fields = webauthn_fields, .handler = webauthn_handle },
	{ XV_GET, "/admin/audit-logs", ADM, .scopes = XV_SCOPE_READ,
	    .handler = audit_list },
};

int
main(int argc, char *argv[])
{
	static const struct xv_program prog = {
		"tenants", routes, sizeof(routes) / sizeof(routes[0]),
		stmts, ST__MAX
	};

	return xv_main(&prog, argc, argv);
}

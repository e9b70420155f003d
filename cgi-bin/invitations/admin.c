/*
 * admin.c: invitations.fcgi's admin API: create (with its mail, in the
 * same transaction), list (filters status and email), get, revoke
 * (DELETE), resend (a new token and expiry: the old token dies, mail not
 * yet sent is cancelled) and bulk resend, which skips, naming why, every
 * invitation it cannot resend, those of other tenants included (they
 * are not found, under RLS as in the query).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xv.h"
#include "invitations.h"

static const struct xv_jcol inv_cols[] = {
	{ "id", XV_J_TEXT }, { "email", XV_J_TEXT }, { "roles", XV_J_JSON },
	{ "message", XV_J_NULLABLE }, { "status", XV_J_TEXT },
	{ "expires_at", XV_J_TEXT }, { "created_at", XV_J_TEXT },
	{ "invited_by", XV_J_TEXT }, { NULL, 0 }
};

json_t *
invitation_json(PGresult *r, int i)
{
	return xv_row_json(r, i, inv_cols);
}

/*
 * The tenant's settings (kept by the request; defaults if none) and,
 * if asked, its name (kept too).
 */
json_t *
tenant_settings(struct xv_req *req, char **name)
{
	PGresult	*r;
	enum xv_err	 rc;
	json_t		*s = NULL;

	if (name != NULL)
		*name = "";
	if ((r = xv_req_call(req, ST_TENANT, XV_ARGS({ "tenant", req->tenant }),
	    &rc)) != NULL &&
	    PQntuples(r) == 1) {
		if (!xv_val_null(r, 0, "settings"))
			s = json_loads(xv_val(r, 0, "settings"), 0, NULL);
		if (name != NULL)
			*name = (char *)xv_val(r, 0, "name");
	}
	if (s == NULL)
		s = xv_settings_default();
	return xv_keep_json(req, s);
}

/* 1 when allowed_domains is empty or holds the email's domain. */
int
domain_allowed(json_t *s, const char *email)
{
	json_t		*d = json_object_get(s, "allowed_domains"), *v;
	const char	*at = strrchr(email, '@');
	size_t		 i;

	if (json_array_size(d) == 0)
		return 1;
	json_array_foreach(d, i, v)
		if (at != NULL && json_is_string(v) &&
		    strcasecmp(at + 1, json_string_value(v)) == 0)
			return 1;
	return 0;
}

static const char *
ttl(void)
{
	static char s[24];

	snprintf(s, sizeof(s), "%ld", INVITE_TTL);
	return s;
}

/* A new token into *tok (kept, wiped) and its digest into hash. */
static enum xv_err
new_token(struct xv_req *req, char **tok, char hash[65])
{
	if ((*tok = xv_keep_secret(req, xv_invite_new())) == NULL ||
	    xv_invite_hash(*tok, hash) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL,
		    "cannot make a token (api_key_secret?)");
	return XV_OK;
}

enum xv_err
invitation_create(struct xv_req *req)
{
	json_t		*b = req->json, *roles = json_object_get(b, "roles"), *v;
	const char	*email = json_string_value(json_object_get(b, "email"));
	char		*tok, *roles_s, hash[65], loc[64];
	PGresult	*r;
	enum xv_err	 rc;
	size_t		 i;

	json_array_foreach(roles, i, v)
		if (strcmp(json_string_value(v), "super_admin") == 0)
			return xv_fail(req, XV_E_FORBIDDEN, "roles",
			    "super_admin cannot be granted by invitation");
	if (!domain_allowed(tenant_settings(req, NULL), email))
		return xv_fail_code(req, XV_E_UNPROCESSABLE,
		    "domain_not_allowed", "email",
		    "the email's domain is not in allowed_domains");
	if ((r = xv_req_call(req, ST_USER_EXISTS, XV_ARGS({ "tenant",
	    req->tenant }, { "email", email }), &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot read users");
	if (PQntuples(r) > 0)
		return xv_fail_code(req, XV_E_CONFLICT, "user_exists", "email",
		    "a user with this email exists");
	if (xv_req_call(req, ST_EXPIRE_OLD, XV_ARGS({ "tenant", req->tenant },
	    { "email", email }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot expire invitations");
	if ((rc = new_token(req, &tok, hash)) != XV_OK)
		return rc;
	roles_s = xv_keep_str(req, roles ? json_dumps(roles, JSON_COMPACT) :
	    strdup("[]"));
	if ((r = xv_req_call(req, ST_INSERT, XV_ARGS({ "tenant", req->tenant },
	    { "email", email }, { "roles", roles_s }, { "message",
	    json_string_value(json_object_get(b, "message")) },
	    { "hash", hash }, { "ttl", ttl() }, { "by", req->who.sub }),
	    &rc)) == NULL)
		return rc == XV_E_CONFLICT ? xv_fail_code(req, rc,
		    "invitation_pending", "email",
		    "a pending invitation for this email exists") :
		    xv_fail(req, rc, NULL, "cannot create the invitation");
	if ((rc = invitation_mail(req, r, tok)) != XV_OK ||
	    (rc = xv_audit(req, req->tenant, "invitation.created",
	    "invitation", xv_val(r, 0, "id"), NULL,
	    xv_keep_json(req, invitation_json(r, 0)))) != XV_OK)
		return rc;
	snprintf(loc, sizeof(loc), "/admin/invitations/%s", xv_val(r, 0, "id"));
	xv_resp_header(req, "Location", loc);
	return xv_resp_json(req, 201, invitation_json(r, 0));
}

enum xv_err
invitation_list(struct xv_req *req)
{
	static const char *const statuses[] = { "pending", "accepted",
	    "expired", "revoked", NULL };
	const char *const *s;
	char		*st, *email;

	st = xv_keep_str(req, xv_req_query(req, "status"));
	email = xv_keep_str(req, xv_req_query(req, "email"));
	for (s = statuses; st != NULL && *s != NULL; s++)
		if (strcmp(*s, st) == 0)
			break;
	if (st != NULL && *s == NULL)
		return xv_fail(req, XV_E_VALIDATION, "status", "status must be "
		    "pending, accepted, expired or revoked");
	return xv_resp_page_call(req, "invitations", ST_LIST, -1, ST_AFTER,
	    XV_ARGS({ "tenant", req->tenant }, { "status", st },
	    { "email", email }), invitation_json);
}

enum xv_err
invitation_get(struct xv_req *req)
{
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = xv_row_call(req, ST_GET, XV_ARGS({ "id", req->params[0] },
	    { "tenant", req->tenant }), "invitation", &rc)) == NULL)
		return rc;
	return xv_resp_json(req, 200, invitation_json(r, 0));
}

/* 409 naming the state that forbids the change, for the row r of id. */
static enum xv_err
wrong_state(struct xv_req *req, PGresult *r)
{
	return xv_fail_code(req, XV_E_CONFLICT, "invitation_closed", NULL,
	    strcmp(xv_val(r, 0, "status"), "accepted") == 0 ?
	    "the invitation was accepted" : "the invitation was revoked");
}

enum xv_err
invitation_revoke(struct xv_req *req)
{
	PGresult	*old, *r;
	enum xv_err	 rc;

	if ((old = xv_row_call(req, ST_GET, XV_ARGS({ "id", req->params[0] },
	    { "tenant", req->tenant }), "invitation", &rc)) == NULL)
		return rc;
	if ((r = xv_req_call(req, ST_REVOKE, XV_ARGS({ "id", req->params[0] },
	    { "tenant", req->tenant }), &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot revoke");
	if (PQntuples(r) != 1)
		return wrong_state(req, old);
	if ((rc = invitation_mail_cancel(req, req->params[0])) != XV_OK ||
	    (rc = xv_audit(req, req->tenant, "invitation.revoked",
	    "invitation", req->params[0], xv_keep_json(req,
	    invitation_json(old, 0)), NULL)) != XV_OK)
		return rc;
	return xv_resp_empty(req, 204);
}

/*
 * Resends invitation id: a new token and expiry, its mail queued, the
 * mail not yet sent cancelled.  *why gets the reason when it cannot
 * (the request's error is then set too); *r the row.
 */
static enum xv_err
resend_one(struct xv_req *req, const char *id, const char **why,
    PGresult **out)
{
	const char	*st, *email;
	char		*tok, hash[65];
	PGresult	*old, *r;
	enum xv_err	 rc;

	*why = "not_found";
	if ((old = xv_row_call(req, ST_GET, XV_ARGS({ "id", id },
	    { "tenant", req->tenant }), "invitation", &rc)) == NULL)
		return rc;
	st = xv_val(old, 0, "status");
	if (strcmp(st, "accepted") == 0 || strcmp(st, "revoked") == 0) {
		*why = st;
		return wrong_state(req, old);
	}
	/*
	 * Refused before any write, so that a bulk resend goes on: an
	 * error in SQL would abort the whole transaction.
	 */
	email = xv_val(old, 0, "email");
	*why = "pending_exists";
	if (xv_req_call(req, ST_EXPIRE_OLD, XV_ARGS({ "tenant", req->tenant },
	    { "email", email }), &rc) == NULL ||
	    (r = xv_req_call(req, ST_PENDING_OTHER, XV_ARGS({ "tenant",
	    req->tenant }, { "email", email }, { "id", id }), &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot read invitations");
	if (PQntuples(r) > 0)
		return xv_fail_code(req, XV_E_CONFLICT, "invitation_pending",
		    NULL, "another pending invitation for this email exists");
	if ((rc = new_token(req, &tok, hash)) != XV_OK)
		return rc;
	if ((r = xv_req_call(req, ST_RESEND, XV_ARGS({ "id", id }, { "tenant",
	    req->tenant }, { "hash", hash }, { "ttl", ttl() }), &rc)) == NULL ||
	    PQntuples(r) != 1)
		return xv_fail(req, rc == XV_E_CONFLICT ? rc : r == NULL ? rc :
		    XV_E_CONFLICT, NULL, "cannot resend");
	*why = NULL;
	if ((rc = invitation_mail_cancel(req, id)) != XV_OK ||
	    (rc = invitation_mail(req, r, tok)) != XV_OK ||
	    (rc = xv_audit(req, req->tenant, "invitation.resent", "invitation",
	    id, NULL, NULL)) != XV_OK)
		return rc;
	*out = r;
	return XV_OK;
}

enum xv_err
invitation_resend(struct xv_req *req)
{
	const char	*why;
	PGresult	*r = NULL;
	enum xv_err	 rc;

	if ((rc = resend_one(req, req->params[0], &why, &r)) != XV_OK)
		return rc;
	return xv_resp_json(req, 200, invitation_json(r, 0));
}

/*
 * One invitation of a bulk resend: counted in *n, or added to skipped
 * with the reason.  resend_one refuses before it writes anything (an
 * error in SQL would abort the whole transaction), so a skip leaves the
 * others going; a database failure fails the whole request.
 */
static enum xv_err
bulk_one(struct xv_req *req, const char *id, json_t *skipped, int *n)
{
	char		 canon[XV_UUID_LEN + 1];
	const char	*why;
	PGresult	*r;
	enum xv_err	 rc;

	if (xv_uuid_canon(id, canon) != 0) {
		rc = xv_fail(req, XV_E_NOT_FOUND, NULL, "no such invitation");
		why = "not_found";
	} else
		rc = resend_one(req, canon, &why, &r);
	if (rc == XV_OK) {
		(*n)++;
		return XV_OK;
	}
	if (why == NULL || (rc != XV_E_NOT_FOUND && rc != XV_E_CONFLICT))
		return rc;
	json_array_append_new(skipped, json_pack("{s:s, s:s}", "id", id,
	    "reason", why));
	return XV_OK;
}

enum xv_err
invitation_bulk_resend(struct xv_req *req)
{
	json_t		*ids = json_object_get(req->json, "ids"), *v;
	const char	*st = json_string_value(json_object_get(req->json,
			    "status"));
	json_t		*skipped = xv_keep_json(req, json_array());
	char		 lim[16];
	PGresult	*r;
	enum xv_err	 rc;
	size_t		 i;
	int		 n = 0;

	if ((ids == NULL) == (st == NULL))
		return xv_fail(req, XV_E_VALIDATION, NULL,
		    "give either ids or status");
	if (st != NULL && strcmp(st, "pending") != 0 &&
	    strcmp(st, "expired") != 0)
		return xv_fail(req, XV_E_VALIDATION, "status",
		    "status must be pending or expired");
	if (st != NULL) {
		snprintf(lim, sizeof(lim), "%d", BULK_MAX);
		if ((r = xv_req_call(req, ST_BULK_STATUS, XV_ARGS({ "tenant",
		    req->tenant }, { "status", st }, { "limit", lim }), &rc)) ==
		    NULL)
			return xv_fail(req, rc, NULL, "cannot list invitations");
		for (i = 0; i < (size_t)PQntuples(r); i++)
			if ((rc = bulk_one(req, PQgetvalue(r, i, 0), skipped,
			    &n)) != XV_OK)
				return rc;
	}
	json_array_foreach(ids, i, v)
		if ((rc = bulk_one(req, json_string_value(v), skipped, &n)) !=
		    XV_OK)
			return rc;
	/* Skips recorded an error for the problem body: this answer is not one. */
	req->err_code = NULL;
	return xv_resp_json(req, 200, json_pack("{s:i, s:O}", "resent", n,
	    "skipped", skipped));
}

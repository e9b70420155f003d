/*
 * tenant.c: the tenant a request is scoped to.  X-Tenant-ID is read and
 * checked by the route's mode (an API key's own tenant stands in for a
 * missing one); xv_tenant_enter then scopes the request's transaction to
 * it (app.tenant_id, which every RLS policy reads) and is the one shared
 * check that refuses an unknown or suspended tenant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"

enum xv_err
xv_tenant_header(struct xv_req *req, const struct xv_route *r)
{
	const char	*h = xv_req_header(req, "HTTP_X_TENANT_ID");
	char		 canon[XV_UUID_LEN + 1];

	req->tenant[0] = '\0';
	/* Canonical lower case, as PostgreSQL prints uuids and tokens carry them. */
	if (h != NULL && xv_uuid_canon(h, canon) != 0)
		return xv_fail(req, XV_E_TENANT_INVALID, NULL,
		    r->tenancy == XV_TENANT_SYS ? "system operations take the "
		    "system tenant or no X-Tenant-ID" :
		    "X-Tenant-ID must be a UUID");
	switch (r->tenancy) {
	case XV_TENANT_NONE:
		return XV_OK;
	case XV_TENANT_SYS:
		if (h != NULL && strcmp(canon, XV_SYSTEM_TENANT) != 0)
			return xv_fail(req, XV_E_TENANT_INVALID, NULL,
			    "system operations take the system tenant or no "
			    "X-Tenant-ID");
		memcpy(req->tenant, XV_SYSTEM_TENANT, sizeof(req->tenant));
		return XV_OK;
	case XV_TENANT_CRED:
		/* The credential names the tenant; a header must agree. */
		if (h != NULL && strcmp(canon, req->cred_tenant) != 0)
			return xv_fail(req, XV_E_TENANT_MISMATCH, NULL,
			    "the credential belongs to another tenant");
		memcpy(req->tenant, req->cred_tenant, sizeof(req->tenant));
		return XV_OK;
	case XV_TENANT_REQ:
		break;
	}
	if (h == NULL) {
		/* An API key names its tenant; X-Tenant-ID is optional then. */
		if (req->authed && req->who.is_key) {
			memcpy(req->tenant, req->who.tid, sizeof(req->tenant));
			return XV_OK;
		}
		return xv_fail(req, XV_E_TENANT_REQUIRED, NULL,
		    "the X-Tenant-ID header is required");
	}
	memcpy(req->tenant, canon, sizeof(canon));
	return XV_OK;
}

/*
 * Judges xv_enter's row for req: the tenant exists, is active (unless
 * sys: the platform's own routes act on suspended tenants too), and the
 * request's own login token is not older than its last suspension.
 * Its columns start at c (XV_ST_ENTER_SESSION's row has the session's
 * first, and NULLs where no tenant was found).
 */
static enum xv_err
enter_check(struct xv_req *req, int sys, PGresult *r, int c)
{
	long	after;
	int	suspended;

	if (PQntuples(r) != 1 || PQnfields(r) < c + 2 || PQgetisnull(r, 0, c))
		return xv_fail(req, XV_E_TENANT_NOT_FOUND, NULL,
		    "no such tenant");
	suspended = strcmp(PQgetvalue(r, 0, c), "suspended") == 0;
	after = strtol(PQgetvalue(r, 0, c + 1), NULL, 10);
	req->tenant_after = after;
	if (suspended && !sys)
		return xv_fail(req, XV_E_SUSPENDED, NULL,
		    "the tenant is suspended");
	if (req->authed && !req->who.is_key && !req->who.is_client &&
	    strcmp(req->who.tid, req->tenant) == 0 && req->who.iat < after)
		return xv_fail(req, XV_E_UNAUTHORIZED, NULL,
		    "the token was issued before the tenant was suspended");
	return XV_OK;
}

/* Scopes the open transaction to req->tenant and checks its state. */
enum xv_err
xv_tenant_enter(struct xv_req *req, int sys)
{
	const char	*p[2] = { req->tenant, sys ? "true" : "false" };
	PGresult	*r;
	enum xv_err	 e;

	if ((r = xv_db_lib(XV_ST_ENTER, 2, p, &e)) == NULL)
		return xv_fail(req, e, NULL, "cannot scope the request");
	e = enter_check(req, sys, r, 0);
	PQclear(r);
	return e;
}

/*
 * xv_tenant_defer's check of XV_ST_ENTER's row, or of the tenant's
 * columns of XV_ST_ENTER_SESSION's from c: keeps the failure for
 * dispatch (route.c).
 */
static enum xv_err
judge_deferred(struct xv_req *req, PGresult *r, int c)
{
	enum xv_err	 e;

	e = enter_check(req, req->route->tenancy == XV_TENANT_SYS, r, c);
	if (e != XV_OK) {
		req->enter_rc = e;
		snprintf(req->enter_detail, sizeof(req->enter_detail), "%s",
		    req->err_detail);
	}
	return e;
}

static enum xv_err
deferred_check(void *arg, PGresult *r)
{
	return judge_deferred(arg, r, 0);
}

/* The same, after the session: an ended one comes first, as it did alone. */
static enum xv_err
deferred_check_session(void *arg, PGresult *r)
{
	struct xv_req *req = arg;

	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0) ||
	    PQgetvalue(r, 0, 0)[0] != 't') {
		req->sess_dead = 1;
		req->enter_rc = XV_E_UNAUTHORIZED;
		return XV_E_UNAUTHORIZED;
	}
	return judge_deferred(req, r, 1);
}

/*
 * As xv_tenant_enter, for the route's own transaction (dispatch): the
 * scoping goes with the handler's first statement, and so does the
 * check.  If the check fails, that statement and every later one fail
 * with its error, which dispatch then answers (the handler's words are
 * dropped) after rolling everything back.
 */
enum xv_err
xv_tenant_defer(struct xv_req *req)
{
	const char *p[4] = { req->tenant,
	    req->route->tenancy == XV_TENANT_SYS ? "true" : "false",
	    req->who.sid, req->who.tid };
	int s = req->sess_pending;

	req->enter_rc = XV_OK;
	/* A login token's session goes in the same statement. */
	if (xv_db_defer(s ? XV_ST_ENTER_SESSION : XV_ST_ENTER, s ? 4 : 2, p,
	    s ? deferred_check_session : deferred_check, req) == 0) {
		req->sess_pending = 0;
		return XV_OK;
	}
	return xv_fail(req, XV_E_INTERNAL, NULL, "cannot scope the request");
}

/*
 * A new tenant's settings and WebAuthn policy (API.md section 3), the
 * one place they are written: tenants.fcgi provisions with them and
 * xavyoctl bootstrap gives them to the system tenant.
 */
json_t *
xv_settings_default(void)
{
	return json_pack("{s:i, s:i, s:b, s:{s:i, s:b, s:b, s:b, s:b, s:i, s:i},"
	    " s:{s:i, s:i, s:i}, s:[]}",
	    "session_timeout_minutes", 30, "max_sessions_per_user", 10,
	    "require_mfa", 0, "password_policy", "min_length", 8,
	    "require_uppercase", 1, "require_lowercase", 1,
	    "require_numbers", 1, "require_special_chars", 1,
	    "password_history_count", 5, "max_age_days", 90,
	    "lockout_policy", "max_attempts", 5, "lockout_duration_minutes", 15,
	    "reset_after_minutes", 60, "allowed_domains");
}

json_t *
xv_webauthn_default(void)
{
	return json_pack("{s:b, s:s, s:s, s:s}", "enabled", 0,
	    "attestation_preference", "none", "user_verification", "preferred",
	    "resident_key", "preferred");
}


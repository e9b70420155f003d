/*
 * users.c: auth.fcgi's users admin API: list (filters email, status,
 * role), get, create (with a password that meets the policy), update,
 * disable (DELETE, which ends every session of the user) and unlock.
 * super_admin is granted only in the system tenant, by a super admin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xv.h"
#include "auth.h"

static const struct xv_jcol user_cols[] = {
	{ "id", XV_J_TEXT }, { "email", XV_J_TEXT },
	{ "display_name", XV_J_NULLABLE }, { "roles", XV_J_JSON },
	{ "status", XV_J_TEXT }, { "mfa_enabled", XV_J_BOOL },
	{ "created_at", XV_J_TEXT }, { "last_login_at", XV_J_NULLABLE },
	{ NULL, 0 }
};

json_t *
user_json(PGresult *r, int i)
{
	return xv_row_json(r, i, user_cols);
}

/* ---- /admin/users ---- */

/* Nobody grants super_admin outside the system tenant (403). */
static enum xv_err
roles_ok(struct xv_req *req, json_t *roles)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(roles, i, v)
		if (strcmp(json_string_value(v), "super_admin") == 0 &&
		    (strcmp(req->tenant, XV_SYSTEM_TENANT) != 0 ||
		    !req->who.super_admin))
			return xv_fail(req, XV_E_FORBIDDEN, "roles",
			    "super_admin cannot be granted");
	return XV_OK;
}

/* A filter of the list: the query parameter, or NULL (any). */
static const char *
filter(struct xv_req *req, const char *name)
{
	return xv_keep_str(req, xv_req_query(req, name));
}

enum xv_err
user_list(struct xv_req *req)
{
	return xv_resp_page_call(req, "users", ST_USER_LIST, -1, ST_USER_AFTER,
	    XV_ARGS({ "tenant", req->tenant }, { "email", filter(req, "email") },
	    { "status", filter(req, "status") },
	    { "role", filter(req, "role") }), user_json);
}

/* The user of the path's {id} (kept by the request); 404 if none. */
static PGresult *
user_row(struct xv_req *req, int st, enum xv_err *rc)
{
	return xv_row_call(req, st, XV_ARGS({ "user", req->params[0] },
	    { "tenant", req->tenant }), "user", rc);
}

enum xv_err
user_get(struct xv_req *req)
{
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = user_row(req, ST_USER_GET, &rc)) == NULL)
		return rc;
	return xv_resp_json(req, 200, user_json(r, 0));
}

enum xv_err
user_create(struct xv_req *req)
{
	json_t		*b = req->json, *roles = json_object_get(b, "roles");
	const char	*pw = json_string_value(json_object_get(b, "password"));
	char		*rl = NULL, *h = NULL, loc[64];
	PGresult	*r;
	enum xv_err	 rc;

	if ((rc = roles_ok(req, roles)) != XV_OK)
		return rc;
	if (pw != NULL && ((rc = password_ok(req, settings(req), NULL, pw)) !=
	    XV_OK || (h = xv_keep_secret(req, xv_pw_hash(pw))) == NULL))
		return rc != XV_OK ? rc : xv_fail(req, XV_E_INTERNAL, NULL,
		    "cannot hash");
	rl = xv_keep_str(req, roles ? json_dumps(roles, JSON_COMPACT) :
	    strdup("[]"));
	if ((r = xv_req_call(req, ST_USER_INSERT, XV_ARGS(
	    { "tenant", req->tenant },
	    { "email", json_string_value(json_object_get(b, "email")) },
	    { "display_name", json_string_value(json_object_get(b,
	    "display_name")) },
	    { "roles", rl }, { "password_hash", h }), &rc)) == NULL)
		return rc == XV_E_CONFLICT ? xv_fail_code(req, rc, "email_taken",
		    "email", "a user with this email exists") :
		    xv_fail(req, rc, NULL, "cannot create the user");
	if (h != NULL && xv_req_call(req, ST_HISTORY_ADD, XV_ARGS(
	    { "tenant", req->tenant }, { "user", xv_val(r, 0, "id") },
	    { "password_hash", h }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot store history");
	if ((rc = xv_audit(req, req->tenant, "user.created", "user",
	    xv_val(r, 0, "id"), NULL, xv_keep_json(req, user_json(r, 0)))) !=
	    XV_OK)
		return rc;
	snprintf(loc, sizeof(loc), "/admin/users/%s", xv_val(r, 0, "id"));
	xv_resp_header(req, "Location", loc);
	return xv_resp_json(req, 201, user_json(r, 0));
}

/* Ends every session of the user (disabled). */
static enum xv_err
end_user_sessions(struct xv_req *req, const char *uid, const char *why)
{
	enum xv_err	 rc;

	if (xv_req_call(req, ST_SESSION_END_USER, XV_ARGS({ "user", uid },
	    { "tenant", req->tenant }, { "reason", why },
	    { "keep_session", NULL }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot end sessions");
	return XV_OK;
}

static enum xv_err
user_change(struct xv_req *req, const char *dn, json_t *roles,
    const char *status, int answer)
{
	PGresult	*old, *r;
	enum xv_err	 rc;

	if ((rc = roles_ok(req, roles)) != XV_OK)
		return rc;
	if ((old = user_row(req, ST_USER_GET, &rc)) == NULL)
		return rc;
	if ((r = xv_req_call(req, ST_USER_UPDATE, XV_ARGS(
	    { "user", req->params[0] }, { "tenant", req->tenant },
	    { "display_name", dn }, { "roles", roles ? xv_keep_str(req,
	    json_dumps(roles, JSON_COMPACT)) : NULL }, { "status", status }),
	    &rc)) == NULL ||
	    PQntuples(r) != 1)
		return xv_fail(req, rc ? rc : XV_E_NOT_FOUND, NULL,
		    "cannot update the user");
	if (status != NULL && strcmp(status, "disabled") == 0 &&
	    (rc = end_user_sessions(req, req->params[0], "disabled")) != XV_OK)
		return rc;
	if ((rc = xv_audit(req, req->tenant, answer ? "user.updated" :
	    "user.disabled", "user", req->params[0],
	    xv_keep_json(req, user_json(old, 0)),
	    xv_keep_json(req, user_json(r, 0)))) != XV_OK)
		return rc;
	if (!answer)
		return xv_resp_empty(req, 204);
	return xv_resp_json(req, 200, user_json(r, 0));
}

enum xv_err
user_update(struct xv_req *req)
{
	json_t *b = req->json;

	return user_change(req, json_string_value(json_object_get(b,
	    "display_name")), json_object_get(b, "roles"),
	    json_string_value(json_object_get(b, "status")), 1);
}

/* DELETE disables: the user stays listed, every session ends. */
enum xv_err
user_delete(struct xv_req *req)
{
	return user_change(req, NULL, NULL, "disabled", 0);
}

enum xv_err
user_unlock(struct xv_req *req)
{
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = user_row(req, ST_USER_UNLOCK, &rc)) == NULL)
		return rc;
	if ((rc = xv_audit(req, req->tenant, "user.unlocked", "user",
	    req->params[0], NULL, NULL)) != XV_OK)
		return rc;
	return xv_resp_json(req, 200, user_json(r, 0));
}

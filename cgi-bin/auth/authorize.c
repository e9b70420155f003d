/*
 * authorize.c: auth.fcgi's browser endpoints of OpenID Connect (API.md
 * section 8): /oauth/authorize (RFC 6749 4.1, RFC 7636, OIDC Core 3.1),
 * /oauth/userinfo and RP-initiated /oauth/logout.
 *
 * The client names the tenant: its id is looked up (xv_client_authorize)
 * before any transaction, and a bad client_id or redirect_uri is shown
 * on an error page, never redirected.  Every later error goes back to
 * the client (RFC 6749 4.1.2.1) with state and iss (RFC 9207).  A signed
 * in browser holds a session cookie per tenant (xv_sid_<tenant>), whose
 * digest names a row of sessions; a code names that session, lives 60 s
 * and is kept as its digest.  The sign-in and MFA forms are signin.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "xv.h"
#include "auth.h"

/* The request's parameters, from the query (GET) or the form (POST). */
static const char *
param(struct xv_req *req, const char *name, int *dup)
{
	const char	*src = req->method == XV_POST ? req->body : req->query;
	char		*v = NULL;

	if (src != NULL && xv_form_get(src, name, &v) > 1)
		*dup = 1;
	return xv_keep_str(req, v);
}

const char *
authz_param(struct xv_req *req, const char *name)
{
	int dup = 0;

	return param(req, name, &dup);
}

static int
has(json_t *arr, const char *s)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(arr, i, v)
		if (s != NULL && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/*
 * The client of client_id (any tenant), into az; XV_E_NOT_FOUND when
 * there is none or it is inactive.
 */
enum xv_err
authz_client(struct xv_req *req, const char *client_id, struct authz *az)
{
	PGresult	*r;
	enum xv_err	 rc;

	if (client_id == NULL || *client_id == '\0' || strlen(client_id) > 64)
		return XV_E_NOT_FOUND;
	if ((r = xv_req_call(req, ST_CLIENT_AUTHZ, XV_ARGS({ "client_id",
	    client_id }), &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot read the client");
	if (PQntuples(r) != 1 || xv_val(r, 0, "is_active")[0] != 't')
		return XV_E_NOT_FOUND;
	az->client_id = client_id;
	az->tenant = xv_val(r, 0, "tenant_id");
	az->client_type = xv_val(r, 0, "client_type");
	az->suspended = strcmp(xv_val(r, 0, "tenant_status"), "active") != 0;
	az->grants = xv_keep_json(req, json_loads(xv_val(r, 0, "grant_types"),
	    0, NULL));
	az->scopes = xv_keep_json(req, json_loads(xv_val(r, 0, "scopes"), 0,
	    NULL));
	az->redirects = xv_keep_json(req, json_loads(xv_val(r, 0,
	    "redirect_uris"), 0, NULL));
	az->logouts = xv_keep_json(req, json_loads(xv_val(r, 0,
	    "post_logout_redirect_uris"), 0, NULL));
	return XV_OK;
}

/* uri with name=value pairs added to its query (NULL values skipped). */
static const char *
with_query(struct xv_req *req, const char *uri, const char *const *kv)
{
	struct xv_buf	 b = { 0 };
	char		*e, *out;
	int		 first = strchr(uri, '?') == NULL;

	xv_buf_add(&b, uri, strlen(uri));
	for (; kv[0] != NULL; kv += 2) {
		if (kv[1] == NULL)
			continue;
		e = xv_urlencode(kv[1]);
		xv_buf_addf(&b, "%s%s=%s", first ? "?" : "&", kv[0], e ? e : "");
		first = 0;
		free(e);
	}
	xv_buf_add(&b, "", 1);
	out = xv_keep_str(req, strdup(b.p));
	xv_buf_free(&b);
	return out;
}

static enum xv_err
redirect(struct xv_req *req, const char *to)
{
	if (to == NULL)
		return xv_fail(req, XV_E_INTERNAL, NULL, "out of memory");
	xv_resp_header(req, "Location", to);
	return xv_resp_raw(req, 302, NULL, NULL, 0);
}

/* RFC 6749 4.1.2.1: the error goes back to the client, with iss. */
enum xv_err
authz_error(struct xv_req *req, const struct authz *az, const char *error,
    const char *desc)
{
	const char *kv[] = { "error", error, "error_description", desc,
	    "state", az->state, "iss", xv_issuer(), NULL, NULL };

	return redirect(req, with_query(req, az->redirect_uri, kv));
}

/*
 * The scope asked for: every token a standard OpenID Connect one or one
 * of the client's; absent, the client's scopes.  NULL if one is not.
 */
static const char *
check_scope(struct xv_req *req, struct authz *az)
{
	static const char *const oidc[] = { "openid", "profile", "email",
	    "offline_access", NULL };
	struct xv_buf	 b = { 0 };
	char		*dup, *sp, *t, *out = NULL;
	const char *const *o;
	size_t		 i;
	json_t		*v;
	int		 ok = 1;

	if (az->scope == NULL) {
		json_array_foreach(az->scopes, i, v)
			xv_buf_addf(&b, "%s%s", i ? " " : "", json_string_value(v));
	}
	for (sp = dup = az->scope ? strdup(az->scope) : NULL;
	    sp != NULL && (t = strsep(&sp, " ")) != NULL;) {
		if (*t == '\0')
			continue;
		for (o = oidc; *o != NULL && strcmp(*o, t) != 0; o++)
			;
		if (*o == NULL && !has(az->scopes, t))
			ok = 0;
		xv_buf_addf(&b, "%s%s", b.len ? " " : "", t);
	}
	free(dup);
	xv_buf_add(&b, "", 1);
	if (ok)
		out = xv_keep_str(req, strdup(b.p));
	xv_buf_free(&b);
	return out;
}

/*
 * Reads and checks the request (in that order: the client and its
 * redirect URI, shown on a page, then the rest, redirected).  XV_DONE
 * when it has answered.
 */
static enum xv_err
authz_read(struct xv_req *req, struct authz *az)
{
	int	 dup = 0, d2 = 0;
	size_t	 i;
	json_t	*v;

	memset(az, 0, sizeof(*az));
	if (authz_client(req, param(req, "client_id", &dup), az) != XV_OK ||
	    dup)
		return xv_fail(req, XV_E_BAD_REQUEST, NULL, "The application that sent you "
		    "here is not known (client_id).");
	az->redirect_uri = param(req, "redirect_uri", &dup);
	if (dup || (az->redirect_uri != NULL &&
	    !has(az->redirects, az->redirect_uri)) ||
	    (az->redirect_uri == NULL && json_array_size(az->redirects) != 1))
		return xv_fail(req, XV_E_BAD_REQUEST, NULL, "The application that sent you "
		    "here gave an address to return to that is not registered "
		    "(redirect_uri).");
	if (az->redirect_uri == NULL)
		json_array_foreach(az->redirects, i, v)
			az->redirect_uri = json_string_value(v);
	az->state = param(req, "state", &d2);
	az->response_type = param(req, "response_type", &d2);
	az->scope = param(req, "scope", &d2);
	az->nonce = param(req, "nonce", &d2);
	az->challenge = param(req, "code_challenge", &d2);
	az->method = param(req, "code_challenge_method", &d2);
	az->prompt = param(req, "prompt", &d2);
	if (d2)
		return authz_error(req, az, "invalid_request",
		    "a parameter is repeated");
	if (az->response_type == NULL || strcmp(az->response_type, "code") != 0)
		return authz_error(req, az, "unsupported_response_type",
		    "response_type must be code");
	if (!has(az->grants, "authorization_code"))
		return authz_error(req, az, "unauthorized_client",
		    "this client may not use the authorization code grant");
	if (az->method != NULL && strcmp(az->method, "S256") != 0)
		return authz_error(req, az, "invalid_request",
		    "code_challenge_method must be S256");
	if (az->challenge == NULL && strcmp(az->client_type, "public") == 0)
		return authz_error(req, az, "invalid_request",
		    "public clients must send a PKCE code_challenge (S256)");
	if (az->challenge != NULL && (az->method == NULL ||
	    !xv_pkce_challenge_valid(az->challenge)))
		return authz_error(req, az, "invalid_request",
		    "code_challenge must be S256: 43 base64url characters");
	if (az->nonce != NULL && strlen(az->nonce) > 512)
		return authz_error(req, az, "invalid_request", "nonce too long");
	if (az->prompt != NULL && strcmp(az->prompt, "none") != 0 &&
	    strcmp(az->prompt, "login") != 0)
		return authz_error(req, az, "invalid_request",
		    "prompt must be none or login");
	if ((az->granted = check_scope(req, az)) == NULL)
		return authz_error(req, az, "invalid_scope",
		    "a requested scope is not granted to this client");
	if (az->suspended)
		return authz_error(req, az, "access_denied",
		    "the organization's account is suspended");
	return XV_OK;
}

/* ---- the browser session ---- */

const char *
cookie_name(struct xv_req *req, const char *tenant)
{
	char *n = NULL;

	if (asprintf(&n, "xv_sid_%s", tenant) < 0)
		return NULL;
	return xv_keep_str(req, n);
}

/*
 * The live session the browser's cookie of this tenant names, not idle
 * for session_timeout_minutes and its user active, touched; its id, or
 * NULL.
 */
static const char *
cookie_session(struct xv_req *req)
{
	char		*c = xv_keep_secret(req, xv_req_cookie(req,
			    cookie_name(req, req->tenant)));
	char		 t[XV_UUID_LEN + 1], hash[65];
	const char	*idle = num(req, setting(settings(req), NULL,
			    "session_timeout_minutes", 30)), *sid;
	PGresult	*r;
	enum xv_err	 rc;

	if (c == NULL || xv_refresh_hash(c, t, hash) != 0 ||
	    strcmp(t, req->tenant) != 0)
		return NULL;
	if ((r = xv_req_call(req, ST_SESSION_BY_COOKIE, XV_ARGS(
	    { "cookie_hash", hash }, { "tenant", req->tenant },
	    { "idle_minutes", idle }), &rc)) == NULL || PQntuples(r) != 1)
		return NULL;
	sid = xv_val(r, 0, "id");
	if (xv_req_call(req, ST_SESSION_TOUCH, XV_ARGS({ "session", sid },
	    { "tenant", req->tenant }), &rc) == NULL)
		return NULL;
	return sid;
}

/* Gives the browser a cookie for session sid. */
enum xv_err
authz_cookie(struct xv_req *req, const char *sid)
{
	char		*c = xv_keep_secret(req, xv_refresh_new(req->tenant));
	char		 t[XV_UUID_LEN + 1], hash[65];
	enum xv_err	 rc;

	if (c == NULL || xv_refresh_hash(c, t, hash) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a cookie");
	if (xv_req_call(req, ST_SESSION_COOKIE, XV_ARGS({ "session", sid },
	    { "tenant", req->tenant }, { "cookie_hash", hash }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot store the cookie");
	xv_resp_cookie(req, cookie_name(req, req->tenant), c, "/oauth/", -1);
	return XV_OK;
}

/* ---- the code ---- */

/* A code of session sid for the request az: stored hashed, redirected. */
enum xv_err
authz_code(struct xv_req *req, const struct authz *az, const char *sid)
{
	unsigned char	 rnd[32];
	char		*code, hash[65];
	const char	*kv[] = { "code", NULL, "state", az->state,
			    "iss", xv_issuer(), NULL, NULL };
	enum xv_err	 rc;

	if (xv_random(rnd, sizeof(rnd)) != 0 || (code = xv_keep_secret(req,
	    xv_b64url_encode(rnd, sizeof(rnd)))) == NULL ||
	    xv_client_secret_hash(code, hash) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a code");
	explicit_bzero(rnd, sizeof(rnd));
	if (xv_req_call(req, ST_CODE_INSERT, XV_ARGS({ "code_hash", hash },
	    { "tenant", req->tenant }, { "client_id", az->client_id },
	    { "session", sid }, { "redirect_uri", az->redirect_uri },
	    { "scope", az->granted }, { "nonce", az->nonce },
	    { "code_challenge", az->challenge }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot store the code");
	kv[1] = code;
	return redirect(req, with_query(req, az->redirect_uri, kv));
}

/* ---- GET and POST /oauth/authorize ---- */

enum xv_err
oauth_authorize(struct xv_req *req)
{
	struct authz	 az;
	const char	*sid;
	enum xv_err	 rc;

	if ((rc = authz_read(req, &az)) != XV_OK)
		return rc;
	if ((rc = xv_req_begin(req, az.tenant)) != XV_OK)
		return rc == XV_E_SUSPENDED ? authz_error(req, &az,
		    "access_denied", "the organization's account is suspended") :
		    rc;
	/* The forms post their step; a plain request may pass on a session. */
	if (req->method == XV_POST && authz_param(req, "step") != NULL)
		return signin_step(req, &az);
	if ((az.prompt == NULL || strcmp(az.prompt, "login") != 0) &&
	    (sid = cookie_session(req)) != NULL)
		return authz_code(req, &az, sid);
	if (az.prompt != NULL && strcmp(az.prompt, "none") == 0)
		return authz_error(req, &az, "login_required",
		    "the user is not signed in");
	return signin_form(req, &az, 200, NULL);
}

/* ---- /oauth/userinfo ---- */

static enum xv_err
userinfo_denied(struct xv_req *req, const char *detail)
{
	xv_resp_header(req, "WWW-Authenticate", XV_CHALLENGE_INVALID);
	return xv_fail_code(req, XV_E_UNAUTHORIZED, "invalid_token", NULL,
	    detail);
}

static int
scope_has(const char *scope, const char *want)
{
	size_t	n = strlen(want);
	const char *p;

	for (p = scope; p != NULL && (p = strstr(p, want)) != NULL; p += n)
		if ((p == scope || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/*
 * The bearer access token of a code flow (a client's, with a session),
 * verified, its session alive and not revoked; then the user's claims
 * that the token's scope allows.
 */
enum xv_err
oauth_userinfo(struct xv_req *req)
{
	const char	*h = xv_req_header(req, "HTTP_AUTHORIZATION");
	const char	*sub, *tid, *sid, *cid, *jti, *scope;
	struct authz	 az;
	json_t		*cl = NULL, *out;
	json_int_t	 iat;
	PGresult	*r;
	enum xv_err	 rc;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 ||
	    (cl = xv_keep_json(req, xv_jwt_verify(h + 7, XV_USE_ACCESS))) ==
	    NULL || json_unpack(cl, "{s:s, s:s, s:s, s:s, s:s, s:I}", "sub",
	    &sub, "tid", &tid, "sid", &sid, "client_id", &cid, "jti", &jti,
	    "iat", &iat) != 0 || !xv_valid_uuid(tid) || !xv_valid_uuid(sid) ||
	    strcmp(cid, XV_CLIENT_LOGIN) == 0 || strcmp(cid, XV_CLIENT_CTL) == 0)
		return userinfo_denied(req, "an access token of this flow is "
		    "required");
	scope = json_string_value(json_object_get(cl, "scope"));
	/* Its client still active, in the token's tenant. */
	memset(&az, 0, sizeof(az));
	if (authz_client(req, cid, &az) != XV_OK ||
	    strcmp(az.tenant, tid) != 0)
		return userinfo_denied(req, "invalid token");
	if ((rc = xv_req_begin(req, tid)) != XV_OK)
		return rc == XV_E_UNAVAILABLE || rc == XV_E_INTERNAL ? rc :
		    userinfo_denied(req, "invalid token");
	if (iat < req->tenant_after ||
	    (r = xv_req_call(req, ST_REVOKED, XV_ARGS({ "jti", jti },
	    { "tenant", req->tenant }), &rc)) == NULL || PQntuples(r) != 0)
		return userinfo_denied(req, "invalid token");
	if ((r = xv_req_call(req, ST_SESSION_LIVE, XV_ARGS({ "session", sid },
	    { "tenant", req->tenant }), &rc)) == NULL ||
	    PQntuples(r) != 1 || strcmp(xv_val(r, 0, "user_id"), sub) != 0)
		return userinfo_denied(req, "the session has ended");
	out = json_pack("{s:s}", "sub", sub);
	if (scope_has(scope, "email"))
		json_object_set_new(out, "email", json_string(xv_val(r, 0,
		    "email")));
	if (scope_has(scope, "email"))
		json_object_set_new(out, "email_verified", json_false());
	if (scope_has(scope, "profile") && !xv_val_null(r, 0, "display_name"))
		json_object_set_new(out, "name", json_string(xv_val(r, 0,
		    "display_name")));
	return xv_resp_json(req, 200, out);
}

/* ---- /oauth/logout (RP-initiated) ---- */

/*
 * Ends the browser's session (the cookie's, and the id_token_hint's
 * sid) and goes back to a registered post_logout_redirect_uri with
 * state, or says so on a page.
 */
enum xv_err
oauth_logout(struct xv_req *req)
{
	struct authz	 az;
	const char	*hint = authz_param(req, "id_token_hint");
	const char	*cid = authz_param(req, "client_id");
	const char	*to = authz_param(req, "post_logout_redirect_uri");
	const char	*state = authz_param(req, "state");
	const char	*aud = NULL, *tid = NULL, *sid = NULL;
	const char	*kv[] = { "state", state, NULL, NULL };
	char		*c, t[XV_UUID_LEN + 1], hash[65];
	json_t		*cl = NULL;
	enum xv_err	 rc;

	if (hint != NULL && ((cl = xv_keep_json(req, xv_jwt_verify(hint,
	    XV_USE_ID_HINT))) == NULL || json_unpack(cl, "{s:s, s:s, s?s}",
	    "aud", &aud, "tid", &tid, "sid", &sid) != 0))
		return xv_fail(req, XV_E_BAD_REQUEST, NULL, "The sign-out request is not "
		    "valid (id_token_hint).");
	if (cid == NULL)
		cid = aud;
	memset(&az, 0, sizeof(az));
	if (authz_client(req, cid, &az) != XV_OK ||
	    (aud != NULL && strcmp(aud, cid) != 0) ||
	    (tid != NULL && strcmp(tid, az.tenant) != 0))
		return xv_fail(req, XV_E_BAD_REQUEST, NULL, "The application that sent you "
		    "here is not known (client_id or id_token_hint).");
	if (to != NULL && !has(az.logouts, to))
		return xv_fail(req, XV_E_BAD_REQUEST, NULL, "The address to return to is not "
		    "registered (post_logout_redirect_uri).");
	if ((rc = xv_req_begin(req, az.tenant)) != XV_OK)
		return rc;
	c = xv_keep_secret(req, xv_req_cookie(req, cookie_name(req,
	    req->tenant)));
	if (c != NULL && xv_refresh_hash(c, t, hash) == 0 &&
	    xv_req_call(req, ST_SESSION_END_COOKIE, XV_ARGS({ "cookie_hash",
	    hash }, { "tenant", req->tenant }, { "reason", "logout" }),
	    &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot end the session");
	if (sid != NULL && xv_valid_uuid(sid) &&
	    (rc = end_session(req, sid, "logout")) != XV_OK)
		return rc;
	xv_resp_cookie(req, cookie_name(req, req->tenant), "", "/oauth/", 0);
	if (to != NULL)
		return redirect(req, with_query(req, to, kv));
	return xv_html_page(req, 200, "Signed out",
	    "<p>You are signed out.</p>\n");
}

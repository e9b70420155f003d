/*
 * grants.c: oauth.fcgi's grants of the browser flow (API.md section 8)
 * and what introspection and revocation do with refresh tokens.
 *
 *  - authorization_code (RFC 6749 4.1.3, RFC 7636 4.6): the code (kept
 *    as its HMAC digest by auth.fcgi) is used once, within 60 s, by the
 *    client it was issued to, with the same redirect_uri and the PKCE
 *    verifier.  A code presented again ends the session it belonged to:
 *    every token issued from it dies (their sid no longer holds).
 *  - refresh_token (RFC 6749 6): bound to its client; rotated at every
 *    use; a rotated one presented again ends the session (section 7).
 *
 * The answer: an access token (xv_access_token, with the user's sub,
 * sid and the scope), an ID token when openid was granted
 * (xv_id_token: auth_time, nonce, amr, sid, and email, email_verified,
 * name as the scope allows), a refresh token when the client has that
 * grant.  These run in a transaction entered late (xv_req_begin), once
 * the authenticated client has named the tenant, so that the route of
 * client_credentials keeps its single round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"
#include "oauth.h"

/* A grant's row: a code's or a refresh token's, by column name. */
struct grant {
	const char	*client_id, *session_id, *scope, *user_id, *amr;
	const char	*email, *display_name, *status, *nonce, *code_hash;
	const char	*redirect_uri, *code_challenge;
	long		 auth_time;
};

static const struct xv_col grant_cols[] = {
	XV_COL(struct grant, client_id, XV_C_NULLABLE),
	XV_COL(struct grant, session_id, XV_C_TEXT),
	XV_COL(struct grant, scope, XV_C_TEXT),
	XV_COL(struct grant, user_id, XV_C_TEXT),
	XV_COL(struct grant, amr, XV_C_TEXT),
	XV_COL(struct grant, email, XV_C_TEXT),
	XV_COL(struct grant, display_name, XV_C_NULLABLE),
	XV_COL(struct grant, status, XV_C_TEXT),
	XV_COL(struct grant, auth_time, XV_C_LONG),
};

static enum xv_err
invalid_grant(struct xv_req *req, const char *detail)
{
	return oauth_err(req, XV_E_BAD_REQUEST, "invalid_grant", detail);
}

static const char *
form_param(struct xv_req *req, const char *name)
{
	char *v = NULL;

	xv_form_get(req->body ? req->body : "", name, &v);
	return xv_keep_secret(req, v);
}

static const char *
num(struct xv_req *req, long v)
{
	char *s = NULL;

	if (asprintf(&s, "%ld", v) < 0)
		return "0";
	return xv_keep_str(req, s);
}

static int
scope_has(const char *scope, const char *want)
{
	size_t		 n = strlen(want);
	const char	*p;

	for (p = scope; p != NULL && (p = strstr(p, want)) != NULL; p += n)
		if ((p == scope || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

static json_t *
amr_json(const char *amr)
{
	json_t	*a = json_array();
	char	*dup = strdup(amr), *sp = dup, *t;

	while (sp != NULL && (t = strsep(&sp, " ")) != NULL)
		if (*t != '\0')
			json_array_append_new(a, json_string(t));
	free(dup);
	return a;
}

/* The session's idle timeout, from the tenant's settings. */
static long
idle_minutes(struct xv_req *req)
{
	PGresult	*r;
	enum xv_err	 rc;
	json_t		*s, *v;
	long		 m = 30;

	if ((r = xv_req_call(req, ST_SETTINGS, XV_ARGS({ "tenant",
	    req->tenant }), &rc)) != NULL &&
	    PQntuples(r) == 1 &&
	    (s = json_loads(xv_val(r, 0, "settings"), 0, NULL)) != NULL) {
		if (json_is_integer(v = json_object_get(s,
		    "session_timeout_minutes")))
			m = (long)json_integer_value(v);
		json_decref(s);
	}
	return m;
}

/* A refresh token's row by its hash, locked (kept by the request). */
static PGresult *
refresh_row(struct xv_req *req, const char *hash, enum xv_err *rc)
{
	const char *idle = num(req, idle_minutes(req));

	return xv_req_call(req, ST_RT_GET, XV_ARGS({ "token_hash", hash },
	    { "tenant", req->tenant }, { "idle_minutes", idle }), rc);
}

/*
 * Answers the tokens of grant g: access token, ID token (openid), and
 * a new refresh token (the refresh_token grant) naming code_hash.
 */
static enum xv_err
answer(struct xv_req *req, const struct grant *g, const char *scope,
    const char *nonce, const char *code_hash)
{
	struct xv_client *c = &req->client;
	long		 ttl = xv_conf_int("access_token_ttl", 900);
	char		*at, *idt = NULL, *rt = NULL, hash[65];
	json_t		*x, *out;
	enum xv_err	 rc;

	x = json_pack("{s:s, s:s}", "scope", scope, "sid", g->session_id);
	at = xv_keep_secret(req, xv_access_token(g->user_id, c->client_id,
	    c->tenant, ttl, x));
	json_decref(x);
	if (at == NULL)
		return oauth_err(req, XV_E_INTERNAL, "server_error",
		    "cannot sign the token");
	out = xv_keep_json(req, json_pack("{s:s, s:s, s:I, s:s}",
	    "access_token", at, "token_type", "Bearer",
	    "expires_in", (json_int_t)ttl, "scope", scope));
	if (scope_has(scope, "openid")) {
		x = json_pack("{s:I, s:o, s:s, s:s, s:s}", "auth_time",
		    (json_int_t)g->auth_time, "amr", amr_json(g->amr), "sid",
		    g->session_id, "azp", c->client_id, "tid", c->tenant);
		if (nonce != NULL)
			json_object_set_new(x, "nonce", json_string(nonce));
		if (scope_has(scope, "email")) {
			json_object_set_new(x, "email", json_string(g->email));
			json_object_set_new(x, "email_verified", json_false());
		}
		if (scope_has(scope, "profile") && g->display_name != NULL)
			json_object_set_new(x, "name",
			    json_string(g->display_name));
		idt = xv_keep_secret(req, xv_id_token(g->user_id, c->client_id,
		    ttl, x));
		json_decref(x);
		if (idt == NULL)
			return oauth_err(req, XV_E_INTERNAL, "server_error",
			    "cannot sign the token");
		json_object_set_new(out, "id_token", json_string(idt));
	}
	if (has_string(c->grants, "refresh_token")) {
		if ((rt = xv_keep_secret(req, xv_refresh_new(c->tenant))) ==
		    NULL || xv_refresh_hash(rt, (char[XV_UUID_LEN + 1]){ 0 },
		    hash) != 0)
			return oauth_err(req, XV_E_INTERNAL, "server_error",
			    "cannot make a token");
		if (xv_req_call(req, ST_RT_INSERT, XV_ARGS(
		    { "token_hash", hash }, { "tenant", c->tenant },
		    { "session", g->session_id }, { "client_id", c->client_id },
		    { "scope", scope }, { "code_hash", code_hash }),
		    &rc) == NULL)
			return oauth_err(req, rc, "server_error",
			    "cannot store the token");
		json_object_set_new(out, "refresh_token", json_string(rt));
	}
	if (xv_req_call(req, ST_SESSION_TOUCH, XV_ARGS(
	    { "session", g->session_id }, { "tenant", c->tenant }),
	    &rc) == NULL)
		return oauth_err(req, rc, "server_error", "cannot touch");
	xv_resp_header(req, "Pragma", "no-cache");
	return xv_resp_json(req, 200, json_incref(out));
}

static enum xv_err
end_session(struct xv_req *req, const char *sid, const char *why)
{
	enum xv_err	 rc;

	if (xv_req_call(req, ST_SESSION_END, XV_ARGS({ "session", sid },
	    { "tenant", req->tenant }, { "reason", why }), &rc) == NULL)
		return oauth_err(req, rc, "server_error",
		    "cannot end the session");
	return XV_OK;
}

enum xv_err
grant_code(struct xv_req *req)
{
	const char	*code = form_param(req, "code");
	const char	*ru = form_param(req, "redirect_uri");
	const char	*verifier = form_param(req, "code_verifier");
	char		 hash[65];
	struct grant	 g;
	PGresult	*r;
	enum xv_err	 rc;

	if (code == NULL || ru == NULL)
		return oauth_err(req, XV_E_BAD_REQUEST, "invalid_request",
		    "code and redirect_uri are required");
	if (strlen(code) != 43 || xv_client_secret_hash(code, hash) != 0)
		return invalid_grant(req, "invalid, expired or used code");
	if ((rc = xv_req_begin(req, req->client.tenant)) != XV_OK)
		return oauth_err(req, rc == XV_E_SUSPENDED ? XV_E_UNAUTHORIZED :
		    rc, rc == XV_E_SUSPENDED ? "invalid_client" : "server_error",
		    "client authentication failed");
	if ((r = xv_req_call(req, ST_CODE_GET, XV_ARGS({ "code_hash", hash },
	    { "tenant", req->tenant }), &rc)) == NULL)
		return oauth_err(req, rc, "server_error", "cannot read the code");
	if (PQntuples(r) != 1 || xv_row_decode(r, 0, grant_cols,
	    XV_NELEM(grant_cols), &g) != 0)
		return invalid_grant(req, "invalid, expired or used code");
	if (strcmp(g.client_id, req->client.client_id) != 0)
		return invalid_grant(req, "the code was issued to another client");
	/* Used before: a copy is about; what it produced dies with its session. */
	if (xv_val(r, 0, "used")[0] == 't') {
		if ((rc = end_session(req, g.session_id, "code_reuse")) != XV_OK)
			return rc;
		return invalid_grant(req, "code already used: its tokens are "
		    "revoked");
	}
	if (xv_req_call(req, ST_CODE_USE, XV_ARGS({ "code_hash", hash },
	    { "tenant", req->tenant }), &rc) == NULL ||
	    xv_req_call(req, ST_CODE_PURGE, XV_ARGS({ "tenant", req->tenant }),
	    &rc) == NULL)
		return oauth_err(req, rc, "server_error", "cannot use the code");
	if (xv_val(r, 0, "live")[0] != 't')
		return invalid_grant(req, "invalid, expired or used code");
	if (strcmp(xv_val(r, 0, "redirect_uri"), ru) != 0)
		return invalid_grant(req, "redirect_uri differs from the "
		    "authorization request's");
	if (!xv_val_null(r, 0, "code_challenge") ?
	    !xv_pkce_ok(verifier, xv_val(r, 0, "code_challenge")) :
	    verifier != NULL)
		return invalid_grant(req, "the PKCE code_verifier does not "
		    "match");
	if (xv_val(r, 0, "session_live")[0] != 't' ||
	    strcmp(g.status, "active") != 0)
		return invalid_grant(req, "the sign-in has ended");
	return answer(req, &g, g.scope, xv_val_null(r, 0, "nonce") ? NULL :
	    xv_val(r, 0, "nonce"), hash);
}

/* A requested scope must be within the refresh token's. */
static const char *
narrow_scope(struct xv_req *req, const char *have)
{
	const char	*want = form_param(req, "scope");
	char		*dup, *sp, *t;
	int		 ok = 1;

	if (want == NULL)
		return have;
	for (sp = dup = strdup(want); sp != NULL &&
	    (t = strsep(&sp, " ")) != NULL;)
		if (*t != '\0' && !scope_has(have, t))
			ok = 0;
	free(dup);
	return ok && *want != '\0' ? want : NULL;
}

enum xv_err
grant_refresh(struct xv_req *req)
{
	const char	*tok = form_param(req, "refresh_token");
	char		 hash[65], t[XV_UUID_LEN + 1];
	const char	*scope;
	struct grant	 g;
	PGresult	*r;
	enum xv_err	 rc;

	if (tok == NULL)
		return oauth_err(req, XV_E_BAD_REQUEST, "invalid_request",
		    "refresh_token is required");
	if (xv_refresh_hash(tok, t, hash) != 0 ||
	    strcmp(t, req->client.tenant) != 0)
		return invalid_grant(req, "invalid, expired or ended refresh "
		    "token");
	if ((rc = xv_req_begin(req, req->client.tenant)) != XV_OK)
		return oauth_err(req, rc == XV_E_SUSPENDED ? XV_E_UNAUTHORIZED :
		    rc, rc == XV_E_SUSPENDED ? "invalid_client" : "server_error",
		    "client authentication failed");
	if ((r = refresh_row(req, hash, &rc)) == NULL)
		return oauth_err(req, rc, "server_error", "cannot read the token");
	if (PQntuples(r) != 1 || xv_row_decode(r, 0, grant_cols,
	    XV_NELEM(grant_cols), &g) != 0 || g.client_id == NULL ||
	    strcmp(g.client_id, req->client.client_id) != 0)
		return invalid_grant(req, "invalid, expired or ended refresh "
		    "token");
	if (xv_val(r, 0, "rotated")[0] == 't') {
		if ((rc = end_session(req, g.session_id, "refresh_reuse")) !=
		    XV_OK)
			return rc;
		return invalid_grant(req, "refresh token reused: the session "
		    "has ended");
	}
	if (xv_val(r, 0, "live")[0] != 't' || xv_val(r, 0, "fresh")[0] != 't' ||
	    strcmp(g.status, "active") != 0)
		return invalid_grant(req, "invalid, expired or ended refresh "
		    "token");
	if ((scope = narrow_scope(req, g.scope)) == NULL)
		return oauth_err(req, XV_E_BAD_REQUEST, "invalid_scope",
		    "the scope exceeds the refresh token's");
	if (xv_req_call(req, ST_RT_ROTATE, XV_ARGS({ "token_hash", hash },
	    { "tenant", req->tenant }), &rc) == NULL)
		return oauth_err(req, rc, "server_error", "cannot rotate");
	/* The new token keeps the original grant's scope and code. */
	g.scope = xv_keep_str(req, strdup(g.scope));
	return answer(req, &g, scope, NULL, xv_val_null(r, 0, "code_hash") ?
	    NULL : xv_val(r, 0, "code_hash"));
}

/* ---- refresh tokens at introspection and revocation ---- */

int
is_refresh_token(const char *tok)
{
	char t[XV_UUID_LEN + 1], h[65];

	return xv_refresh_hash(tok, t, h) == 0;
}

/*
 * Active only for the client it was issued to, in its tenant: not
 * rotated, its session live and not idle, its user active.
 */
enum xv_err
refresh_introspect(struct xv_req *req, const char *tok)
{
	char		 hash[65], t[XV_UUID_LEN + 1];
	struct grant	 g;
	PGresult	*r;
	enum xv_err	 rc;

	if (xv_refresh_hash(tok, t, hash) != 0 ||
	    strcmp(t, req->client.tenant) != 0 || req->client.suspended)
		return xv_resp_json(req, 200, json_pack("{s:b}", "active", 0));
	if ((rc = xv_req_begin(req, req->client.tenant)) != XV_OK)
		return oauth_err(req, rc, "server_error", "cannot introspect");
	if ((r = refresh_row(req, hash, &rc)) == NULL)
		return oauth_err(req, rc, "server_error", "cannot introspect");
	if (PQntuples(r) != 1 || xv_row_decode(r, 0, grant_cols,
	    XV_NELEM(grant_cols), &g) != 0 || g.client_id == NULL ||
	    strcmp(g.client_id, req->client.client_id) != 0 ||
	    xv_val(r, 0, "rotated")[0] == 't' || xv_val(r, 0, "live")[0] != 't' ||
	    xv_val(r, 0, "fresh")[0] != 't' || strcmp(g.status, "active") != 0)
		return xv_resp_json(req, 200, json_pack("{s:b}", "active", 0));
	xv_resp_header(req, "Pragma", "no-cache");
	return xv_resp_json(req, 200, json_pack("{s:b, s:s, s:s, s:s, s:s, "
	    "s:s, s:s}", "active", 1, "client_id", g.client_id, "sub",
	    g.user_id, "scope", g.scope, "iss", xv_issuer(), "tid", req->tenant,
	    "token_type", "refresh_token"));
}

/* Deletes the token if it is the caller's; 200 whatever it was. */
enum xv_err
refresh_revoke(struct xv_req *req, const char *tok)
{
	char		 hash[65], t[XV_UUID_LEN + 1];
	enum xv_err	 rc;

	if (xv_refresh_hash(tok, t, hash) == 0 && strcmp(t, req->tenant) == 0 &&
	    xv_req_call(req, ST_RT_DELETE, XV_ARGS({ "token_hash", hash },
	    { "tenant", req->tenant }, { "client_id", req->client.client_id }),
	    &rc) == NULL)
		return oauth_err(req, rc, "server_error", "cannot revoke");
	return xv_resp_empty(req, 200);
}

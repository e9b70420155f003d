/*
 * oauth.fcgi: OAuth 2.0 for xavyo-idp.  Client administration for tenant
 * admins; the token endpoint (client_credentials, RFC 6749), token
 * introspection (RFC 7662) and revocation (RFC 7009) for clients; the
 * JWKS and discovery documents; signing-key rotation for super admins.
 * Access tokens are RFC 9068 JWTs signed ES256 with keys kept in
 * PostgreSQL.  The grants of the browser flow (authorization_code,
 * refresh_token) and what introspection and revocation do with refresh
 * tokens are grants.c's; the browser's endpoints are auth.fcgi's.  See
 * oauth.fcgi(8).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "xv.h"
#include "oauth.h"

/* Named as the answers name them (client_cols); see xv_row_json. */
#define CLIENT_COLS \
	"id, client_id, name, client_type, " \
	"coalesce(array_to_json(redirect_uris), '[]') AS redirect_uris, " \
	"coalesce(array_to_json(post_logout_redirect_uris), '[]') AS " \
	"post_logout_redirect_uris, " \
	"coalesce(array_to_json(grant_types), '[]') AS grant_types, " \
	"coalesce(array_to_json(scopes), '[]') AS scopes, is_active, " \
	"xv_ts(created_at) AS created_at, xv_ts(updated_at) AS updated_at"
/* Deactivation voids every token issued up to the end of this second. */
#define VOID_FROM_NOW	"date_trunc('second', now()) + interval '1 second'"
/* A text[] of the JSON array in slot :name. */
#define JSON_ARRAY(name) \
	"ARRAY(SELECT json_array_elements_text(:" #name "::json))"

static const struct xv_stmt stmts[ST__MAX] = {
	[ST_CLIENT_INSERT] = { "client_insert", 0,
	    "INSERT INTO oauth_clients (tenant_id, client_id, name, client_type, "
	    "redirect_uris, grant_types, scopes, secret_hash, "
	    "post_logout_redirect_uris) VALUES "
	    "(:tenant::uuid, :client_id, :name, :client_type, "
	    JSON_ARRAY(redirect_uris) ", " JSON_ARRAY(grant_types) ", "
	    JSON_ARRAY(scopes) ", :secret_hash, "
	    JSON_ARRAY(post_logout_redirect_uris) ") RETURNING " CLIENT_COLS },
	[ST_CLIENT_LIST] = { "client_list", 0,
	    "SELECT " CLIENT_COLS " FROM oauth_clients "
	    "WHERE tenant_id = :tenant::uuid "
	    "ORDER BY oauth_clients.created_at, oauth_clients.id "
	    "LIMIT :limit::int OFFSET :offset::bigint" },
	[ST_CLIENT_COUNT] = { "client_count", 0,
	    "SELECT count(*) FROM oauth_clients "
	    "WHERE tenant_id = :tenant::uuid" },
	/* The page after the cursor's client: oauth_clients_tenant_id (0010). */
	[ST_CLIENT_AFTER] = { "client_after", 0,
	    "SELECT " CLIENT_COLS " FROM oauth_clients "
	    "WHERE tenant_id = :tenant::uuid AND "
	    "(oauth_clients.created_at, oauth_clients.id) > (SELECT created_at, "
	    "id FROM oauth_clients WHERE tenant_id = :tenant::uuid AND "
	    "id = :after::uuid) "
	    "ORDER BY oauth_clients.created_at, oauth_clients.id "
	    "LIMIT :limit::int" },
	[ST_CLIENT_GET] = { "client_get", 0,
	    "SELECT " CLIENT_COLS " FROM oauth_clients "
	    "WHERE id = :id::uuid AND tenant_id = :tenant::uuid" },
	[ST_CLIENT_LOCK] = { "client_lock", 0,
	    "SELECT " CLIENT_COLS " FROM oauth_clients "
	    "WHERE id = :id::uuid AND tenant_id = :tenant::uuid FOR UPDATE" },
	[ST_CLIENT_UPDATE] = { "client_update", 0,
	    "UPDATE oauth_clients SET name = :name, redirect_uris = "
	    JSON_ARRAY(redirect_uris) ", grant_types = " JSON_ARRAY(grant_types)
	    ", scopes = " JSON_ARRAY(scopes) ", post_logout_redirect_uris = "
	    JSON_ARRAY(post_logout_redirect_uris)
	    ", is_active = :is_active::boolean, updated_at = now(), "
	    "tokens_valid_after = CASE WHEN is_active AND "
	    "NOT :is_active::boolean THEN " VOID_FROM_NOW " "
	    "ELSE tokens_valid_after END "
	    "WHERE id = :id::uuid AND tenant_id = :tenant::uuid "
	    "RETURNING " CLIENT_COLS },
	[ST_CLIENT_DEACTIVATE] = { "client_deactivate", 0,
	    "UPDATE oauth_clients SET is_active = false, updated_at = now(), "
	    "tokens_valid_after = " VOID_FROM_NOW " "
	    "WHERE id = :id::uuid AND tenant_id = :tenant::uuid "
	    "RETURNING " CLIENT_COLS },
	[ST_CLIENT_SECRET] = { "client_secret", 0,
	    "UPDATE oauth_clients SET secret_hash = :secret_hash, "
	    "updated_at = now() WHERE id = :id::uuid AND "
	    "tenant_id = :tenant::uuid RETURNING " CLIENT_COLS },
	[ST_REVOKE] = { "revoke", 0,
	    "INSERT INTO oauth_revocations (jti, tenant_id, expires_at) "
	    "VALUES (:jti, :tenant::uuid, to_timestamp(:expires_at::bigint)) "
	    "ON CONFLICT (jti) DO NOTHING" },
	[ST_PURGE] = { "purge", 0,
	    "DELETE FROM oauth_revocations WHERE ctid = ANY (ARRAY("
	    "SELECT ctid FROM oauth_revocations "
	    "WHERE tenant_id = :tenant::uuid AND expires_at < now() "
	    "LIMIT 100))" },
	/* Retired keys stay published as long as a token may live. */
	[ST_JWKS] = { "jwks", 0,
	    "SELECT kid, public_pem FROM signing_keys WHERE retired_at IS NULL "
	    "OR retired_at > now() - "
	    "make_interval(secs => :grace_seconds::int) "
	    "ORDER BY created_at DESC" },
	[ST_SCOPES] = { "scopes", 0, "SELECT s FROM xv_client_scopes() s" },
	[ST_SETTINGS] = { "settings", 0,
	    "SELECT settings::text AS settings FROM tenant_settings "
	    "WHERE tenant_id = :tenant::uuid" },
	/*
	 * The code, locked, with its session and user (grants.c).  The
	 * columns of users that oauth.fcgi may read leave out every secret.
	 */
	[ST_CODE_GET] = { "code_get", 0,
	    "SELECT c.client_id, c.session_id, c.redirect_uri, c.scope, c.nonce, "
	    "c.code_challenge, c.used_at IS NOT NULL AS used, c.expires_at > "
	    "now() AS live, s.ended_at IS NULL AS session_live, s.user_id, "
	    "array_to_string(s.amr, ' ') AS amr, extract(epoch FROM "
	    "s.created_at)::bigint AS auth_time, u.email, u.display_name, "
	    "u.status FROM auth_codes c JOIN sessions s ON s.id = c.session_id "
	    "AND s.tenant_id = c.tenant_id JOIN users u ON u.id = s.user_id AND "
	    "u.tenant_id = s.tenant_id WHERE c.code_hash = :code_hash AND "
	    "c.tenant_id = :tenant::uuid FOR UPDATE OF c" },
	[ST_CODE_USE] = { "code_use", 0,
	    "UPDATE auth_codes SET used_at = now() "
	    "WHERE code_hash = :code_hash AND tenant_id = :tenant::uuid" },
	/* Used codes are kept an hour: a reuse within it ends the session. */
	[ST_CODE_PURGE] = { "code_purge", 0,
	    "DELETE FROM auth_codes WHERE ctid = ANY (ARRAY(SELECT ctid FROM "
	    "auth_codes WHERE tenant_id = :tenant::uuid AND "
	    "expires_at < now() - interval '1 hour' LIMIT 100))" },
	[ST_SESSION_END] = { "session_end", 0,
	    "UPDATE sessions SET ended_at = now(), end_reason = :reason "
	    "WHERE id = :session::uuid AND tenant_id = :tenant::uuid "
	    "AND ended_at IS NULL" },
	[ST_SESSION_TOUCH] = { "session_touch", 0,
	    "UPDATE sessions SET last_used_at = now() "
	    "WHERE id = :session::uuid AND tenant_id = :tenant::uuid" },
	[ST_RT_INSERT] = { "rt_insert", 0,
	    "INSERT INTO refresh_tokens (token_hash, tenant_id, session_id, "
	    "client_id, scope, code_hash) VALUES (:token_hash, :tenant::uuid, "
	    ":session::uuid, :client_id, :scope, :code_hash)" },
	/* A refresh token, locked, with its session (idle :idle_minutes?). */
	[ST_RT_GET] = { "rt_get", 0,
	    "SELECT rt.session_id, rt.client_id, rt.scope, rt.code_hash, "
	    "rt.rotated_at IS NOT NULL AS rotated, s.ended_at IS NULL AS live, "
	    "s.last_used_at > now() - "
	    "make_interval(mins => :idle_minutes::int) AS fresh, s.user_id, "
	    "array_to_string(s.amr, ' ') AS amr, "
	    "extract(epoch FROM s.created_at)::bigint AS auth_time, u.email, "
	    "u.display_name, u.status FROM refresh_tokens rt "
	    "JOIN sessions s ON s.id = rt.session_id AND "
	    "s.tenant_id = rt.tenant_id JOIN users u ON "
	    "u.id = s.user_id AND u.tenant_id = s.tenant_id WHERE "
	    "rt.token_hash = :token_hash AND rt.tenant_id = :tenant::uuid "
	    "FOR UPDATE OF rt, s" },
	[ST_RT_ROTATE] = { "rt_rotate", 0,
	    "UPDATE refresh_tokens SET rotated_at = now() "
	    "WHERE token_hash = :token_hash AND tenant_id = :tenant::uuid" },
	[ST_RT_DELETE] = { "rt_delete", 0,
	    "DELETE FROM refresh_tokens WHERE token_hash = :token_hash AND "
	    "tenant_id = :tenant::uuid AND client_id = :client_id" },
	[ST_KEYS_LIST] = { "keys_list", 0,
	    "SELECT kid, alg, xv_ts(created_at), xv_ts(retired_at), "
	    "xv_ts(signs_from), CASE WHEN retired_at <= now() THEN 'retired' "
	    "WHEN signs_from > now() THEN 'next' ELSE 'active' END "
	    "FROM signing_keys ORDER BY created_at DESC" },
};

/* ---- validation of client documents ---- */

static const char *const client_types[] = { "confidential", "public", NULL };
static const char *const grants[] = { "client_credentials",
    "authorization_code", "refresh_token", NULL };

/* RFC 6749 3.3 scope-token: 1*( %x21 / %x23-5B / %x5D-7E ), here <= 64. */
static int
valid_scope_token(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= 64 || s[i] < 0x21 || s[i] > 0x7e || s[i] == '"' ||
		    s[i] == '\\')
			return 0;
	return i > 0;
}

/*
 * A loopback host, an optional numeric port, then nothing, a path or a
 * query: "localhost:80@evil.example" names evil.example, not localhost.
 */
static int
loopback_host(const char *h)
{
	static const char *const hosts[] = { "127.0.0.1", "[::1]", "localhost" };
	const char	*p;
	size_t		 i, n;

	for (i = 0; i < 3; i++) {
		n = strlen(hosts[i]);
		if (strncmp(h, hosts[i], n) != 0)
			continue;
		p = h + n;
		if (*p == ':')
			for (p++; isdigit((unsigned char)*p); p++)
				;
		if (*p == '\0' || *p == '/' || *p == '?')
			return 1;
	}
	return 0;
}

/* Absolute, no fragment, https (or http on a loopback host only). */
static int
valid_redirect_uri(const char *u)
{
	const char	*h;
	size_t		 i;

	if (strlen(u) > 2000 || strchr(u, '#') != NULL)
		return 0;
	for (i = 0; u[i] != '\0'; i++)
		if ((unsigned char)u[i] <= ' ' || u[i] == 0x7f)
			return 0;
	if (strncmp(u, "https://", 8) == 0)
		h = u + 8;
	else if (strncmp(u, "http://", 7) == 0 && loopback_host(u + 7))
		h = u + 7;
	else
		return 0;
	return *h != '\0' && *h != '/' && *h != ':';
}

static const struct xv_field client_fields[] = {
	{ "name", XV_F_STRING, 1, 1, 200, NULL, NULL, NULL },
	{ "client_type", XV_F_STRING, 1, 0, 0, client_types, NULL, NULL },
	{ "redirect_uris", XV_F_STRINGS, 0, 0, 20, NULL, valid_redirect_uri,
	    NULL },
	{ "post_logout_redirect_uris", XV_F_STRINGS, 0, 0, 20, NULL,
	    valid_redirect_uri, NULL },
	{ "grant_types", XV_F_STRINGS, 1, 1, 3, grants, NULL, NULL },
	{ "scopes", XV_F_STRINGS, 0, 0, 50, NULL, valid_scope_token, NULL },
	XV_FIELDS_END
};

static const struct xv_field client_update_fields[] = {
	{ "name", XV_F_STRING, 0, 1, 200, NULL, NULL, NULL },
	{ "client_type", XV_F_STRING, 0, 0, 0, client_types, NULL, NULL },
	{ "redirect_uris", XV_F_STRINGS, 0, 0, 20, NULL, valid_redirect_uri,
	    NULL },
	{ "post_logout_redirect_uris", XV_F_STRINGS, 0, 0, 20, NULL,
	    valid_redirect_uri, NULL },
	{ "grant_types", XV_F_STRINGS, 0, 1, 3, grants, NULL, NULL },
	{ "scopes", XV_F_STRINGS, 0, 0, 50, NULL, valid_scope_token, NULL },
	{ "is_active", XV_F_BOOL, 0, 0, 0, NULL, NULL, NULL },
	XV_FIELDS_END
};

int
has_string(json_t *arr, const char *s)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/* Rules across fields: no repeats, public clients, redirect URIs. */
static enum xv_err
client_rules(struct xv_req *req, json_t *c)
{
	static const char *const arrays[] = { "redirect_uris", "grant_types",
	    "scopes", "post_logout_redirect_uris" };
	json_t		*g = json_object_get(c, "grant_types");
	json_t		*a, *v;
	size_t		 i, j, k;
	const char	*type = json_string_value(json_object_get(c, "client_type"));

	for (k = 0; k < XV_NELEM(arrays); k++) {
		a = json_object_get(c, arrays[k]);
		json_array_foreach(a, i, v)
			for (j = i + 1; j < json_array_size(a); j++)
				if (json_equal(v, json_array_get(a, j)))
					return xv_fail(req, XV_E_VALIDATION,
					    arrays[k], "%s must not repeat a value",
					    arrays[k]);
	}
	if (strcmp(type, "public") == 0 && has_string(g, "client_credentials"))
		return xv_fail(req, XV_E_VALIDATION, "grant_types",
		    "public clients cannot use client_credentials");
	if (has_string(g, "authorization_code") &&
	    json_array_size(json_object_get(c, "redirect_uris")) == 0)
		return xv_fail(req, XV_E_VALIDATION, "redirect_uris",
		    "authorization_code needs at least one redirect URI");
	return XV_OK;
}

/* ---- secrets ---- */

/* A fresh random string of n bytes' entropy, base64url (caller frees). */
static char *
random_token(size_t n)
{
	unsigned char	b[64];
	char		*s;

	if (n > sizeof(b) || xv_random(b, n) != 0)
		return NULL;
	s = xv_b64url_encode(b, n);
	OPENSSL_cleanse(b, sizeof(b));
	return s;
}

/* ---- client representation ---- */

static const struct xv_jcol client_cols[] = {
	{ "id", XV_J_TEXT }, { "client_id", XV_J_TEXT }, { "name", XV_J_TEXT },
	{ "client_type", XV_J_TEXT }, { "redirect_uris", XV_J_JSON },
	{ "post_logout_redirect_uris", XV_J_JSON },
	{ "grant_types", XV_J_JSON }, { "scopes", XV_J_JSON },
	{ "is_active", XV_J_BOOL }, { "created_at", XV_J_TEXT },
	{ "updated_at", XV_J_TEXT }, { NULL, 0 }
};

/*
 * post_logout_redirect_uris shows only when the client has some: the
 * guide's answers, which predate it, keep their fields.
 */
static json_t *
client_json(PGresult *r, int i)
{
	json_t *c = xv_row_json(r, i, client_cols);

	if (json_array_size(json_object_get(c, "post_logout_redirect_uris")) ==
	    0)
		json_object_del(c, "post_logout_redirect_uris");
	return c;
}

/* The JSON array obj[key] as text ("[]" when absent), kept by the request. */
static const char *
array_arg(struct xv_req *req, json_t *obj, const char *key)
{
	json_t *a = json_object_get(obj, key);

	return xv_keep_str(req, a ? json_dumps(a, JSON_COMPACT) : strdup("[]"));
}

/* ---- admin: clients ---- */

static enum xv_err
client_create(struct xv_req *req)
{
	json_t		*body = req->json, *out;
	char		*cid, *secret = NULL, hash[65];
	const char	*type;
	PGresult	*r;
	enum xv_err	 rc;

	if ((rc = client_rules(req, body)) != XV_OK)
		return rc;
	type = json_string_value(json_object_get(body, "client_type"));
	if ((cid = xv_keep_str(req, random_token(18))) == NULL ||
	    (strcmp(type, "confidential") == 0 &&
	    ((secret = xv_keep_secret(req, random_token(32))) == NULL ||
	    xv_client_secret_hash(secret, hash) != 0))) {
		rc = xv_fail(req, XV_E_INTERNAL, NULL, "cannot make credentials");
		goto out;
	}
	r = xv_req_call(req, ST_CLIENT_INSERT, XV_ARGS(
	    { "tenant", req->tenant }, { "client_id", cid },
	    { "name", json_string_value(json_object_get(body, "name")) },
	    { "client_type", type },
	    { "redirect_uris", array_arg(req, body, "redirect_uris") },
	    { "grant_types", array_arg(req, body, "grant_types") },
	    { "scopes", array_arg(req, body, "scopes") },
	    { "post_logout_redirect_uris", array_arg(req, body,
	    "post_logout_redirect_uris") },
	    { "secret_hash", secret ? hash : NULL }), &rc);
	if (r == NULL) {
		rc = xv_fail(req, rc, NULL, "cannot create the client");
		goto out;
	}
	out = xv_keep_json(req, client_json(r, 0));
	if ((rc = xv_audit(req, req->tenant, "oauth_client.created",
	    "oauth_client", xv_val(r, 0, "id"), NULL, out)) != XV_OK)
		goto out;
	if (secret != NULL)
		json_object_set_new(out, "client_secret", json_string(secret));
	rc = xv_resp_json(req, 200, json_incref(out));
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

static enum xv_err
client_list(struct xv_req *req)
{
	return xv_resp_page_call(req, "clients", ST_CLIENT_LIST,
	    ST_CLIENT_COUNT, ST_CLIENT_AFTER, XV_ARGS({ "tenant", req->tenant }),
	    client_json);
}

/*
 * One client of the scoped tenant by the path's {id} (kept by the
 * request); 404 otherwise.
 */
static PGresult *
client_row(struct xv_req *req, int st, enum xv_err *rc)
{
	return xv_row_call(req, st, XV_ARGS({ "id", req->params[0] },
	    { "tenant", req->tenant }), "client", rc);
}

static enum xv_err
client_get(struct xv_req *req)
{
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = client_row(req, ST_CLIENT_GET, &rc)) == NULL)
		return rc;
	return xv_resp_json(req, 200, client_json(r, 0));
}

static enum xv_err
client_update(struct xv_req *req)
{
	json_t		*body = req->json, *cur, *oldv, *newv;
	PGresult	*r, *u;
	const char	*type;
	enum xv_err	 rc;

	if ((r = client_row(req, ST_CLIENT_LOCK, &rc)) == NULL)
		return rc;
	cur = xv_keep_json(req, client_json(r, 0));
	type = json_string_value(json_object_get(body, "client_type"));
	if (type != NULL && strcmp(type, xv_val(r, 0, "client_type")) != 0)
		return xv_fail(req, XV_E_VALIDATION, "client_type",
		    "client_type cannot be changed");
	oldv = xv_keep_json(req, json_deep_copy(cur));
	xv_json_merge(cur, body);
	if ((rc = client_rules(req, cur)) != XV_OK)
		return rc;
	u = xv_req_call(req, ST_CLIENT_UPDATE, XV_ARGS(
	    { "id", req->params[0] }, { "tenant", req->tenant },
	    { "name", json_string_value(json_object_get(cur, "name")) },
	    { "redirect_uris", array_arg(req, cur, "redirect_uris") },
	    { "grant_types", array_arg(req, cur, "grant_types") },
	    { "scopes", array_arg(req, cur, "scopes") },
	    { "post_logout_redirect_uris", array_arg(req, cur,
	    "post_logout_redirect_uris") },
	    { "is_active", json_is_true(json_object_get(cur, "is_active")) ?
	    "true" : "false" }), &rc);
	if (u == NULL)
		return xv_fail(req, rc, NULL, "cannot update the client");
	newv = xv_keep_json(req, client_json(u, 0));
	if ((rc = xv_audit(req, req->tenant, "oauth_client.updated",
	    "oauth_client", req->params[0], oldv, newv)) != XV_OK)
		return rc;
	return xv_resp_json(req, 200, json_incref(newv));
}

static enum xv_err
client_delete(struct xv_req *req)
{
	PGresult	*r, *u;
	enum xv_err	 rc;

	if ((r = client_row(req, ST_CLIENT_LOCK, &rc)) == NULL)
		return rc;
	if (xv_val(r, 0, "is_active")[0] == 't') {
		if ((u = client_row(req, ST_CLIENT_DEACTIVATE, &rc)) == NULL)
			return rc;
		if ((rc = xv_audit(req, req->tenant, "oauth_client.deactivated",
		    "oauth_client", req->params[0],
		    xv_keep_json(req, client_json(r, 0)),
		    xv_keep_json(req, client_json(u, 0)))) != XV_OK)
			return rc;
	}
	return xv_resp_empty(req, 204);
}

static enum xv_err
client_regenerate_secret(struct xv_req *req)
{
	PGresult	*r, *u;
	char		*secret, hash[65] = "";
	json_t		*out;
	enum xv_err	 rc;

	if ((r = client_row(req, ST_CLIENT_LOCK, &rc)) == NULL)
		return rc;
	if (strcmp(xv_val(r, 0, "client_type"), "confidential") != 0)
		return xv_fail_code(req, XV_E_CONFLICT, "public_client", NULL,
		    "public clients have no secret");
	if ((secret = xv_keep_secret(req, random_token(32))) == NULL ||
	    xv_client_secret_hash(secret, hash) != 0) {
		rc = xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a secret");
		goto out;
	}
	if ((u = xv_req_call(req, ST_CLIENT_SECRET, XV_ARGS(
	    { "id", req->params[0] }, { "tenant", req->tenant },
	    { "secret_hash", hash }), &rc)) == NULL) {
		rc = xv_fail(req, rc, NULL, "cannot store the secret");
		goto out;
	}
	if ((rc = xv_audit(req, req->tenant, "oauth_client.secret_regenerated",
	    "oauth_client", req->params[0], NULL, NULL)) != XV_OK)
		goto out;
	out = client_json(u, 0);
	json_object_set_new(out, "client_secret", json_string(secret));
	rc = xv_resp_json(req, 200, out);
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

/* ---- the OAuth endpoints (the client resolved by the pipeline) ---- */

enum xv_err
oauth_err(struct xv_req *req, enum xv_err e, const char *code,
    const char *detail)
{
	return xv_fail_code(req, e, code, NULL, detail);
}

/* ---- POST /oauth/token ---- */

/* The granted scope: requested ones (all checked), or all the client's. */
static enum xv_err
grant_scope(struct xv_req *req, const char *form, struct xv_client *c,
    struct xv_buf *out)
{
	char	*want = NULL, *s, *tok;
	size_t	 i;
	json_t	*v, *seen;
	enum xv_err rc = XV_OK;

	if (xv_form_get(form, "scope", &want) == 0) {
		json_array_foreach(c->scopes, i, v)
			xv_buf_addf(out, "%s%s", i ? " " : "",
			    json_string_value(v));
		return XV_OK;
	}
	seen = json_array();
	for (s = want; s != NULL && (tok = strsep(&s, " ")) != NULL; ) {
		if (*tok == '\0')
			continue;
		if (!has_string(c->scopes, tok)) {
			rc = oauth_err(req, XV_E_BAD_REQUEST, "invalid_scope",
			    "a requested scope is not granted to this client");
			break;
		}
		if (has_string(seen, tok))
			continue;
		json_array_append_new(seen, json_string(tok));
		xv_buf_addf(out, "%s%s", out->len ? " " : "", tok);
	}
	if (rc == XV_OK && json_array_size(seen) == 0)
		rc = oauth_err(req, XV_E_BAD_REQUEST, "invalid_scope",
		    "scope is empty");
	json_decref(seen);
	free(want);
	return rc;
}

static char *
mint_access_token(struct xv_client *c, const char *scope, long ttl)
{
	json_t	*x = json_pack("{s:s}", "scope", scope);
	char	*tok = x ? xv_access_token(c->id, c->client_id, c->tenant, ttl,
		    x) : NULL;

	json_decref(x);
	return tok;
}

static enum xv_err
oauth_token(struct xv_req *req)
{
	const char	*form = req->body ? req->body : "";
	struct xv_client *c = &req->client;
	char		*grant = NULL, *tok = NULL;
	struct xv_buf	 scope = { 0 };
	long		 ttl = xv_conf_int("access_token_ttl", 900);
	enum xv_err	 rc;

	if (xv_form_get(form, "grant_type", &grant) == 0 || grant == NULL ||
	    *grant == '\0') {
		rc = oauth_err(req, XV_E_BAD_REQUEST, "invalid_request",
		    "grant_type is required");
		goto out;
	}
	/* The resolver's lookup read the tenant's state: no second trip. */
	if (c->suspended) {
		rc = oauth_err(req, XV_E_UNAUTHORIZED, "invalid_client",
		    "client authentication failed");
		goto out;
	}
	if (strcmp(grant, "authorization_code") == 0 ||
	    strcmp(grant, "refresh_token") == 0) {
		if (!has_string(c->grants, grant))
			rc = oauth_err(req, XV_E_BAD_REQUEST,
			    "unauthorized_client",
			    "this client may not use this grant");
		else
			rc = grant[0] == 'a' ? grant_code(req) :
			    grant_refresh(req);
		goto out;
	}
	if (strcmp(grant, "client_credentials") != 0) {
		rc = oauth_err(req, XV_E_BAD_REQUEST, "unsupported_grant_type",
		    "the grants are client_credentials, authorization_code "
		    "and refresh_token");
		goto out;
	}
	if (!has_string(c->grants, "client_credentials")) {
		rc = oauth_err(req, XV_E_BAD_REQUEST, "unauthorized_client",
		    "this client may not use client_credentials");
		goto out;
	}
	if ((rc = grant_scope(req, form, c, &scope)) != XV_OK)
		goto out;
	if ((tok = mint_access_token(c, scope.p ? scope.p : "", ttl)) == NULL) {
		rc = oauth_err(req, XV_E_INTERNAL, "server_error",
		    "cannot sign the token");
		goto out;
	}
	rc = xv_resp_json(req, 200, json_pack("{s:s, s:s, s:I, s:s}",
	    "access_token", tok, "token_type", "Bearer",
	    "expires_in", (json_int_t)ttl, "scope", scope.p ? scope.p : ""));
	/* Errors get theirs from xv_resp_oauth_error. */
	xv_resp_header(req, "Pragma", "no-cache");
out:
	free(grant);
	free(tok);
	xv_buf_free(&scope);
	return rc;
}

/* ---- introspection and revocation ---- */

/*
 * Whether session sid of tenant tid holds (not ended, not idle past the
 * tenant's session_timeout_minutes): the question every program asks of
 * a login token (xv_session_alive, 0005 and 0008).  1, 0, or -1 when
 * the database cannot say.
 */
static int
session_holds(const char *sid, const char *tid)
{
	char		 canon[XV_UUID_LEN + 1];
	const char	*p[2] = { canon, tid };
	PGresult	*r;
	enum xv_err	 rc;
	int		 alive;

	if (xv_uuid_canon(sid, canon) != 0)
		return 0;
	if ((r = xv_db_lib(XV_ST_SESSION_ALIVE, 2, p, &rc)) == NULL)
		return -1;
	alive = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return alive;
}

/*
 * Whether verified claims cl are those of an active token of the
 * caller's tenant: that tenant, not issued before a suspension or its
 * client's deactivation, not revoked, its client still active, and if
 * it names a session (sid), that session alive.  A login token's client
 * (xavyo-login) is no registered client: its session alone says.  The
 * state comes from the resolver's own lookup, the session's from
 * xv_session_alive.  1, 0, or -1 when the database cannot say.
 */
static int
token_active(struct xv_req *req, json_t *cl)
{
	struct xv_client *c = &req->client;
	const char	*tid, *jti, *cid, *sid;
	char		 canon[XV_UUID_LEN + 1];
	json_int_t	 iat;
	int		 login;

	if (cl == NULL || !c->tok_state ||
	    json_unpack(cl, "{s:s, s:s, s:s, s:I}", "tid", &tid, "jti", &jti,
	    "client_id", &cid, "iat", &iat) != 0 ||
	    xv_uuid_canon(tid, canon) != 0 || strcmp(canon, req->tenant) != 0)
		return 0;
	if (!c->tok_tenant_active || iat < c->tok_after || c->tok_revoked)
		return 0;
	sid = json_string_value(json_object_get(cl, "sid"));
	login = strcmp(cid, XV_CLIENT_LOGIN) == 0;
	/* Issued to a client of this tenant that is still active. */
	if (!login && !c->tok_client_active)
		return 0;
	if (sid == NULL)
		return !login;
	return session_holds(sid, canon);
}

/*
 * The token parameter, required, verified as an access token now that
 * the caller has authenticated (the pipeline did that first, so nobody
 * else can make the server look keys up).  *cl gets its claims if its
 * signature and times hold (pool-owned); *raw, if asked, the token as
 * sent (kept by the request).
 */
static enum xv_err
presented_token(struct xv_req *req, json_t **cl, const char **raw)
{
	const char	*form = req->body ? req->body : "";
	char		*token = NULL;

	*cl = NULL;
	if (xv_form_get(form, "token", &token) == 0 || token == NULL ||
	    *token == '\0') {
		xv_free_secret(token);
		return oauth_err(req, XV_E_BAD_REQUEST, "invalid_request",
		    "token is required");
	}
	*cl = xv_keep_json(req, xv_jwt_verify(token, XV_USE_ACCESS));
	if (raw != NULL)
		*raw = xv_keep_secret(req, token);
	else
		xv_free_secret(token);
	/* A key that could not be read: not an inactive token, a 503. */
	if (*cl == NULL && xv_keys_unavailable())
		return oauth_err(req, XV_E_UNAVAILABLE, "temporarily_unavailable",
		    "cannot check the token now");
	return XV_OK;
}

static enum xv_err
oauth_introspect(struct xv_req *req)
{
	static const char *const copy[] = { "sub", "client_id", "scope", "iss",
	    "tid", "exp", "iat", "jti", "aud", NULL };
	const char *const *k;
	const char	*raw = NULL;
	json_t		*cl, *out, *v;
	enum xv_err	 rc;
	int		 active;

	/* Introspection is for resource servers: confidential clients. */
	if (req->client.is_public)
		return oauth_err(req, XV_E_UNAUTHORIZED, "invalid_client",
		    "client authentication failed");
	if ((rc = presented_token(req, &cl, &raw)) != XV_OK)
		return rc;
	if (cl == NULL && is_refresh_token(raw))
		return refresh_introspect(req, raw);
	/* A suspended tenant's clients learn only that nothing is active. */
	if ((active = req->client.suspended ? 0 : token_active(req, cl)) < 0)
		return oauth_err(req, XV_E_UNAVAILABLE, "temporarily_unavailable",
		    "cannot check the token now");
	out = json_pack("{s:b}", "active", active);
	for (k = copy; active && *k != NULL; k++)
		if ((v = json_object_get(cl, *k)) != NULL)
			json_object_set(out, *k, v);
	if (active)
		json_object_set_new(out, "token_type", json_string("Bearer"));
	rc = xv_resp_json(req, 200, out);
	xv_resp_header(req, "Pragma", "no-cache");
	return rc;
}

/* Runs in the pipeline's transaction, entered in the client's tenant. */
static enum xv_err
oauth_revoke(struct xv_req *req)
{
	const char	*cid, *jti, *raw = NULL;
	char		 exp[24];
	json_t		*cl;
	json_int_t	 e;
	enum xv_err	 rc;

	if ((rc = presented_token(req, &cl, &raw)) != XV_OK)
		return rc;
	if (cl == NULL && is_refresh_token(raw))
		return refresh_revoke(req, raw);
	/* Unknown, malformed, expired, foreign or revoked: nothing to do. */
	if (token_active(req, cl) <= 0 ||
	    json_unpack(cl, "{s:s, s:I}", "jti", &jti, "exp", &e) != 0)
		return xv_resp_empty(req, 200);
	cid = json_string_value(json_object_get(cl, "client_id"));
	if (cid == NULL || strcmp(cid, req->client.client_id) != 0)
		return oauth_err(req, XV_E_BAD_REQUEST, "unauthorized_client",
		    "the token was not issued to this client");
	snprintf(exp, sizeof(exp), "%lld", (long long)e);
	if (xv_req_call(req, ST_REVOKE, XV_ARGS({ "jti", jti },
	    { "tenant", req->tenant }, { "expires_at", exp }), &rc) == NULL ||
	    xv_req_call(req, ST_PURGE, XV_ARGS({ "tenant", req->tenant }),
	    &rc) == NULL)
		return oauth_err(req, rc, NULL, "cannot revoke");
	return xv_resp_empty(req, 200);
}

/* ---- published documents and keys ---- */

static enum xv_err
jwks(struct xv_req *req)
{
	char		 grace[24];
	PGresult	*r;
	json_t		*keys, *k;
	enum xv_err	 rc;
	int		 i;

	snprintf(grace, sizeof(grace), "%ld", xv_token_max_ttl());
	if ((r = xv_req_call(req, ST_JWKS, XV_ARGS({ "grace_seconds", grace }),
	    &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot read keys");
	keys = json_array();
	for (i = 0; i < PQntuples(r); i++)
		if ((k = xv_eckey_jwk(PQgetvalue(r, i, 1), PQgetvalue(r, i, 0))))
			json_array_append_new(keys, k);
	return xv_resp_json(req, 200, json_pack("{s:o}", "keys", keys));
}

/* An endpoint's URL under the issuer (kept by the request). */
static const char *
url(struct xv_req *req, const char *path)
{
	char *u = NULL;

	if (asprintf(&u, "%s%s", xv_issuer(), path) < 0)
		return NULL;
	return xv_keep_str(req, u);
}

/*
 * OpenID Connect Discovery 1.0 and RFC 8414: what off-the-shelf
 * clients need to work from this document alone.
 */
static enum xv_err
discovery(struct xv_req *req)
{
	static const char *const oidc_scopes[] = { "openid", "profile",
	    "email", "offline_access", NULL };
	const char *const *o;
	json_t		*scopes = json_array(), *d;
	PGresult	*r;
	enum xv_err	 rc;
	int		 i;

	for (o = oidc_scopes; *o != NULL; o++)
		json_array_append_new(scopes, json_string(*o));
	if ((r = xv_req_call(req, ST_SCOPES, NULL, 0, &rc)) == NULL) {
		json_decref(scopes);
		return xv_fail(req, rc, NULL, "cannot read scopes");
	}
	for (i = 0; i < PQntuples(r); i++)
		if (!has_string(scopes, PQgetvalue(r, i, 0)))
			json_array_append_new(scopes,
			    json_string(PQgetvalue(r, i, 0)));
	d = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, "
	    "s:[s,s,s], s:[s], s:[s], s:[s], s:[s,s,s], s:[s,s], s:[s,s,s], "
	    "s:[s], s:[s], s:[s], s:b, s:o, s:[s,s,s,s,s,s,s,s,s,s,s,s,s], "
	    "s:[s,s]}",
	    "issuer", xv_issuer(),
	    "authorization_endpoint", url(req, "/oauth/authorize"),
	    "token_endpoint", url(req, "/oauth/token"),
	    "userinfo_endpoint", url(req, "/oauth/userinfo"),
	    "end_session_endpoint", url(req, "/oauth/logout"),
	    "introspection_endpoint", url(req, "/oauth/introspect"),
	    "revocation_endpoint", url(req, "/oauth/revoke"),
	    "jwks_uri", url(req, "/.well-known/jwks.json"),
	    "grant_types_supported", "authorization_code", "refresh_token",
	    "client_credentials",
	    "response_types_supported", "code",
	    "response_modes_supported", "query",
	    "code_challenge_methods_supported", "S256",
	    "token_endpoint_auth_methods_supported", "client_secret_basic",
	    "client_secret_post", "none",
	    "introspection_endpoint_auth_methods_supported",
	    "client_secret_basic", "client_secret_post",
	    "revocation_endpoint_auth_methods_supported",
	    "client_secret_basic", "client_secret_post", "none",
	    "subject_types_supported", "public",
	    "id_token_signing_alg_values_supported", "ES256",
	    "token_endpoint_auth_signing_alg_values_supported", "ES256",
	    "authorization_response_iss_parameter_supported", 1,
	    "scopes_supported", scopes,
	    "claims_supported", "iss", "sub", "aud", "exp", "iat",
	    "auth_time", "nonce", "amr", "sid", "azp", "email",
	    "email_verified", "name",
	    "prompt_values_supported", "none", "login");
	return xv_resp_json(req, 200, d);
}

/* The signing keys, newest first; *active gets the signing one's kid. */
static json_t *
keys_json(char **active)
{
	PGresult	*r;
	enum xv_err	 e;
	json_t		*arr = json_array();
	int		 i;

	if ((r = xv_db_call(ST_KEYS_LIST, NULL, 0, &e)) == NULL) {
		json_decref(arr);
		return NULL;
	}
	for (i = 0; i < PQntuples(r); i++) {
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o, "
		    "s:s, s:s}", "kid", PQgetvalue(r, i, 0),
		    "alg", PQgetvalue(r, i, 1),
		    "created_at", PQgetvalue(r, i, 2), "retired_at",
		    PQgetisnull(r, i, 3) ? json_null() :
		    json_string(PQgetvalue(r, i, 3)),
		    "signs_from", PQgetvalue(r, i, 4),
		    "status", PQgetvalue(r, i, 5)));
		if (active != NULL && *active == NULL &&
		    strcmp(PQgetvalue(r, i, 5), "active") == 0)
			*active = strdup(PQgetvalue(r, i, 0));
	}
	PQclear(r);
	return arr;
}

static enum xv_err
keys_list(struct xv_req *req)
{
	json_t *k = keys_json(NULL);

	if (k == NULL)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot list keys");
	return xv_resp_json(req, 200, json_pack("{s:o}", "keys", k));
}

/*
 * A new key, published now and signing key_publish_delay seconds later
 * (when relying parties' cached JWKS have it); until then the current
 * key goes on signing.  An emergency rotation is xavyoctl's (-i).
 */
static enum xv_err
keys_rotate(struct xv_req *req)
{
	char		*kid, *active = NULL;
	json_t		*n, *k;
	enum xv_err	 rc;

	if ((kid = xv_keys_rotate(xv_key_publish_delay(), &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot create a key");
	n = json_pack("{s:s}", "kid", kid);
	rc = xv_audit(req, XV_SYSTEM_TENANT, "signing_key.rotated",
	    "signing_key", kid, NULL, n);
	json_decref(n);
	if (rc == XV_OK && (k = keys_json(&active)) == NULL)
		rc = xv_fail(req, XV_E_INTERNAL, NULL, "cannot list keys");
	if (rc == XV_OK)
		rc = xv_resp_json(req, 200, json_pack("{s:s?, s:s, s:o}",
		    "active_kid", active, "next_kid", kid, "keys", k));
	free(active);
	free(kid);
	return rc;
}

/*
 * Who calls: a tenant's admin; an OAuth client, on the form-encoded
 * endpoints of RFC 6749, 7662 and 7009, whose errors are theirs; a
 * super admin for the signing keys.  Token and introspection are
 * read-only: the resolver's one lookup is all they need of the database.
 */
#define ADM	.cred = XV_CRED_BEARER, .need = XV_NEED_ADMIN, \
		.tenancy = XV_TENANT_REQ
#define CLIENT	.cred = XV_CRED_CLIENT, .tenancy = XV_TENANT_CRED, \
		.body = XV_BODY_FORM, .style = XV_STYLE_OAUTH
#define SYS	.cred = XV_CRED_BEARER, .need = XV_NEED_SUPER, \
		.tenancy = XV_TENANT_SYS

static const char *const token_params[] = { "grant_type", "scope",
    "client_id", "client_secret", "code", "redirect_uri", "code_verifier",
    "refresh_token", NULL };
static const char *const token_use_params[] = { "token", "token_type_hint",
    "client_id", "client_secret", NULL };

static const struct xv_route routes[] = {
	{ XV_POST, "/admin/oauth/clients", ADM, .scopes = XV_SCOPE_ADMIN,
	    .body = XV_BODY_JSON, .fields = client_fields,
	    .handler = client_create },
	{ XV_GET, "/admin/oauth/clients", ADM, .scopes = XV_SCOPE_READ,
	    .handler = client_list },
	{ XV_GET, "/admin/oauth/clients/{id}", ADM, .scopes = XV_SCOPE_READ,
	    .handler = client_get },
	{ XV_PUT, "/admin/oauth/clients/{id}", ADM, .scopes = XV_SCOPE_WRITE,
	    .body = XV_BODY_JSON, .fields = client_update_fields,
	    .handler = client_update },
	{ XV_DELETE, "/admin/oauth/clients/{id}", ADM,
	    .scopes = XV_SCOPE_WRITE, .handler = client_delete },
	{ XV_POST, "/admin/oauth/clients/{id}/regenerate-secret", ADM,
	    .scopes = XV_SCOPE_ADMIN, .handler = client_regenerate_secret },
	/*
	 * client_credentials needs no transaction; the grants of the
	 * browser flow open one (xv_req_begin) and keep what an error
	 * must leave behind: a used code, a session ended by a reuse.
	 */
	{ XV_POST, "/oauth/token", CLIENT, .params = token_params,
	    .no_txn = 1, .keep_on_error = 1, .handler = oauth_token },
	{ XV_POST, "/oauth/introspect", CLIENT, .params = token_use_params,
	    .no_txn = 1, .handler = oauth_introspect },
	{ XV_POST, "/oauth/revoke", CLIENT, .params = token_use_params,
	    .handler = oauth_revoke },
	{ XV_GET, "/.well-known/jwks.json", .no_txn = 1, .handler = jwks },
	{ XV_GET, "/.well-known/openid-configuration", .no_txn = 1,
	    .handler = discovery },
	{ XV_GET, "/admin/keys", SYS, .handler = keys_list },
	{ XV_POST, "/admin/keys/rotate", SYS, .handler = keys_rotate },
};

int
main(int argc, char *argv[])
{
	static const struct xv_program prog = {
		"oauth", routes, sizeof(routes) / sizeof(routes[0]),
		stmts, ST__MAX
	};

	return xv_main(&prog, argc, argv);
}

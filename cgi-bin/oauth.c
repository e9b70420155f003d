/*
 * oauth.fcgi: OAuth 2.0 for xavyo-idp.  Client administration for tenant
 * admins; the token endpoint (client_credentials, RFC 6749), token
 * introspection (RFC 7662) and revocation (RFC 7009) for clients; the
 * JWKS and discovery documents; signing-key rotation for super admins.
 * Access tokens are RFC 9068 JWTs signed ES256 with keys kept in
 * PostgreSQL.  See oauth.fcgi(8).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "xv.h"

enum stmt {
	ST_CLIENT_LOOKUP,
	ST_CLIENT_INSERT,
	ST_CLIENT_LIST,
	ST_CLIENT_COUNT,
	ST_CLIENT_GET,
	ST_CLIENT_LOCK,
	ST_CLIENT_UPDATE,
	ST_CLIENT_DEACTIVATE,
	ST_CLIENT_SECRET,
	ST_CLIENT_TOKEN,
	ST_REVOKE,
	ST_PURGE,
	ST_JWKS,
	ST_KEYS_LIST,
	ST__MAX
};

#define CLIENT_COLS \
	"id, client_id, name, client_type, array_to_json(redirect_uris), " \
	"array_to_json(grant_types), array_to_json(scopes), is_active, " \
	"xv_ts(created_at), xv_ts(updated_at)"
/* Deactivation voids every token issued up to the end of this second. */
#define VOID_FROM_NOW	"date_trunc('second', now()) + interval '1 second'"
#define JSON_ARRAY(n)	"ARRAY(SELECT json_array_elements_text($" #n "::json))"

static const struct xv_stmt stmts[ST__MAX] = {
	[ST_CLIENT_LOOKUP] = { "client_lookup", 1,
	    "SELECT id, tenant_id, client_type, grant_types, scopes, secret_hash, "
	    "is_active, tenant_status, tokens_valid_after "
	    "FROM xv_client_lookup($1)" },
	[ST_CLIENT_INSERT] = { "client_insert", 8,
	    "INSERT INTO oauth_clients (tenant_id, client_id, name, client_type, "
	    "redirect_uris, grant_types, scopes, secret_hash) VALUES "
	    "($1::uuid, $2, $3, $4, " JSON_ARRAY(5) ", " JSON_ARRAY(6) ", "
	    JSON_ARRAY(7) ", $8) RETURNING " CLIENT_COLS },
	[ST_CLIENT_LIST] = { "client_list", 3,
	    "SELECT " CLIENT_COLS " FROM oauth_clients WHERE tenant_id = $1::uuid "
	    "ORDER BY created_at, id LIMIT $2::int OFFSET $3::bigint" },
	[ST_CLIENT_COUNT] = { "client_count", 1,
	    "SELECT count(*) FROM oauth_clients WHERE tenant_id = $1::uuid" },
	[ST_CLIENT_GET] = { "client_get", 2,
	    "SELECT " CLIENT_COLS " FROM oauth_clients "
	    "WHERE id = $1::uuid AND tenant_id = $2::uuid" },
	[ST_CLIENT_LOCK] = { "client_lock", 2,
	    "SELECT " CLIENT_COLS " FROM oauth_clients "
	    "WHERE id = $1::uuid AND tenant_id = $2::uuid FOR UPDATE" },
	[ST_CLIENT_UPDATE] = { "client_update", 7,
	    "UPDATE oauth_clients SET name = $3, redirect_uris = " JSON_ARRAY(4)
	    ", grant_types = " JSON_ARRAY(5) ", scopes = " JSON_ARRAY(6)
	    ", is_active = $7::boolean, updated_at = now(), "
	    "tokens_valid_after = CASE WHEN is_active AND NOT $7::boolean "
	    "THEN " VOID_FROM_NOW " ELSE tokens_valid_after END "
	    "WHERE id = $1::uuid AND tenant_id = $2::uuid RETURNING " CLIENT_COLS },
	[ST_CLIENT_DEACTIVATE] = { "client_deactivate", 2,
	    "UPDATE oauth_clients SET is_active = false, updated_at = now(), "
	    "tokens_valid_after = " VOID_FROM_NOW " "
	    "WHERE id = $1::uuid AND tenant_id = $2::uuid RETURNING " CLIENT_COLS },
	[ST_CLIENT_SECRET] = { "client_secret", 3,
	    "UPDATE oauth_clients SET secret_hash = $3, updated_at = now() "
	    "WHERE id = $1::uuid AND tenant_id = $2::uuid RETURNING " CLIENT_COLS },
	/* The caller and the token's state in one round trip. */
	[ST_CLIENT_TOKEN] = { "client_token", 4,
	    "SELECT id, tenant_id, client_type, grant_types, scopes, "
	    "secret_hash, is_active, tenant_status, tokens_valid_after, "
	    "token_tenant_status, token_valid_after, token_client_active, "
	    "revoked FROM xv_client_token($1, $2::uuid, $3, $4)" },
	[ST_REVOKE] = { "revoke", 3,
	    "INSERT INTO oauth_revocations (jti, tenant_id, expires_at) "
	    "VALUES ($1, $2::uuid, to_timestamp($3::bigint)) "
	    "ON CONFLICT (jti) DO NOTHING" },
	[ST_PURGE] = { "purge", 1,
	    "DELETE FROM oauth_revocations WHERE ctid = ANY (ARRAY("
	    "SELECT ctid FROM oauth_revocations WHERE tenant_id = $1::uuid "
	    "AND expires_at < now() LIMIT 100))" },
	[ST_JWKS] = { "jwks", 1,
	    "SELECT kid, public_pem FROM signing_keys WHERE retired_at IS NULL "
	    "OR retired_at > now() - make_interval(secs => $1::int) "
	    "ORDER BY created_at DESC" },
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
	{ "grant_types", XV_F_STRINGS, 1, 1, 3, grants, NULL, NULL },
	{ "scopes", XV_F_STRINGS, 0, 0, 50, NULL, valid_scope_token, NULL },
	XV_FIELDS_END
};

static const struct xv_field client_update_fields[] = {
	{ "name", XV_F_STRING, 0, 1, 200, NULL, NULL, NULL },
	{ "client_type", XV_F_STRING, 0, 0, 0, client_types, NULL, NULL },
	{ "redirect_uris", XV_F_STRINGS, 0, 0, 20, NULL, valid_redirect_uri,
	    NULL },
	{ "grant_types", XV_F_STRINGS, 0, 1, 3, grants, NULL, NULL },
	{ "scopes", XV_F_STRINGS, 0, 0, 50, NULL, valid_scope_token, NULL },
	{ "is_active", XV_F_BOOL, 0, 0, 0, NULL, NULL, NULL },
	XV_FIELDS_END
};

static int
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
	    "scopes" };
	json_t		*g = json_object_get(c, "grant_types");
	json_t		*a, *v;
	size_t		 i, j, k;
	const char	*type = json_string_value(json_object_get(c, "client_type"));

	for (k = 0; k < 3; k++) {
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

/* HMAC-SHA-256 of a client secret, keyed by a key derived from master_key. */
static int
secret_hash(const char *secret, char out[65])
{
	char key[128];
	int  rc;

	snprintf(key, sizeof(key), "%s:oauth-client-secret",
	    xv_conf_get("master_key", ""));
	rc = xv_hmac_sha256_hex(key, secret, out);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

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

static json_t *
json_col(PGresult *r, int row, int col)
{
	json_t *j = json_loads(PQgetvalue(r, row, col), JSON_DECODE_ANY, NULL);

	return j ? j : json_array();
}

static json_t *
client_json(PGresult *r, int i)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:s, s:s}",
	    "id", PQgetvalue(r, i, 0), "client_id", PQgetvalue(r, i, 1),
	    "name", PQgetvalue(r, i, 2), "client_type", PQgetvalue(r, i, 3),
	    "redirect_uris", json_col(r, i, 4), "grant_types", json_col(r, i, 5),
	    "scopes", json_col(r, i, 6), "is_active", PQgetvalue(r, i, 7)[0] == 't',
	    "created_at", PQgetvalue(r, i, 8), "updated_at", PQgetvalue(r, i, 9));
}

static char *
dump(json_t *j)
{
	return j ? json_dumps(j, JSON_COMPACT) : strdup("[]");
}

/* ---- admin: clients ---- */

static enum xv_err
client_create(struct xv_req *req)
{
	json_t		*body = NULL, *out = NULL;
	char		*cid = NULL, *secret = NULL, hash[65];
	char		*ru = NULL, *gt = NULL, *sc = NULL;
	const char	*p[8], *type;
	PGresult	*r = NULL;
	enum xv_err	 rc;

	if ((rc = xv_req_json(req, &body)) != XV_OK ||
	    (rc = xv_json_check(req, body, client_fields, "")) != XV_OK ||
	    (rc = client_rules(req, body)) != XV_OK)
		goto out;
	type = json_string_value(json_object_get(body, "client_type"));
	if ((cid = random_token(18)) == NULL ||
	    (strcmp(type, "confidential") == 0 &&
	    ((secret = random_token(32)) == NULL || secret_hash(secret, hash) != 0))) {
		rc = xv_fail(req, XV_E_INTERNAL, NULL, "cannot make credentials");
		goto out;
	}
	ru = dump(json_object_get(body, "redirect_uris"));
	gt = dump(json_object_get(body, "grant_types"));
	sc = dump(json_object_get(body, "scopes"));
	p[0] = req->tenant;
	p[1] = cid;
	p[2] = json_string_value(json_object_get(body, "name"));
	p[3] = type;
	p[4] = ru;
	p[5] = gt;
	p[6] = sc;
	p[7] = secret ? hash : NULL;
	if ((r = xv_db_run(ST_CLIENT_INSERT, 8, p, &rc)) == NULL) {
		rc = xv_fail(req, rc, NULL, "cannot create the client");
		goto out;
	}
	out = client_json(r, 0);
	if ((rc = xv_audit(req, req->tenant, "oauth_client.created",
	    "oauth_client", PQgetvalue(r, 0, 0), NULL, out)) != XV_OK)
		goto out;
	if (secret != NULL)
		json_object_set_new(out, "client_secret", json_string(secret));
	rc = xv_resp_json(req, 200, out);
	out = NULL;
out:
	xv_free_secret(secret);
	OPENSSL_cleanse(hash, sizeof(hash));
	free(cid);
	free(ru);
	free(gt);
	free(sc);
	PQclear(r);
	json_decref(body);
	json_decref(out);
	return rc;
}

static enum xv_err
client_list(struct xv_req *req)
{
	const char *p[1] = { req->tenant };

	return xv_resp_page(req, "clients", ST_CLIENT_LIST, ST_CLIENT_COUNT,
	    p, 1, client_json);
}

/* One client of the scoped tenant by the path's {id}; 404 otherwise. */
/* One client of the scoped tenant by the path's {id}; 404 otherwise. */
static PGresult *
client_row(struct xv_req *req, int st, enum xv_err *rc)
{
	const char *p[2] = { req->params[0], req->tenant };

	return xv_row(req, st, 2, p, "client", rc);
}

static enum xv_err
client_get(struct xv_req *req)
{
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = client_row(req, ST_CLIENT_GET, &rc)) == NULL)
		return rc;
	rc = xv_resp_json(req, 200, client_json(r, 0));
	PQclear(r);
	return rc;
}

static enum xv_err
client_update(struct xv_req *req)
{
	json_t		*body = NULL, *cur = NULL, *oldv = NULL, *newv = NULL;
	PGresult	*r = NULL, *u = NULL;
	char		*ru = NULL, *gt = NULL, *sc = NULL;
	const char	*p[7], *type;
	enum xv_err	 rc;

	if ((rc = xv_req_json(req, &body)) != XV_OK ||
	    (rc = xv_json_check(req, body, client_update_fields, "")) != XV_OK)
		goto out;
	if ((r = client_row(req, ST_CLIENT_LOCK, &rc)) == NULL)
		goto out;
	cur = client_json(r, 0);
	type = json_string_value(json_object_get(body, "client_type"));
	if (type != NULL && strcmp(type, PQgetvalue(r, 0, 3)) != 0) {
		rc = xv_fail(req, XV_E_VALIDATION, "client_type",
		    "client_type cannot be changed");
		goto out;
	}
	oldv = json_deep_copy(cur);
	xv_json_merge(cur, body);
	if ((rc = client_rules(req, cur)) != XV_OK)
		goto out;
	ru = dump(json_object_get(cur, "redirect_uris"));
	gt = dump(json_object_get(cur, "grant_types"));
	sc = dump(json_object_get(cur, "scopes"));
	p[0] = req->params[0];
	p[1] = req->tenant;
	p[2] = json_string_value(json_object_get(cur, "name"));
	p[3] = ru;
	p[4] = gt;
	p[5] = sc;
	p[6] = json_is_true(json_object_get(cur, "is_active")) ? "true" : "false";
	if ((u = xv_db_run(ST_CLIENT_UPDATE, 7, p, &rc)) == NULL) {
		rc = xv_fail(req, rc, NULL, "cannot update the client");
		goto out;
	}
	newv = client_json(u, 0);
	if ((rc = xv_audit(req, req->tenant, "oauth_client.updated",
	    "oauth_client", req->params[0], oldv, newv)) != XV_OK)
		goto out;
	rc = xv_resp_json(req, 200, newv);
	newv = NULL;
out:
	free(ru);
	free(gt);
	free(sc);
	PQclear(r);
	PQclear(u);
	json_decref(body);
	json_decref(cur);
	json_decref(oldv);
	json_decref(newv);
	return rc;
}

static enum xv_err
client_delete(struct xv_req *req)
{
	PGresult	*r = NULL, *u = NULL;
	json_t		*oldv = NULL, *newv = NULL;
	enum xv_err	 rc;

	if ((r = client_row(req, ST_CLIENT_LOCK, &rc)) == NULL)
		return rc;
	if (PQgetvalue(r, 0, 7)[0] == 't') {
		if ((u = client_row(req, ST_CLIENT_DEACTIVATE, &rc)) == NULL)
			goto out;
		oldv = client_json(r, 0);
		newv = client_json(u, 0);
		if ((rc = xv_audit(req, req->tenant, "oauth_client.deactivated",
		    "oauth_client", req->params[0], oldv, newv)) != XV_OK)
			goto out;
	}
	rc = xv_resp_empty(req, 204);
out:
	PQclear(r);
	PQclear(u);
	json_decref(oldv);
	json_decref(newv);
	return rc;
}

static enum xv_err
client_regenerate_secret(struct xv_req *req)
{
	PGresult	*r = NULL, *u = NULL;
	char		*secret = NULL, hash[65] = "";
	const char	*p[3];
	json_t		*out = NULL;
	enum xv_err	 rc;

	if (req->body_len > 0)
		return xv_fail(req, XV_E_BAD_REQUEST, NULL,
		    "regenerate-secret takes no body");
	if ((r = client_row(req, ST_CLIENT_LOCK, &rc)) == NULL)
		return rc;
	if (strcmp(PQgetvalue(r, 0, 3), "confidential") != 0) {
		rc = xv_fail_code(req, XV_E_CONFLICT, "public_client", NULL,
		    "public clients have no secret");
		goto out;
	}
	if ((secret = random_token(32)) == NULL || secret_hash(secret, hash) != 0) {
		rc = xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a secret");
		goto out;
	}
	p[0] = req->params[0];
	p[1] = req->tenant;
	p[2] = hash;
	if ((u = xv_db_run(ST_CLIENT_SECRET, 3, p, &rc)) == NULL) {
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
	xv_free_secret(secret);
	OPENSSL_cleanse(hash, sizeof(hash));
	PQclear(r);
	PQclear(u);
	return rc;
}

/* ---- the OAuth endpoints: client authentication ---- */

struct client {
	char	 id[XV_UUID_LEN + 1];		/* record id: the token's sub */
	char	 client_id[64];
	char	 tenant[XV_UUID_LEN + 1];
	int	 active;
	int	 suspended;		/* its tenant is */
	long	 valid_after;		/* its tenant's tokens issued before */
	/* The state of the token presented with it (ST_CLIENT_TOKEN). */
	int	 tok_state;		/* read at all */
	int	 tok_tenant_active;
	long	 tok_after;		/* its tokens issued before: void */
	int	 tok_client_active;	/* the token's client (NULL: 0) */
	int	 tok_revoked;
	json_t	*grants;
	json_t	*scopes;
};

static void
client_free(struct client *c)
{
	json_decref(c->grants);
	json_decref(c->scopes);
}

static enum xv_err
oauth_err(struct xv_req *req, enum xv_err e, const char *code,
    const char *detail)
{
	return xv_fail_code(req, e, code, NULL, detail);
}

/*
 * Standard base64 (Basic credentials) decoded via the base64url decoder.
 * Padding, if any, is one or two '=' that end the text and make its
 * length a multiple of four: nothing may follow it.
 */
static char *
b64_decode(const char *s)
{
	char		*t, *o;
	unsigned char	*raw;
	size_t		 n = 0, len = strlen(s), body = strcspn(s, "=");

	if (body < len && (len - body > 2 || len % 4 != 0 ||
	    strspn(s + body, "=") != len - body))
		return NULL;
	if ((t = strdup(s)) == NULL)
		return NULL;
	for (o = t; *s != '\0' && *s != '='; s++) {
		if (*s == '-' || *s == '_') {	/* base64url's, not base64's */
			free(t);
			return NULL;
		}
		*o++ = *s == '+' ? '-' : *s == '/' ? '_' : *s;
	}
	*o = '\0';
	raw = xv_b64url_decode(t, strlen(t), &n);
	free(t);
	if (raw != NULL && memchr(raw, '\0', n) != NULL) {
		free(raw);
		return NULL;
	}
	return (char *)raw;
}

/*
 * Reads client credentials (client_secret_basic, RFC 6749 2.3.1: both
 * parts form-urlencoded before base64; or client_secret_post, never
 * both) into *id and *secret (caller frees).
 */
static enum xv_err
client_credentials(struct xv_req *req, const char *form, char **id,
    char **secret)
{
	const char	*h = xv_req_header(req, "HTTP_AUTHORIZATION");
	char		*raw = NULL, *colon, *bid = NULL;
	int		 nid = xv_form_get(form, "client_id", NULL);
	int		 nsec = xv_form_get(form, "client_secret", NULL);
	enum xv_err	 rc = XV_OK;

	*id = *secret = NULL;
	if (h != NULL) {
		if (strncasecmp(h, "Basic ", 6) != 0 ||
		    (raw = b64_decode(h + 6)) == NULL ||
		    (colon = strchr(raw, ':')) == NULL) {
			rc = oauth_err(req, XV_E_UNAUTHORIZED, "invalid_client",
			    "malformed client credentials");
			goto out;
		}
		if (nsec > 0) {
			rc = oauth_err(req, XV_E_BAD_REQUEST, "invalid_request",
			    "use one client authentication method, not two");
			goto out;
		}
		*colon = '\0';
		*id = xv_urldecode(raw, strlen(raw));
		*secret = xv_urldecode(colon + 1, strlen(colon + 1));
		if (nid > 0) {
			xv_form_get(form, "client_id", &bid);
			if (bid == NULL || *id == NULL || strcmp(bid, *id) != 0)
				rc = oauth_err(req, XV_E_BAD_REQUEST,
				    "invalid_request",
				    "client_id differs from the credentials");
		}
	} else if (nsec > 0 && nid > 0) {
		xv_form_get(form, "client_id", id);
		xv_form_get(form, "client_secret", secret);
	} else
		rc = oauth_err(req, XV_E_UNAUTHORIZED, "invalid_client",
		    "client authentication is required");
	if (rc == XV_OK && (*id == NULL || *secret == NULL || **id == '\0'))
		rc = oauth_err(req, XV_E_UNAUTHORIZED, "invalid_client",
		    "malformed client credentials");
out:
	xv_free_secret(raw);
	free(bid);
	return rc;
}

/* Rejects a request that repeats any of the given parameters. */
static enum xv_err
no_repeats(struct xv_req *req, const char *form, const char *const *names)
{
	for (; *names != NULL; names++)
		if (xv_form_get(form, *names, NULL) > 1)
			return xv_fail_code(req, XV_E_BAD_REQUEST,
			    "invalid_request", NULL, "a parameter is repeated");
	return XV_OK;
}

/*
 * Authenticates the calling client: its secret (compared in constant
 * time), and an X-Tenant-ID, when sent, naming its tenant.  Fills *c.
 */
static enum xv_err
client_authenticate(struct xv_req *req, const char *form, struct client *c,
    json_t *claims)
{
	static const char dummy[65] =
	    "0000000000000000000000000000000000000000000000000000000000000000";
	char		*id = NULL, *secret = NULL, hash[65];
	char		 canon[XV_UUID_LEN + 1];
	const char	*stored = dummy, *th, *p[4];
	PGresult	*r = NULL;
	enum xv_err	 rc;
	int		 found;

	memset(c, 0, sizeof(*c));
	if ((rc = client_credentials(req, form, &id, &secret)) != XV_OK)
		goto out;
	p[0] = id;
	if (claims != NULL) {
		p[1] = json_string_value(json_object_get(claims, "tid"));
		p[2] = json_string_value(json_object_get(claims, "client_id"));
		p[3] = json_string_value(json_object_get(claims, "jti"));
	}
	if (strlen(id) >= sizeof(c->client_id) ||
	    (r = claims != NULL && p[1] != NULL && xv_valid_uuid(p[1]) &&
	    p[3] != NULL ? xv_db_run(ST_CLIENT_TOKEN, 4, p, &rc) :
	    xv_db_run(ST_CLIENT_LOOKUP, 1, p, &rc)) == NULL) {
		rc = r == NULL && rc != XV_OK ? oauth_err(req, rc, NULL,
		    "cannot authenticate the client") :
		    oauth_err(req, XV_E_UNAUTHORIZED, "invalid_client",
		    "client authentication failed");
		goto out;
	}
	found = PQntuples(r) == 1 && !PQgetisnull(r, 0, 5);
	if (found)
		stored = PQgetvalue(r, 0, 5);
	if (secret_hash(secret, hash) != 0 || strlen(stored) != 64 ||
	    !xv_ct_equal(hash, stored, 64) || !found) {
		rc = oauth_err(req, XV_E_UNAUTHORIZED, "invalid_client",
		    "client authentication failed");
		goto out;
	}
	snprintf(c->id, sizeof(c->id), "%s", PQgetvalue(r, 0, 0));
	snprintf(c->client_id, sizeof(c->client_id), "%s", id);
	snprintf(c->tenant, sizeof(c->tenant), "%s", PQgetvalue(r, 0, 1));
	c->grants = json_loads(PQgetvalue(r, 0, 3), 0, NULL);
	c->scopes = json_loads(PQgetvalue(r, 0, 4), 0, NULL);
	c->active = PQgetvalue(r, 0, 6)[0] == 't';
	c->suspended = strcmp(PQgetvalue(r, 0, 7), "active") != 0;
	c->valid_after = strtol(PQgetvalue(r, 0, 8), NULL, 10);
	if (PQnfields(r) > 9 && !PQgetisnull(r, 0, 9)) {
		c->tok_state = 1;
		c->tok_tenant_active = strcmp(PQgetvalue(r, 0, 9), "active") == 0;
		c->tok_after = strtol(PQgetvalue(r, 0, 10), NULL, 10);
		c->tok_client_active = !PQgetisnull(r, 0, 11) &&
		    PQgetvalue(r, 0, 11)[0] == 't';
		c->tok_revoked = PQgetvalue(r, 0, 12)[0] == 't';
	}
	th = xv_req_header(req, "HTTP_X_TENANT_ID");
	if (th != NULL && xv_uuid_canon(th, canon) != 0)
		rc = oauth_err(req, XV_E_BAD_REQUEST, "invalid_request",
		    "X-Tenant-ID must be a UUID");
	else if (th != NULL && strcmp(canon, c->tenant) != 0)
		rc = oauth_err(req, XV_E_UNAUTHORIZED, "invalid_client",
		    "client authentication failed");
	else
		snprintf(req->tenant, sizeof(req->tenant), "%s", c->tenant);
out:
	xv_free_secret(secret);
	OPENSSL_cleanse(hash, sizeof(hash));
	free(id);
	PQclear(r);
	return rc;
}

/* ---- POST /oauth/token ---- */

/* The granted scope: requested ones (all checked), or all the client's. */
static enum xv_err
grant_scope(struct xv_req *req, const char *form, struct client *c,
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
mint_access_token(struct client *c, const char *scope, long ttl)
{
	struct xv_eckey	*k;
	char		*kid, jti[XV_UUID_LEN + 1], *tok = NULL;
	json_t		*hdr = NULL, *cl = NULL;
	const char	*iss = xv_issuer();
	time_t		 now = time(NULL);

	if ((k = xv_keys_signer(&kid)) == NULL || xv_uuid_new(jti) != 0)
		return NULL;
	hdr = json_pack("{s:s, s:s, s:s}", "alg", "ES256", "typ", "at+jwt",
	    "kid", kid);
	cl = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}",
	    "iss", iss, "sub", c->id, "aud", xv_audience(),
	    "client_id", c->client_id, "tid", c->tenant, "scope", scope,
	    "iat", (json_int_t)now, "exp", (json_int_t)(now + ttl), "jti", jti);
	if (hdr != NULL && cl != NULL)
		tok = xv_jws_sign(k, hdr, cl);
	json_decref(hdr);
	json_decref(cl);
	return tok;
}

static enum xv_err
oauth_token(struct xv_req *req)
{
	static const char *const params[] = { "grant_type", "scope",
	    "client_id", "client_secret", NULL };
	const char	*form = req->body ? req->body : "";
	char		*grant = NULL, *tok = NULL;
	struct client	 c = { 0 };
	struct xv_buf	 scope = { 0 };
	long		 ttl = xv_conf_int("access_token_ttl", 900);
	enum xv_err	 rc;

	if ((rc = no_repeats(req, form, params)) != XV_OK)
		goto out;
	if (xv_form_get(form, "grant_type", &grant) == 0 || grant == NULL ||
	    *grant == '\0') {
		rc = oauth_err(req, XV_E_BAD_REQUEST, "invalid_request",
		    "grant_type is required");
		goto out;
	}
	if ((rc = client_authenticate(req, form, &c, NULL)) != XV_OK)
		goto out;
	/* The lookup read the tenant's state: no second round trip. */
	if (!c.active || c.suspended) {
		rc = oauth_err(req, XV_E_UNAUTHORIZED, "invalid_client",
		    "client authentication failed");
		goto out;
	}
	if (strcmp(grant, "client_credentials") != 0) {
		rc = oauth_err(req, XV_E_BAD_REQUEST, "unsupported_grant_type",
		    "only client_credentials is supported here");
		goto out;
	}
	if (!has_string(c.grants, "client_credentials")) {
		rc = oauth_err(req, XV_E_BAD_REQUEST, "unauthorized_client",
		    "this client may not use client_credentials");
		goto out;
	}
	if ((rc = grant_scope(req, form, &c, &scope)) != XV_OK)
		goto out;
	if ((tok = mint_access_token(&c, scope.p ? scope.p : "", ttl)) == NULL) {
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
	client_free(&c);
	return rc;
}

/* ---- introspection and revocation ---- */

/*
 * Whether verified claims cl are those of an active token of the
 * caller's tenant: that tenant, not issued before a suspension or its
 * client's deactivation, not revoked, its client still active.  The
 * state comes from the caller's own lookup (ST_CLIENT_TOKEN).
 */
static int
token_active(struct xv_req *req, struct client *c, json_t *cl)
{
	const char	*tid, *jti, *cid;
	char		 canon[XV_UUID_LEN + 1];
	json_int_t	 iat;

	if (cl == NULL || !c->tok_state ||
	    json_unpack(cl, "{s:s, s:s, s:s, s:I}", "tid", &tid, "jti", &jti,
	    "client_id", &cid, "iat", &iat) != 0 ||
	    xv_uuid_canon(tid, canon) != 0 || strcmp(canon, req->tenant) != 0)
		return 0;
	if (!c->tok_tenant_active || iat < c->tok_after || c->tok_revoked)
		return 0;
	/* Issued to a client of this tenant that is still active. */
	return c->tok_client_active;
}

/*
 * Authenticates the caller and reads the token parameter.  The token's
 * claims are only peeked at first, so that its state is read in the same
 * round trip as the caller; it is verified (and its signing key looked
 * up) only once the caller has authenticated, so that nobody else can
 * make the server look keys up.  *cl gets its claims if it is an access
 * token whose signature and times hold (caller decrefs).  The caller's
 * tenant being suspended is not an error here: introspection answers
 * {"active": false} then, revocation invalid_client.
 */
static enum xv_err
oauth_caller(struct xv_req *req, const char *form, struct client *c,
    char **token, json_t **cl)
{
	static const char *const params[] = { "token", "token_type_hint",
	    "client_id", "client_secret", NULL };
	json_t		*peek = NULL;
	enum xv_err	 rc;

	*token = NULL;
	*cl = NULL;
	if ((rc = no_repeats(req, form, params)) != XV_OK)
		return rc;
	if (xv_form_get(form, "token", token) > 0 && *token != NULL &&
	    **token != '\0')
		peek = xv_jwt_peek(*token);
	rc = client_authenticate(req, form, c, peek);
	json_decref(peek);
	if (rc != XV_OK)
		return rc;
	if (!c->active)
		return oauth_err(req, XV_E_UNAUTHORIZED, "invalid_client",
		    "client authentication failed");
	if (*token == NULL || **token == '\0')
		return oauth_err(req, XV_E_BAD_REQUEST, "invalid_request",
		    "token is required");
	*cl = xv_jwt_verify(*token, XV_USE_ACCESS);
	/* A key that could not be read: not an inactive token, a 503. */
	if (*cl == NULL && xv_keys_unavailable())
		return oauth_err(req, XV_E_UNAVAILABLE, "temporarily_unavailable",
		    "cannot check the token now");
	return XV_OK;
}

static enum xv_err
oauth_introspect(struct xv_req *req)
{
	const char	*form = req->body ? req->body : "";
	struct client	 c = { 0 };
	char		*token = NULL;
	json_t		*cl = NULL, *out = NULL, *v;
	enum xv_err	 rc;
	int		 active;
	static const char *const copy[] = { "sub", "client_id", "scope", "iss",
	    "tid", "exp", "iat", "jti", "aud", NULL };
	const char *const *k;

	if ((rc = oauth_caller(req, form, &c, &token, &cl)) != XV_OK)
		goto out;
	active = !c.suspended && token_active(req, &c, cl);
	out = json_pack("{s:b}", "active", active);
	for (k = copy; active && *k != NULL; k++)
		if ((v = json_object_get(cl, *k)) != NULL)
			json_object_set(out, *k, v);
	if (active)
		json_object_set_new(out, "token_type", json_string("Bearer"));
	rc = xv_resp_json(req, 200, out);
	xv_resp_header(req, "Pragma", "no-cache");
out:
	xv_free_secret(token);
	json_decref(cl);
	client_free(&c);
	return rc;
}

static enum xv_err
oauth_revoke(struct xv_req *req)
{
	const char	*form = req->body ? req->body : "";
	struct client	 c = { 0 };
	char		*token = NULL, exp[24];
	const char	*cid, *jti, *p[3];
	json_t		*cl = NULL;
	json_int_t	 e;
	PGresult	*r = NULL;
	enum xv_err	 rc;

	if ((rc = oauth_caller(req, form, &c, &token, &cl)) != XV_OK)
		goto out;
	if (c.suspended) {
		rc = oauth_err(req, XV_E_UNAUTHORIZED, "invalid_client",
		    "client authentication failed");
		goto out;
	}
	/* Unknown, malformed, expired, foreign or revoked: nothing to do. */
	if (!token_active(req, &c, cl) ||
	    json_unpack(cl, "{s:s, s:I}", "jti", &jti, "exp", &e) != 0) {
		rc = xv_resp_empty(req, 200);
		goto out;
	}
	cid = json_string_value(json_object_get(cl, "client_id"));
	if (cid == NULL || strcmp(cid, c.client_id) != 0) {
		rc = oauth_err(req, XV_E_BAD_REQUEST, "unauthorized_client",
		    "the token was not issued to this client");
		goto out;
	}
	snprintf(exp, sizeof(exp), "%lld", (long long)e);
	if ((rc = xv_db_begin()) != XV_OK ||
	    (rc = xv_tenant_enter(req, 0)) != XV_OK) {
		rc = oauth_err(req, rc == XV_E_UNAVAILABLE ? rc : XV_E_UNAUTHORIZED,
		    rc == XV_E_UNAVAILABLE ? "temporarily_unavailable" :
		    "invalid_client", "cannot revoke now");
		goto out;
	}
	p[0] = jti;
	p[1] = req->tenant;
	p[2] = exp;
	if ((r = xv_db_run(ST_REVOKE, 3, p, &rc)) == NULL) {
		rc = oauth_err(req, rc, NULL, "cannot revoke");
		goto out;
	}
	PQclear(r);
	if ((r = xv_db_run(ST_PURGE, 1, p + 1, &rc)) == NULL ||
	    (rc = xv_db_commit()) != XV_OK) {
		rc = oauth_err(req, rc ? rc : XV_E_INTERNAL, NULL, "cannot revoke");
		goto out;
	}
	rc = xv_resp_empty(req, 200);
out:
	xv_db_rollback();
	PQclear(r);
	xv_free_secret(token);
	json_decref(cl);
	client_free(&c);
	return rc;
}

/* ---- published documents and keys ---- */

static enum xv_err
jwks(struct xv_req *req)
{
	char		 grace[24];
	const char	*p[1] = { grace };
	PGresult	*r;
	json_t		*keys, *k;
	enum xv_err	 rc;
	int		 i;

	snprintf(grace, sizeof(grace), "%ld", xv_token_max_ttl());
	if ((r = xv_db_run(ST_JWKS, 1, p, &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot read keys");
	keys = json_array();
	for (i = 0; i < PQntuples(r); i++)
		if ((k = xv_eckey_jwk(PQgetvalue(r, i, 1), PQgetvalue(r, i, 0))))
			json_array_append_new(keys, k);
	PQclear(r);
	return xv_resp_json(req, 200, json_pack("{s:o}", "keys", keys));
}

static enum xv_err
discovery(struct xv_req *req)
{
	const char	*iss = xv_issuer();
	char		 tok[512], in[512], rev[512], jw[512];

	snprintf(tok, sizeof(tok), "%s/oauth/token", iss);
	snprintf(in, sizeof(in), "%s/oauth/introspect", iss);
	snprintf(rev, sizeof(rev), "%s/oauth/revoke", iss);
	snprintf(jw, sizeof(jw), "%s/.well-known/jwks.json", iss);
	return xv_resp_json(req, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, "
	    "s:[s], s:[s,s], s:[s,s], s:[s,s], s:[s], s:[], s:[s]}",
	    "issuer", iss, "token_endpoint", tok,
	    "introspection_endpoint", in, "revocation_endpoint", rev,
	    "jwks_uri", jw,
	    "grant_types_supported", "client_credentials",
	    "token_endpoint_auth_methods_supported", "client_secret_basic",
	    "client_secret_post",
	    "introspection_endpoint_auth_methods_supported",
	    "client_secret_basic", "client_secret_post",
	    "revocation_endpoint_auth_methods_supported",
	    "client_secret_basic", "client_secret_post",
	    "code_challenge_methods_supported", "S256",
	    "response_types_supported",
	    "token_endpoint_auth_signing_alg_values_supported", "ES256"));
}

/* The signing keys, newest first; *active gets the signing one's kid. */
static json_t *
keys_json(char **active)
{
	PGresult	*r;
	enum xv_err	 e;
	json_t		*arr = json_array();
	int		 i;

	if ((r = xv_db_run(ST_KEYS_LIST, 0, NULL, &e)) == NULL) {
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

#define ADM	(XV_AUTH_ADMIN | XV_TENANT_REQ)
#define OAUTH	(XV_FORM | XV_NO_TXN | XV_OAUTH_ERR)
#define SYS	(XV_AUTH_SUPER | XV_TENANT_SYS)

static const struct xv_route routes[] = {
	{ XV_POST, "/admin/oauth/clients", ADM | XV_SCOPE_ADMIN, client_create },
	{ XV_GET, "/admin/oauth/clients", ADM | XV_SCOPE_READ, client_list },
	{ XV_GET, "/admin/oauth/clients/{id}", ADM | XV_SCOPE_READ, client_get },
	{ XV_PUT, "/admin/oauth/clients/{id}", ADM | XV_SCOPE_WRITE,
	    client_update },
	{ XV_DELETE, "/admin/oauth/clients/{id}", ADM | XV_SCOPE_WRITE,
	    client_delete },
	{ XV_POST, "/admin/oauth/clients/{id}/regenerate-secret",
	    ADM | XV_SCOPE_ADMIN, client_regenerate_secret },
	{ XV_POST, "/oauth/token", OAUTH, oauth_token },
	{ XV_POST, "/oauth/introspect", OAUTH, oauth_introspect },
	{ XV_POST, "/oauth/revoke", OAUTH, oauth_revoke },
	{ XV_GET, "/.well-known/jwks.json", XV_NO_TXN, jwks },
	{ XV_GET, "/.well-known/openid-configuration", XV_NO_TXN, discovery },
	{ XV_GET, "/admin/keys", SYS, keys_list },
	{ XV_POST, "/admin/keys/rotate", SYS, keys_rotate },
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

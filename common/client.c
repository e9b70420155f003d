/*
 * client.c: the OAuth client credential, one of the pipeline's resolvers
 * (XV_CRED_CLIENT).  A confidential client authenticates with its id and
 * secret, by client_secret_basic (RFC 6749 2.3.1: both parts
 * form-urlencoded before base64) or client_secret_post, never both.  The
 * client is found through xv_client_lookup, a narrow SECURITY DEFINER
 * function, since the tenant is not known before; its secret is compared
 * as a keyed hash in constant time.  When the request presents a token
 * (introspection, revocation), the token's state is read in the same
 * round trip from its claims, only peeked at: the token is verified, and
 * its key looked up, only once the client has authenticated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "xv.h"

/* HMAC-SHA-256 of a client secret, keyed by a key derived from master_key. */
int
xv_client_secret_hash(const char *secret, char out[65])
{
	char key[128];
	int  rc;

	snprintf(key, sizeof(key), "%s:oauth-client-secret",
	    xv_conf_get("master_key", ""));
	rc = xv_hmac_sha256_hex(key, secret, out);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

static enum xv_err
invalid_client(struct xv_req *req, const char *detail)
{
	return xv_fail_code(req, XV_E_UNAUTHORIZED, "invalid_client", NULL,
	    detail);
}

/*
 * Standard base64 (Basic credentials) decoded via the base64url decoder
 * (caller frees).  Padding, if any, is one or two '=' that end the text
 * and make its length a multiple of four: nothing may follow it.
 */
char *
xv_b64_decode_text(const char *s)
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

/* Reads the client's id and secret into *id and *secret (caller frees). */
static enum xv_err
credentials(struct xv_req *req, const char *form, char **id, char **secret)
{
	const char	*h = xv_req_header(req, "HTTP_AUTHORIZATION");
	char		*raw = NULL, *colon, *bid = NULL;
	int		 nid = xv_form_get(form, "client_id", NULL);
	int		 nsec = xv_form_get(form, "client_secret", NULL);
	enum xv_err	 rc = XV_OK;

	*id = *secret = NULL;
	if (nid > 1 || nsec > 1)
		return xv_fail_code(req, XV_E_BAD_REQUEST, "invalid_request",
		    NULL, "a parameter is repeated");
	if (h != NULL) {
		if (strncasecmp(h, "Basic ", 6) != 0 ||
		    (raw = xv_b64_decode_text(h + 6)) == NULL ||
		    (colon = strchr(raw, ':')) == NULL) {
			rc = invalid_client(req, "malformed client credentials");
			goto out;
		}
		if (nsec > 0) {
			rc = xv_fail_code(req, XV_E_BAD_REQUEST,
			    "invalid_request", NULL,
			    "use one client authentication method, not two");
			goto out;
		}
		*colon = '\0';
		*id = xv_urldecode(raw, strlen(raw));
		*secret = xv_urldecode(colon + 1, strlen(colon + 1));
		if (nid > 0) {
			xv_form_get(form, "client_id", &bid);
			if (bid == NULL || *id == NULL || strcmp(bid, *id) != 0)
				rc = xv_fail_code(req, XV_E_BAD_REQUEST,
				    "invalid_request", NULL,
				    "client_id differs from the credentials");
		}
	} else if (nsec > 0 && nid > 0) {
		xv_form_get(form, "client_id", id);
		xv_form_get(form, "client_secret", secret);
	} else if (nid > 0) {
		/* "none" (RFC 7591 2): a public client names itself only. */
		xv_form_get(form, "client_id", id);
		if (*id == NULL || **id == '\0')
			rc = invalid_client(req, "malformed client credentials");
		goto out;
	} else
		rc = invalid_client(req, "client authentication is required");
	if (rc == XV_OK && (*id == NULL || *secret == NULL || **id == '\0'))
		rc = invalid_client(req, "malformed client credentials");
out:
	xv_free_secret(raw);
	free(bid);
	return rc;
}

/* The columns of xv_client_lookup and xv_client_token, by name. */
struct client_row {
	const char	*id, *tenant_id, *grant_types, *scopes, *secret_hash;
	const char	*tenant_status, *tokens_valid_after;
	int		 is_active;
	const char	*token_tenant_status, *token_valid_after;
	int		 token_client_active, revoked;
};

static const struct xv_col client_cols[] = {
	XV_COL(struct client_row, id, XV_C_TEXT),
	XV_COL(struct client_row, tenant_id, XV_C_TEXT),
	XV_COL(struct client_row, grant_types, XV_C_TEXT),
	XV_COL(struct client_row, scopes, XV_C_TEXT),
	XV_COL(struct client_row, secret_hash, XV_C_NULLABLE),
	XV_COL(struct client_row, is_active, XV_C_BOOL),
	XV_COL(struct client_row, tenant_status, XV_C_TEXT),
	XV_COL(struct client_row, tokens_valid_after, XV_C_TEXT),
};

static const struct xv_col token_cols[] = {
	XV_COL(struct client_row, token_tenant_status, XV_C_NULLABLE),
	XV_COL(struct client_row, token_valid_after, XV_C_NULLABLE),
	XV_COL(struct client_row, token_client_active, XV_C_BOOL),
	XV_COL(struct client_row, revoked, XV_C_BOOL),
};

/* Copies a matched row into req->client; the token's state if read. */
static enum xv_err
client_fill(struct xv_req *req, PGresult *r, const char *id)
{
	struct xv_client	*c = &req->client;
	struct client_row	 row;

	memset(&row, 0, sizeof(row));
	if (xv_row_decode(r, 0, client_cols, XV_NELEM(client_cols), &row) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "bad client row");
	snprintf(c->id, sizeof(c->id), "%s", row.id);
	snprintf(c->client_id, sizeof(c->client_id), "%s", id);
	snprintf(c->tenant, sizeof(c->tenant), "%s", row.tenant_id);
	c->grants = xv_keep_json(req, json_loads(row.grant_types, 0, NULL));
	c->scopes = xv_keep_json(req, json_loads(row.scopes, 0, NULL));
	c->active = row.is_active;
	c->suspended = strcmp(row.tenant_status, "active") != 0;
	c->valid_after = strtol(row.tokens_valid_after, NULL, 10);
	if (PQfnumber(r, "revoked") >= 0 &&
	    xv_row_decode(r, 0, token_cols, XV_NELEM(token_cols), &row) == 0 &&
	    row.token_tenant_status != NULL) {
		c->tok_state = 1;
		c->tok_tenant_active = strcmp(row.token_tenant_status,
		    "active") == 0;
		c->tok_after = row.token_valid_after ?
		    strtol(row.token_valid_after, NULL, 10) : 0;
		c->tok_client_active = row.token_client_active;
		c->tok_revoked = row.revoked;
	}
	return XV_OK;
}

/*
 * The XV_CRED_CLIENT resolver: authenticates the calling client into
 * req->client and names its tenant (req->cred_tenant).  A deactivated
 * client is refused here; a suspended tenant is the route's to judge
 * (introspection answers inactive, the others refuse).
 */
enum xv_err
xv_auth_client(struct xv_req *req)
{
	static const char dummy[65] =
	    "0000000000000000000000000000000000000000000000000000000000000000";
	const char	*form = req->body ? req->body : "";
	char		*id = NULL, *secret = NULL, *tok = NULL, hash[65] = "";
	const char	*stored = dummy, *p[4] = { NULL, NULL, NULL, NULL };
	json_t		*peek = NULL;
	PGresult	*r = NULL;
	enum xv_err	 rc;
	int		 found;

	memset(&req->client, 0, sizeof(req->client));
	if ((rc = credentials(req, form, &id, &secret)) != XV_OK)
		goto out;
	if (strlen(id) >= sizeof(req->client.client_id)) {
		rc = invalid_client(req, "client authentication failed");
		goto out;
	}
	p[0] = id;
	if (xv_form_get(form, "token", &tok) == 1 && tok != NULL &&
	    (peek = xv_jwt_peek(tok)) != NULL) {
		p[1] = json_string_value(json_object_get(peek, "tid"));
		p[2] = json_string_value(json_object_get(peek, "client_id"));
		p[3] = json_string_value(json_object_get(peek, "jti"));
	}
	if (p[1] != NULL && xv_valid_uuid(p[1]) && p[3] != NULL)
		r = xv_db_lib(XV_ST_CLIENT_TOKEN, 4, p, &rc);
	else
		r = xv_db_lib(XV_ST_CLIENT_LOOKUP, 1, p, &rc);
	if (r == NULL) {
		rc = xv_fail(req, rc, NULL, "cannot authenticate the client");
		goto out;
	}
	found = PQntuples(r) == 1 && !PQgetisnull(r, 0,
	    PQfnumber(r, "secret_hash"));
	if (found)
		stored = PQgetvalue(r, 0, PQfnumber(r, "secret_hash"));
	if (secret == NULL) {
		/* Only a public client (it has no secret) goes without one. */
		if (PQntuples(r) != 1 || found ||
		    strcmp(xv_val(r, 0, "client_type"), "public") != 0) {
			rc = invalid_client(req, "client authentication failed");
			goto out;
		}
		req->client.is_public = 1;
	} else if (xv_client_secret_hash(secret, hash) != 0 ||
	    strlen(stored) != 64 || !xv_ct_equal(hash, stored, 64) || !found) {
		rc = invalid_client(req, "client authentication failed");
		goto out;
	}
	if ((rc = client_fill(req, r, id)) != XV_OK)
		goto out;
	req->client.is_public = secret == NULL;
	if (!req->client.active) {
		rc = invalid_client(req, "client authentication failed");
		goto out;
	}
	memset(&req->who, 0, sizeof(req->who));
	snprintf(req->who.sub, sizeof(req->who.sub), "client:%s",
	    req->client.id);
	memcpy(req->who.tid, req->client.tenant, sizeof(req->who.tid));
	req->who.is_client = 1;
	req->authed = 1;
	memcpy(req->cred_tenant, req->client.tenant, sizeof(req->cred_tenant));
out:
	xv_free_secret(secret);
	xv_free_secret(tok);
	OPENSSL_cleanse(hash, sizeof(hash));
	free(id);
	json_decref(peek);
	PQclear(r);
	return rc;
}

/*
 * session.c: the credentials of signed-in users (auth.fcgi's routes).
 *
 *  - XV_CRED_USER: a bearer login token (client_id xavyo-login, with a
 *    sid), verified as every bearer JWT is (auth.c), its session alive;
 *    the token names the tenant.
 *  - XV_CRED_USER_OPT: the same when an Authorization header is sent,
 *    else nobody yet: the body's mfa_token, or else X-Tenant-ID
 *    (required then), names the tenant, and the handler authenticates by
 *    the body (MFA steps, the token-less password change).
 *  - XV_CRED_REFRESH: the body's "refresh_token", whose tenant part names
 *    the tenant.  Whether the token is live is read by the handler under
 *    that tenant's scope, with its row locked: rotation and reuse
 *    detection are one transaction with the answer.
 *  - XV_CRED_SESSION: a login token if Authorization is sent, else a
 *    refresh token (logout takes either).
 *
 * Refresh tokens are "<tenant uuid>.<256 random bits, base64url>"; only
 * their HMAC-SHA-256 digest, keyed from the master key as client secrets
 * are (client.c), is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xv.h"

#define RT_RAND	43

int
xv_refresh_hash(const char *tok, char tenant[XV_UUID_LEN + 1], char out[65])
{
	size_t	i;

	if (tok == NULL || strlen(tok) != XV_UUID_LEN + 1 + RT_RAND ||
	    tok[XV_UUID_LEN] != '.')
		return -1;
	for (i = XV_UUID_LEN + 1; tok[i] != '\0'; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_", tok[i]) == NULL)
			return -1;
	memcpy(tenant, tok, XV_UUID_LEN);
	tenant[XV_UUID_LEN] = '\0';
	if (xv_uuid_canon(tenant, tenant) != 0)
		return -1;
	return xv_client_secret_hash(tok, out) == 0 ? 0 : -1;
}

char *
xv_refresh_new(const char *tenant)
{
	unsigned char	 rnd[32];
	char		*b = NULL, *tok = NULL;

	if (xv_random(rnd, sizeof(rnd)) == 0 &&
	    (b = xv_b64url_encode(rnd, sizeof(rnd))) != NULL &&
	    (tok = malloc(XV_UUID_LEN + 1 + RT_RAND + 1)) != NULL)
		snprintf(tok, XV_UUID_LEN + 1 + RT_RAND + 1, "%s.%s", tenant, b);
	explicit_bzero(rnd, sizeof(rnd));
	xv_free_secret(b);
	return tok;
}

static enum xv_err
invalid_token(struct xv_req *req, const char *detail)
{
	xv_resp_header(req, "WWW-Authenticate", XV_CHALLENGE_INVALID);
	return xv_fail_code(req, XV_E_UNAUTHORIZED, "invalid_token", NULL,
	    detail);
}

/* A bearer login token of a user, its session alive. */
static enum xv_err
user_token(struct xv_req *req, const char *h)
{
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0' ||
	    strncmp(h + 7, XV_APIKEY_PREFIX, sizeof(XV_APIKEY_PREFIX) - 1) == 0)
		return invalid_token(req, "a login access token is required");
	/* What a session found ended later says (xv_auth_session_dead). */
	req->sess_code = "invalid_token";
	req->sess_detail = "invalid, expired or ended token";
	if (xv_auth_jwt(req, h + 7, &req->who) != XV_OK) {
		if (xv_err_status(XV_E_UNAVAILABLE) == req->status)
			return XV_E_UNAVAILABLE;
		return invalid_token(req, "invalid, expired or ended token");
	}
	if (!req->who.is_user || req->who.sid[0] == '\0' ||
	    !xv_valid_uuid(req->who.sub))
		return invalid_token(req, "a login access token is required");
	req->authed = 1;
	memcpy(req->cred_tenant, req->who.tid, sizeof(req->cred_tenant));
	return XV_OK;
}

static enum xv_err
refresh_token(struct xv_req *req)
{
	const char	*t = json_string_value(json_object_get(req->json,
			    "refresh_token"));
	char		 hash[65];

	if (t == NULL || xv_refresh_hash(t, req->cred_tenant, hash) != 0)
		return invalid_token(req, "invalid, expired or ended refresh token");
	explicit_bzero(hash, sizeof(hash));
	return XV_OK;
}

enum xv_err
xv_auth_session(struct xv_req *req, enum xv_cred cred)
{
	const char	*h = xv_req_header(req, "HTTP_AUTHORIZATION");
	const char	*t = xv_req_header(req, "HTTP_X_TENANT_ID");
	char		 hash[65];

	req->cred_tenant[0] = '\0';
	switch (cred) {
	case XV_CRED_USER:
		return user_token(req, h);
	case XV_CRED_USER_OPT:
		if (h != NULL)
			return user_token(req, h);
		/* An mfa_token names its tenant as a refresh token does. */
		if (xv_refresh_hash(json_string_value(json_object_get(req->json,
		    "mfa_token")), req->cred_tenant, hash) == 0) {
			explicit_bzero(hash, sizeof(hash));
			return XV_OK;
		}
		req->cred_tenant[0] = '\0';
		if (t == NULL)
			return xv_fail(req, XV_E_TENANT_REQUIRED, NULL,
			    "the X-Tenant-ID header is required");
		if (xv_uuid_canon(t, req->cred_tenant) != 0)
			return xv_fail(req, XV_E_TENANT_INVALID, NULL,
			    "X-Tenant-ID must be a UUID");
		return XV_OK;
	case XV_CRED_SESSION:
		if (h != NULL)
			return user_token(req, h);
		/* FALLTHROUGH */
	case XV_CRED_REFRESH:
		return refresh_token(req);
	default:
		break;
	}
	return xv_fail(req, XV_E_INTERNAL, NULL, "unknown credential");
}

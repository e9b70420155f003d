/*
 * auth.c: who is calling, and may they call this route.
 *
 * Bearer JWTs are verified against the platform's ES256 keys, chosen by
 * the token's kid from the database (never from a URL in the token).
 * Only "alg": "ES256" is accepted: "none" and every other algorithm are
 * refused before any key is touched.  The signature is checked with
 * libcrypto against a public key parsed once per process: libjwt 1.10
 * refuses any "typ" but "JWT" (so no RFC 9068 access token) and parses
 * the PEM key on every call, which OpenSSL 3's decoders make cost about
 * a millisecond.  The unit tests keep libjwt as an independent check of
 * the tokens this library signs.  The role rules are
 * those of API.md section 2, applied from the route's flags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "xv.h"

#define CLOCK_SKEW	60

static json_t *
segment_json(const char *s, size_t n)
{
	unsigned char	*raw;
	size_t		 len;
	json_t		*j;

	if ((raw = xv_b64url_decode(s, n, &len)) == NULL)
		return NULL;
	j = json_loadb((char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* The principal of verified claims (iss and exp already checked). */
static int
claims_to_principal(json_t *c, struct xv_principal *p)
{
	const char	*sub, *tid;
	json_t		*roles, *v;
	json_int_t	 iat;
	size_t		 i;

	if (json_unpack(c, "{s:s, s:s, s:I}", "sub", &sub, "tid", &tid,
	    "iat", &iat) != 0)
		return -1;
	if (iat > time(NULL) + CLOCK_SKEW || !xv_valid_uuid(tid) ||
	    strlen(sub) >= sizeof(p->sub))
		return -1;
	memset(p, 0, sizeof(*p));
	snprintf(p->sub, sizeof(p->sub), "%s", sub);
	snprintf(p->tid, sizeof(p->tid), "%s", tid);
	p->iat = (long)iat;
	roles = json_object_get(c, "roles");
	json_array_foreach(roles, i, v) {
		if (!json_is_string(v))
			continue;
		if (strcmp(json_string_value(v), "super_admin") == 0 &&
		    strcmp(tid, XV_SYSTEM_TENANT) == 0)
			p->super_admin = 1;
		else if (strcmp(json_string_value(v), "admin") == 0)
			p->admin = 1;
	}
	return 0;
}

/* ES256 over tok up to dot (the signing input), signature after it. */
static int
es256_check(const char *kid, const char *tok, const char *dot)
{
	const struct xv_eckey	*k;
	unsigned char		*sig;
	size_t			 n = 0;
	int			 ok;

	if ((k = xv_keys_verifier(kid)) == NULL ||
	    (sig = xv_b64url_decode(dot + 1, strlen(dot + 1), &n)) == NULL)
		return 0;
	ok = xv_eckey_verify(k, tok, dot - tok, sig, n);
	free(sig);
	return ok;
}

static json_t *
verify_uncached(const char *tok, const char **typp)
{
	const char	*d1, *d2, *alg, *kid, *typ, *iss;
	json_t		*hdr = NULL, *claims = NULL;
	json_int_t	 exp;
	int		 ok = 0;

	if ((d1 = strchr(tok, '.')) == NULL || (d2 = strchr(d1 + 1, '.')) == NULL ||
	    strchr(d2 + 1, '.') != NULL || d2[1] == '\0')
		goto out;
	if ((hdr = segment_json(tok, d1 - tok)) == NULL)
		goto out;
	if (json_unpack(hdr, "{s:s, s:s}", "alg", &alg, "kid", &kid) != 0 ||
	    strcmp(alg, "ES256") != 0)
		goto out;
	typ = json_string_value(json_object_get(hdr, "typ"));
	if (typ != NULL && strcasecmp(typ, "JWT") != 0 &&
	    strcasecmp(typ, "at+jwt") != 0)
		goto out;
	*typp = typ != NULL && strcasecmp(typ, "at+jwt") == 0 ?
	    "at+jwt" : "JWT";
	if (!es256_check(kid, tok, d2))
		goto out;
	if ((claims = segment_json(d1 + 1, d2 - d1 - 1)) == NULL)
		goto out;
	if (json_unpack(claims, "{s:s, s:I}", "iss", &iss, "exp", &exp) != 0 ||
	    strcmp(iss, xv_conf_get("issuer", "http://127.0.0.1")) != 0 ||
	    exp <= time(NULL))
		goto out;
	ok = 1;
out:
	json_decref(hdr);
	if (!ok) {
		json_decref(claims);
		claims = NULL;
	}
	return claims;
}

/*
 * Tokens this process verified, by the SHA-256 of their text.  A token's
 * signature, issuer and claims never change, so a hit skips only the
 * signature check and the parsing; expiry is checked on every use, and
 * whatever can change (revocation, suspension, a client's state) is read
 * from the database by the callers on every request as before.  No key
 * outlives its tokens (retired keys stay valid token_max_ttl, which no
 * token's lifetime exceeds), so a hit never accepts a token that a
 * fresh check would refuse.
 */
#define VCACHE	512

static struct {
	unsigned char	 digest[32];
	json_t		*claims;
	json_int_t	 exp;
	const char	*typ;
} vcache[VCACHE];

json_t *
xv_jwt_verify(const char *tok, const char **typp)
{
	unsigned char	 d[32];
	unsigned	 slot;
	const char	*typ = NULL;
	json_t		*claims;

	xv_keys_unavailable_reset();
	if (xv_sha256(tok, strlen(tok), d) != 0)
		return NULL;
	slot = (d[0] | d[1] << 8) % VCACHE;
	if (vcache[slot].claims != NULL &&
	    memcmp(vcache[slot].digest, d, sizeof(d)) == 0 &&
	    vcache[slot].exp > time(NULL)) {
		if (typp != NULL)
			*typp = vcache[slot].typ;
		return json_incref(vcache[slot].claims);
	}
	if ((claims = verify_uncached(tok, &typ)) == NULL)
		return NULL;
	json_decref(vcache[slot].claims);
	memcpy(vcache[slot].digest, d, sizeof(d));
	vcache[slot].claims = json_incref(claims);
	vcache[slot].exp = json_integer_value(json_object_get(claims, "exp"));
	vcache[slot].typ = typ;
	if (typp != NULL)
		*typp = typ;
	return claims;
}

/* Verifies a bearer JWT and fills *p; 401 for anything wrong. */
enum xv_err
xv_auth_jwt(struct xv_req *req, const char *tok, struct xv_principal *p)
{
	json_t		*claims;
	enum xv_err	 rc = XV_E_UNAUTHORIZED;

	if ((claims = xv_jwt_verify(tok, NULL)) != NULL &&
	    claims_to_principal(claims, p) == 0)
		rc = XV_OK;
	json_decref(claims);
	/* A key that could not be read is the database's fault, not the token's. */
	if (rc != XV_OK && xv_keys_unavailable())
		return xv_fail(req, XV_E_UNAVAILABLE, NULL, "database unavailable");
	if (rc != XV_OK)
		xv_fail(req, rc, NULL, "invalid or expired token");
	return rc;
}

/* Authenticates the Authorization header; 401 with a challenge if not. */
enum xv_err
xv_auth_bearer(struct xv_req *req)
{
	const char	*h = xv_req_header(req, "HTTP_AUTHORIZATION");
	enum xv_err	 rc;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
		xv_resp_header(req, "WWW-Authenticate", "Bearer realm=\"xavyo\"");
		return xv_fail(req, XV_E_UNAUTHORIZED, NULL,
		    "a bearer token is required");
	}
	if ((rc = xv_auth_jwt(req, h + 7, &req->who)) != XV_OK) {
		xv_resp_header(req, "WWW-Authenticate",
		    "Bearer realm=\"xavyo\", error=\"invalid_token\"");
		return rc;
	}
	req->authed = 1;
	return XV_OK;
}

/*
 * The role rules: super admins may do anything except use an API key on
 * system routes; admins only in their own tenant; others nothing under
 * /admin.  Runs after xv_tenant_header, so req->tenant is known.
 */
enum xv_err
xv_auth_check(struct xv_req *req, unsigned flags)
{
	struct xv_principal *w = &req->who;

	if (!(flags & (XV_AUTH_ADMIN | XV_AUTH_SUPER | XV_AUTH_ANY)))
		return XV_OK;
	if (flags & XV_AUTH_SUPER) {
		if (!w->super_admin || w->is_key)
			return xv_fail(req, XV_E_FORBIDDEN, NULL,
			    "this operation needs a super admin");
		return XV_OK;
	}
	if (w->super_admin && !w->is_key)
		return XV_OK;
	if (req->tenant[0] != '\0' && strcmp(w->tid, req->tenant) != 0)
		return xv_fail(req, XV_E_TENANT_MISMATCH, NULL,
		    "the credential belongs to another tenant");
	if (flags & XV_AUTH_ANY)
		return XV_OK;
	if (w->is_key) {
		unsigned need = (flags & (XV_SCOPE_READ | XV_SCOPE_WRITE |
		    XV_SCOPE_ADMIN));

		if (need == 0)
			need = req->method == XV_GET ? XV_SCOPE_READ :
			    XV_SCOPE_WRITE;
		if ((w->scopes & need) != need)
			return xv_fail(req, XV_E_INSUFFICIENT_SCOPE, NULL,
			    "the API key lacks a scope this operation needs");
		return XV_OK;
	}
	if (!w->admin)
		return xv_fail(req, XV_E_FORBIDDEN, NULL,
		    "this operation needs the admin role");
	return XV_OK;
}

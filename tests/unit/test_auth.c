/*
 * test_auth.c: bearer JWT verification (auth.c xv_auth_jwt) with keys
 * made by crypto.c.  A fresh P-256 key signs the tokens; its public PEM
 * goes into the key cache (keys.c) under kid "unit-k1", so no database
 * is needed except for an unknown kid, which must fail cleanly without
 * a connection: 503, since the key could not be looked up.  The issuer comes from XAVYO_ISSUER.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jwt.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "xv.h"
#include "test_unit.h"

#define ISS	"https://idp.unit.test"
#define KID	"unit-k1"
#define T1	"3f2c5b1e-8a4d-4c6e-9b7a-1d2e3f4a5b6c"
#define SYS	XV_SYSTEM_TENANT

enum how {
	SIGN,		/* ES256 with the cached key */
	SIGN_OTHER,	/* ES256 with another key, same kid */
	HS256_PEM,	/* HMAC with the public PEM as secret (alg confusion) */
	UNSIGNED,	/* "header.claims." */
	TAMPER,		/* claims replaced after signing */
	STRIP_SIG,	/* signature segment removed */
	SHORT_SIG	/* signature cut by three bytes */
};

static const struct jcase {
	const char	*what;
	const char	*alg, *typ, *kid;	/* header; NULL: absent */
	const char	*iss, *sub, *tid;	/* claims; NULL: absent */
	const char	*roles;			/* JSON text; NULL: absent */
	long		 iat, exp;		/* seconds from now */
	const char	*extra;			/* JSON merged into claims */
	enum how	 how;
	enum xv_err	 want;
	int		 super_admin, admin;
} cases[] = {
	{ "a valid admin token", "ES256", "at+jwt", KID, ISS, "u1", T1,
	    "[\"admin\"]", 0, 900, NULL, SIGN, XV_OK, 0, 1 },
	{ "typ JWT is not an access token", "ES256", "JWT", KID, ISS,
	    "u1", T1, "[\"admin\"]", 0, 900, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "no typ is not an access token", "ES256", NULL, KID, ISS, "u1", T1,
	    "[]", 0, 900, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "no roles: neither admin nor super admin", "ES256", "at+jwt", KID, ISS,
	    "u1", T1, NULL, 0, 900, NULL, SIGN, XV_OK, 0, 0 },
	{ "super_admin of the system tenant", "ES256", "at+jwt", KID, ISS, "root",
	    SYS, "[\"super_admin\"]", 0, 900, NULL, SIGN, XV_OK, 1, 0 },
	{ "super_admin claimed in another tenant is ignored", "ES256", "at+jwt",
	    KID, ISS, "u1", T1, "[\"super_admin\"]", 0, 900, NULL, SIGN, XV_OK,
	    0, 0 },
	{ "admin and super_admin of the system tenant", "ES256", "at+jwt", KID,
	    ISS, "root", SYS, "[\"admin\",\"super_admin\"]", 0, 900, NULL,
	    SIGN, XV_OK, 1, 1 },
	{ "roles that are not strings are skipped", "ES256", "at+jwt", KID, ISS,
	    "u1", T1, "[1,null,\"admin\"]", 0, 900, NULL, SIGN, XV_OK, 0, 1 },
	{ "iat within the clock skew", "ES256", "at+jwt", KID, ISS, "u1", T1,
	    "[\"admin\"]", 30, 900, NULL, SIGN, XV_OK, 0, 1 },
	/* refused */
	{ "expired", "ES256", "at+jwt", KID, ISS, "u1", T1, "[\"admin\"]", -1000,
	    -10, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "exp equal to now", "ES256", "at+jwt", KID, ISS, "u1", T1, "[]", -100,
	    0, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "issued in the future", "ES256", "at+jwt", KID, ISS, "u1", T1, "[]",
	    3600, 7200, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "wrong issuer", "ES256", "at+jwt", KID, "https://evil.example", "u1", T1,
	    "[\"admin\"]", 0, 900, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "issuer with a trailing slash", "ES256", "at+jwt", KID, ISS "/", "u1",
	    T1, "[]", 0, 900, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "no issuer", "ES256", "at+jwt", KID, NULL, "u1", T1, "[]", 0, 900, NULL,
	    SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "no sub", "ES256", "at+jwt", KID, ISS, NULL, T1, "[]", 0, 900, NULL,
	    SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "tid in upper case: made canonical", "ES256", "at+jwt", KID, ISS,
	    "u1", "3F2C5B1E-8A4D-4C6E-9B7A-1D2E3F4A5B6C", "[\"admin\"]", 0, 900,
	    NULL, SIGN, XV_OK, 0, 1 },
	{ "tid not a UUID", "ES256", "at+jwt", KID, ISS, "u1", "acme", "[]", 0,
	    900, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "exp a string", "ES256", "at+jwt", KID, ISS, "u1", T1, "[]", 0, 900,
	    "{\"exp\":\"tomorrow\"}", SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "typ other than at+jwt", "ES256", "JOSE+JSON", KID, ISS, "u1",
	    T1, "[]", 0, 900, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "tampered payload", "ES256", "at+jwt", KID, ISS, "u1", T1,
	    "[\"admin\"]", 0, 900, NULL, TAMPER, XV_E_UNAUTHORIZED, 0, 0 },
	{ "signed by another key", "ES256", "at+jwt", KID, ISS, "u1", T1,
	    "[\"admin\"]", 0, 900, NULL, SIGN_OTHER, XV_E_UNAUTHORIZED, 0, 0 },
	{ "no signature", "ES256", "at+jwt", KID, ISS, "u1", T1, "[\"admin\"]", 0,
	    900, NULL, STRIP_SIG, XV_E_UNAUTHORIZED, 0, 0 },
	{ "alg none, unsigned", "none", "at+jwt", KID, ISS, "u1", T1,
	    "[\"admin\"]", 0, 900, NULL, UNSIGNED, XV_E_UNAUTHORIZED, 0, 0 },
	{ "alg none with a signature", "none", "at+jwt", KID, ISS, "u1", T1,
	    "[\"admin\"]", 0, 900, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "alg NONE", "NONE", "at+jwt", KID, ISS, "u1", T1, "[\"admin\"]", 0, 900,
	    NULL, UNSIGNED, XV_E_UNAUTHORIZED, 0, 0 },
	{ "alg HS256 keyed with the public PEM", "HS256", "at+jwt", KID, ISS,
	    "u1", T1, "[\"admin\"]", 0, 900, NULL, HS256_PEM,
	    XV_E_UNAUTHORIZED, 0, 0 },
	{ "alg ES384", "ES384", "at+jwt", KID, ISS, "u1", T1, "[\"admin\"]", 0,
	    900, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "alg RS256", "RS256", "at+jwt", KID, ISS, "u1", T1, "[\"admin\"]", 0,
	    900, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "no kid", "ES256", "at+jwt", NULL, ISS, "u1", T1, "[\"admin\"]", 0, 900,
	    NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "unknown kid (database lookup without a connection)", "ES256",
	    "at+jwt", "unit-unknown", ISS, "u1", T1, "[\"admin\"]", 0, 900, NULL,
	    SIGN, XV_E_UNAVAILABLE, 0, 0 },
	{ "a short signature", "ES256", "at+jwt", KID, ISS, "u1", T1,
	    "[\"admin\"]", 0, 900, NULL, SHORT_SIG, XV_E_UNAUTHORIZED, 0, 0 },
	/* at+jwt tokens take another path (libcrypto, not libjwt) */
	{ "at+jwt: typ in upper case", "ES256", "AT+JWT", KID, ISS, "c1", T1,
	    NULL, 0, 900, NULL, SIGN, XV_OK, 0, 0 },
	{ "at+jwt: super_admin of the system tenant", "ES256", "at+jwt", KID,
	    ISS, "root", SYS, "[\"super_admin\"]", 0, 900, NULL, SIGN, XV_OK,
	    1, 0 },
	{ "at+jwt: expired", "ES256", "at+jwt", KID, ISS, "c1", T1, NULL,
	    -1000, -10, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "at+jwt: wrong issuer", "ES256", "at+jwt", KID, "https://evil.example",
	    "c1", T1, NULL, 0, 900, NULL, SIGN, XV_E_UNAUTHORIZED, 0, 0 },
	{ "at+jwt: tampered payload", "ES256", "at+jwt", KID, ISS, "c1", T1,
	    "[\"admin\"]", 0, 900, NULL, TAMPER, XV_E_UNAUTHORIZED, 0, 0 },
	{ "at+jwt: signed by another key", "ES256", "at+jwt", KID, ISS, "c1",
	    T1, NULL, 0, 900, NULL, SIGN_OTHER, XV_E_UNAUTHORIZED, 0, 0 },
	{ "at+jwt: a short signature", "ES256", "at+jwt", KID, ISS, "c1", T1,
	    NULL, 0, 900, NULL, SHORT_SIG, XV_E_UNAUTHORIZED, 0, 0 },
	{ "at+jwt: no signature", "ES256", "at+jwt", KID, ISS, "c1", T1, NULL,
	    0, 900, NULL, STRIP_SIG, XV_E_UNAUTHORIZED, 0, 0 },
	{ "at+jwt: alg none", "none", "at+jwt", KID, ISS, "c1", T1, NULL, 0,
	    900, NULL, UNSIGNED, XV_E_UNAUTHORIZED, 0, 0 },
	{ "at+jwt: alg HS256 keyed with the public PEM", "HS256", "at+jwt",
	    KID, ISS, "c1", T1, NULL, 0, 900, NULL, HS256_PEM,
	    XV_E_UNAUTHORIZED, 0, 0 },
	{ "at+jwt: unknown kid", "ES256", "at+jwt", "unit-unknown", ISS, "c1",
	    T1, NULL, 0, 900, NULL, SIGN, XV_E_UNAVAILABLE, 0, 0 },
};

static char *
b64_json(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT), *out;

	if (s == NULL)
		return NULL;
	out = xv_b64url_encode((unsigned char *)s, strlen(s));
	free(s);
	return out;
}

static json_t *
header_of(const struct jcase *c)
{
	json_t *h = json_object();

	json_object_set_new(h, "alg", json_string(c->alg));
	if (c->typ != NULL)
		json_object_set_new(h, "typ", json_string(c->typ));
	if (c->kid != NULL)
		json_object_set_new(h, "kid", json_string(c->kid));
	return h;
}

static json_t *
claims_of(const struct jcase *c, int admin_to_super)
{
	json_t	*j = json_object();
	time_t	 now = time(NULL);

	if (c->iss != NULL)
		json_object_set_new(j, "iss", json_string(c->iss));
	if (c->sub != NULL)
		json_object_set_new(j, "sub", json_string(c->sub));
	json_object_set_new(j, "tid", json_string(admin_to_super ? SYS :
	    c->tid));
	/* An operator's token unless extra says otherwise. */
	json_object_set_new(j, "aud", json_string(ISS));
	json_object_set_new(j, "client_id", json_string(XV_CLIENT_CTL));
	json_object_set_new(j, "iat", json_integer(now + c->iat));
	json_object_set_new(j, "exp", json_integer(now + c->exp));
	if (admin_to_super)
		json_object_set_new(j, "roles",
		    json_pack("[s]", "super_admin"));
	else if (c->roles != NULL)
		json_object_set_new(j, "roles", json_loads(c->roles, 0, NULL));
	if (c->extra != NULL) {
		json_t *x = json_loads(c->extra, 0, NULL);

		xv_json_merge(j, x);
		json_decref(x);
	}
	return j;
}

/* Joins a.b and an HMAC-SHA256 signature keyed with key; caller frees. */
static char *
hs256(const char *h, const char *c, const char *key)
{
	unsigned char	 md[32];
	unsigned int	 mdlen = 0;
	struct xv_buf	 in = { 0 };
	char		*sig, *out;

	xv_buf_addf(&in, "%s.%s", h, c);
	HMAC(EVP_sha256(), key, (int)strlen(key), (unsigned char *)in.p,
	    in.len, md, &mdlen);
	sig = xv_b64url_encode(md, mdlen);
	xv_buf_addf(&in, ".%s", sig);
	out = strdup(in.p);
	free(sig);
	xv_buf_free(&in);
	return out;
}

/* The token of case c; caller frees. */
static char *
token_of(const struct jcase *c, struct xv_eckey *k, struct xv_eckey *k2,
    const char *pem)
{
	json_t	*h = header_of(c), *cl = claims_of(c, 0), *cl2;
	char	*tok = NULL, *hs = b64_json(h), *cs = b64_json(cl), *c2, *dot;

	switch (c->how) {
	case SIGN:
		tok = xv_jws_sign(k, h, cl);
		break;
	case SIGN_OTHER:
		tok = xv_jws_sign(k2, h, cl);
		break;
	case HS256_PEM:
		tok = hs256(hs, cs, pem);
		break;
	case UNSIGNED:
		if (asprintf(&tok, "%s.%s.", hs, cs) < 0)
			tok = NULL;
		break;
	case TAMPER:
		/* Signed as an admin of T1, presented as a super admin. */
		cl2 = claims_of(c, 1);
		c2 = b64_json(cl2);
		tok = xv_jws_sign(k, h, cl);
		if (tok != NULL && c2 != NULL) {
			char *t2, *d1 = strchr(tok, '.');
			char *d2 = strchr(d1 + 1, '.');

			if (asprintf(&t2, "%.*s.%s%s", (int)(d1 - tok), tok,
			    c2, d2) < 0)
				t2 = NULL;
			free(tok);
			tok = t2;
		}
		free(c2);
		json_decref(cl2);
		break;
	case STRIP_SIG:
		tok = xv_jws_sign(k, h, cl);
		if (tok != NULL && (dot = strrchr(tok, '.')) != NULL)
			dot[1] = '\0';
		break;
	case SHORT_SIG:
		tok = xv_jws_sign(k, h, cl);
		if (tok != NULL && strlen(tok) > 4)
			tok[strlen(tok) - 4] = '\0';
		break;
	}
	free(hs);
	free(cs);
	json_decref(h);
	json_decref(cl);
	return tok;
}

static void
test_jwt_cases(struct xv_eckey *k, struct xv_eckey *k2, const char *pem)
{
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		const struct jcase	*c = &cases[i];
		struct xv_req		 req;
		struct xv_principal	 p;
		char			*tok;
		enum xv_err		 got;

		t_begin("auth_jwt", "%s", c->what);
		memset(&req, 0, sizeof(req));
		memset(&p, 0, sizeof(p));
		if ((tok = token_of(c, k, k2, pem)) == NULL) {
			EXPECT(0, "cannot make the token");
			continue;
		}
		got = xv_auth_jwt(&req, tok, &p);
		EXPECT(got == c->want, "got %d (%s), want %d (%s)", got,
		    xv_err_code(got), c->want, xv_err_code(c->want));
		if (got == XV_OK && c->want == XV_OK) {
			EXPECT(strcmp(p.sub, c->sub) == 0, "sub %s", p.sub);
			EXPECT(strcasecmp(p.tid, c->tid) == 0 &&
			    strspn(p.tid, "0123456789abcdef-") == XV_UUID_LEN,
			    "tid %s", p.tid);
			EXPECT(p.super_admin == c->super_admin,
			    "super_admin %d, want %d", p.super_admin,
			    c->super_admin);
			EXPECT(p.admin == c->admin, "admin %d, want %d",
			    p.admin, c->admin);
			EXPECT(p.iat >= time(NULL) + c->iat - 5 &&
			    p.iat <= time(NULL) + c->iat, "iat %ld", p.iat);
			EXPECT(!p.is_key, "marked as an API key");
		}
		if (got != XV_OK)
			EXPECT(req.err_detail[0] != '\0', "no detail recorded");
		free(tok);
	}
}

static void
test_jwt_malformed(struct xv_eckey *k)
{
	static const char *const bad[] = {
		"", ".", "..", "...", "abc", "a.b", "a.b.c", "a.b.c.d",
		"eyJhbGciOiJFUzI1NiJ9..c", "WzFd.e30.c",
		"!!!.e30.c",
	};
	const struct jcase *ok = &cases[0];
	json_t	*h = header_of(ok), *cl = claims_of(ok, 0);
	char	*good = xv_jws_sign(k, h, cl), *extra = NULL;
	size_t	 i;

	for (i = 0; i < NELEM(bad); i++) {
		struct xv_req		req;
		struct xv_principal	p;

		t_begin("auth_jwt", "malformed %s", t_show(bad[i]));
		memset(&req, 0, sizeof(req));
		EXPECT(xv_auth_jwt(&req, bad[i], &p) == XV_E_UNAUTHORIZED,
		    "not refused");
	}
	t_begin("auth_jwt", "a fourth segment is refused");
	{
		struct xv_req		req;
		struct xv_principal	p;

		memset(&req, 0, sizeof(req));
		if (good == NULL || asprintf(&extra, "%s.e30", good) < 0)
			extra = NULL;
		EXPECT(extra != NULL && xv_auth_jwt(&req, extra, &p) ==
		    XV_E_UNAUTHORIZED, "not refused");
	}
	free(extra);
	free(good);
	json_decref(h);
	json_decref(cl);
}

/*
 * Each use takes only its own kind of token (security review, finding
 * 2): the header's typ and crit, aud, client_id, nbf and the lifetime,
 * all signed with the real key.  Claims start as an operator's access
 * token; cl_extra's members replace them (null: removed).
 */
static void
test_jwt_uses(struct xv_eckey *k)
{
	static const struct {
		const char	*what;
		const char	*typ;		/* NULL: absent */
		const char	*hdr_extra;	/* JSON merged into the header */
		const char	*cl_extra;
		long		 iat, exp;	/* from now */
		int		 nbf_set;
		long		 nbf;
		enum xv_tok_use	 use;
		int		 ok;
	} c[] = {
		{ "an operator token as a bearer", "at+jwt", NULL, NULL, 0, 900,
		    0, 0, XV_USE_BEARER, 1 },
		{ "typ application/at+jwt as a bearer", "application/at+jwt",
		    NULL, NULL, 0, 900, 0, 0, XV_USE_BEARER, 1 },
		{ "a login token as a bearer", "at+jwt", NULL,
		    "{\"client_id\":\"xavyo-login\"}", 0, 900, 0, 0,
		    XV_USE_BEARER, 1 },
		{ "a client_credentials token is no bearer", "at+jwt", NULL,
		    "{\"client_id\":\"c-4f1b2a\"}", 0, 900, 0, 0, XV_USE_BEARER,
		    0 },
		{ "a token without client_id is no bearer", "at+jwt", NULL,
		    "{\"client_id\":null}", 0, 900, 0, 0, XV_USE_BEARER, 0 },
		{ "client_id not a string", "at+jwt", NULL,
		    "{\"client_id\":[\"xavyoctl\"]}", 0, 900, 0, 0,
		    XV_USE_BEARER, 0 },
		{ "a wrong aud", "at+jwt", NULL,
		    "{\"aud\":\"https://rs.example\"}", 0, 900, 0, 0,
		    XV_USE_BEARER, 0 },
		{ "no aud", "at+jwt", NULL, "{\"aud\":null}", 0, 900, 0, 0,
		    XV_USE_BEARER, 0 },
		{ "aud an array that has ours", "at+jwt", NULL,
		    "{\"aud\":[\"https://rs.example\",\"" ISS "\"]}", 0, 900, 0,
		    0, XV_USE_BEARER, 1 },
		{ "aud an array without ours", "at+jwt", NULL,
		    "{\"aud\":[\"https://rs.example\"]}", 0, 900, 0, 0,
		    XV_USE_BEARER, 0 },
		{ "nbf in the past", "at+jwt", NULL, NULL, 0, 900, 1, -10,
		    XV_USE_BEARER, 1 },
		{ "nbf in the future", "at+jwt", NULL, NULL, 0, 900, 1, 600,
		    XV_USE_BEARER, 0 },
		{ "nbf not a number", "at+jwt", NULL, "{\"nbf\":\"now\"}", 0,
		    900, 0, 0, XV_USE_BEARER, 0 },
		{ "an unknown crit header", "at+jwt", "{\"crit\":[\"exp\"]}",
		    NULL, 0, 900, 0, 0, XV_USE_BEARER, 0 },
		{ "an empty crit header", "at+jwt", "{\"crit\":[]}", NULL, 0,
		    900, 0, 0, XV_USE_BEARER, 0 },
		{ "typ not a string", NULL, "{\"typ\":1}", NULL, 0, 900, 0, 0,
		    XV_USE_ID_HINT, 0 },
		{ "exp 2^63-1", "at+jwt", NULL,
		    "{\"exp\":9223372036854775807}", 0, 0, 0, 0, XV_USE_BEARER,
		    0 },
		{ "a lifetime of token_max_ttl", "at+jwt", NULL, NULL, 0, 3600,
		    0, 0, XV_USE_BEARER, 1 },
		{ "a lifetime over token_max_ttl", "at+jwt", NULL, NULL, 0,
		    3601, 0, 0, XV_USE_BEARER, 0 },
		{ "exp before iat", "at+jwt", NULL, NULL, 30, 20, 0, 0,
		    XV_USE_BEARER, 0 },
		{ "no iat", "at+jwt", NULL, "{\"iat\":null}", 0, 900, 0, 0,
		    XV_USE_BEARER, 0 },
		/* introspection: access tokens of any client */
		{ "a client's token for introspection", "at+jwt", NULL,
		    "{\"client_id\":\"c-4f1b2a\"}", 0, 900, 0, 0,
		    XV_USE_ACCESS, 1 },
		{ "no client_id for introspection", "at+jwt", NULL,
		    "{\"client_id\":null}", 0, 900, 0, 0, XV_USE_ACCESS, 0 },
		{ "typ JWT for introspection", "JWT", NULL,
		    "{\"client_id\":\"c-4f1b2a\"}", 0, 900, 0, 0,
		    XV_USE_ACCESS, 0 },
		{ "a wrong aud for introspection", "at+jwt", NULL,
		    "{\"client_id\":\"c-4f1b2a\",\"aud\":\"x\"}", 0, 900, 0, 0,
		    XV_USE_ACCESS, 0 },
		/* ID token hints: typ JWT, a client as audience */
		{ "an ID token as a hint", "JWT", NULL,
		    "{\"aud\":\"c-4f1b2a\",\"client_id\":null}", 0, 900, 0, 0,
		    XV_USE_ID_HINT, 1 },
		{ "an ID token without typ as a hint", NULL, NULL,
		    "{\"aud\":\"c-4f1b2a\",\"client_id\":null}", 0, 900, 0, 0,
		    XV_USE_ID_HINT, 1 },
		{ "an ID token is no bearer", "JWT", NULL,
		    "{\"aud\":\"c-4f1b2a\"}", 0, 900, 0, 0, XV_USE_BEARER, 0 },
		{ "an ID token is not introspected", "JWT", NULL,
		    "{\"aud\":\"c-4f1b2a\"}", 0, 900, 0, 0, XV_USE_ACCESS, 0 },
		{ "an access token is no ID token hint", "at+jwt", NULL,
		    "{\"aud\":\"c-4f1b2a\"}", 0, 900, 0, 0, XV_USE_ID_HINT, 0 },
		{ "an operator token is no ID token hint", "JWT", NULL, NULL, 0,
		    900, 0, 0, XV_USE_ID_HINT, 0 },
	};
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		json_t		*h, *cl, *x, *v, *got;
		const char	*key;
		time_t		 now = time(NULL);
		char		*tok;

		t_begin("jwt_verify", "%s", c[i].what);
		h = json_pack("{s:s, s:s}", "alg", "ES256", "kid", KID);
		if (c[i].typ != NULL)
			json_object_set_new(h, "typ", json_string(c[i].typ));
		if (c[i].hdr_extra != NULL) {
			x = json_loads(c[i].hdr_extra, 0, NULL);
			json_object_update(h, x);
			json_decref(x);
		}
		cl = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}",
		    "iss", ISS, "sub", "u1", "tid", T1, "aud", ISS,
		    "client_id", XV_CLIENT_CTL, "iat", (json_int_t)now + c[i].iat,
		    "exp", (json_int_t)now + c[i].exp, "jti", "j1");
		if (c[i].nbf_set)
			json_object_set_new(cl, "nbf",
			    json_integer(now + c[i].nbf));
		if (c[i].cl_extra != NULL) {
			x = json_loads(c[i].cl_extra, 0, NULL);
			json_object_foreach(x, key, v) {
				if (json_is_null(v))
					json_object_del(cl, key);
				else
					json_object_set(cl, key, v);
			}
			json_decref(x);
		}
		tok = xv_jws_sign(k, h, cl);
		got = tok ? xv_jwt_verify(tok, c[i].use) : NULL;
		EXPECT(tok != NULL, "cannot sign");
		EXPECT((got != NULL) == c[i].ok, "%s", c[i].ok ?
		    "refused" : "accepted");
		EXPECT(got == NULL || json_equal(got, cl),
		    "claims not returned as signed");
		json_decref(got);
		json_decref(h);
		json_decref(cl);
		free(tok);
	}
}

/* A token peeked at is only parsed: no signature, no key, no database. */
static void
test_jwt_peek(struct xv_eckey *k2)
{
	json_t	*h = json_pack("{s:s, s:s, s:s}", "alg", "ES256", "typ",
		    "at+jwt", "kid", "unit-unknown");
	json_t	*cl = json_pack("{s:s, s:s}", "tid", T1, "jti", "j1"), *got;
	char	*tok = xv_jws_sign(k2, h, cl);

	t_begin("jwt_peek", "claims of a token under an unknown kid");
	xv_keys_unavailable_reset();
	got = tok ? xv_jwt_peek(tok) : NULL;
	EXPECT(got != NULL && json_equal(got, cl), "claims not read");
	EXPECT(!xv_keys_unavailable(), "a key was looked up");
	json_decref(got);
	t_begin("jwt_peek", "not a JWS");
	EXPECT(xv_jwt_peek("abc") == NULL && xv_jwt_peek("a.!!.c") == NULL,
	    "parsed");
	t_end();
	json_decref(h);
	json_decref(cl);
	free(tok);
}

/*
 * libjwt, an independent JOSE implementation, accepts what xv_jws_sign
 * makes (typ JWT: libjwt 1.10 refuses any other typ), and refuses it
 * under another key or once a byte of the payload changed.
 */
static void
test_jwt_libjwt(struct xv_eckey *k, struct xv_eckey *k2, const char *pem)
{
	char	*pem2 = xv_eckey_public_pem(k2), *tok, *bad, *d;
	json_t	*h = json_pack("{s:s, s:s, s:s}", "alg", "ES256", "typ", "JWT",
		    "kid", KID);
	json_t	*cl = json_pack("{s:s, s:s, s:I}", "iss", ISS, "sub", "u1",
		    "exp", (json_int_t)time(NULL) + 600);
	jwt_t	*j = NULL;

	tok = xv_jws_sign(k, h, cl);
	t_begin("auth_jwt", "libjwt verifies a token that xv_jws_sign made");
	EXPECT(tok != NULL && jwt_decode(&j, tok, (const unsigned char *)pem,
	    (int)strlen(pem)) == 0 && jwt_get_alg(j) == JWT_ALG_ES256 &&
	    t_streq(jwt_get_grant(j, "sub"), "u1"), "libjwt refused it");
	jwt_free(j);
	j = NULL;
	t_end();
	t_begin("auth_jwt", "libjwt refuses it under another key");
	EXPECT(tok != NULL && pem2 != NULL && jwt_decode(&j, tok,
	    (const unsigned char *)pem2, (int)strlen(pem2)) != 0,
	    "libjwt accepted it");
	jwt_free(j);
	j = NULL;
	t_end();
	t_begin("auth_jwt", "libjwt refuses it with a changed payload");
	bad = tok ? strdup(tok) : NULL;
	if (bad != NULL && (d = strchr(bad, '.')) != NULL)
		d[3] = d[3] == 'A' ? 'B' : 'A';
	EXPECT(bad != NULL && jwt_decode(&j, bad, (const unsigned char *)pem,
	    (int)strlen(pem)) != 0, "libjwt accepted it");
	jwt_free(j);
	t_end();
	free(bad);
	free(tok);
	free(pem2);
	json_decref(h);
	json_decref(cl);
}

void
test_auth(void)
{
	struct xv_eckey	*k, *k2;
	char		*pem;

	setenv("XAVYO_ISSUER", ISS, 1);
	t_begin("auth_jwt", "set up: a key, its PEM in the cache, no database");
	k = xv_eckey_generate();
	k2 = xv_eckey_generate();
	pem = k ? xv_eckey_public_pem(k) : NULL;
	EXPECT(k != NULL && k2 != NULL && pem != NULL, "no key");
	EXPECT(xv_db_conn() == NULL, "a database connection exists");
	if (k == NULL || k2 == NULL || pem == NULL)
		goto out;
	xv_keys_cache_put(KID, pem);
	EXPECT(t_streq(xv_keys_public(KID), pem), "the cache lost the key");
	t_end();

	test_jwt_cases(k, k2, pem);
	test_jwt_malformed(k);
	test_jwt_uses(k);
	test_jwt_peek(k2);
	test_jwt_libjwt(k, k2, pem);
out:
	free(pem);
	xv_eckey_free(k);
	xv_eckey_free(k2);
	unsetenv("XAVYO_ISSUER");
}

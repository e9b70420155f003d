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
 * the tokens this library signs.  API keys ("Authorization: Bearer
 * xavyo_ak_..." or "X-API-Key") are looked up by their keyed digest on
 * every request, through xv_api_key_lookup, which filters revoked and
 * expired keys in SQL: nothing is cached, so a deleted key fails on the
 * next request in every process.  Each use of a key is counted after
 * the answer (xv_auth_key_count, _flush).  The role and scope rules are
 * those of API.md section 2, applied from the route's table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

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

/*
 * The principal of verified claims.  The tenant is kept in canonical
 * (lower) case, the one form every comparison with X-Tenant-ID and the
 * database uses.
 */
static int
claims_to_principal(json_t *c, struct xv_principal *p)
{
	const char	*sub, *tid;
	json_t		*roles, *v;
	json_int_t	 iat;
	size_t		 i;

	if (json_unpack(c, "{s:s, s:s, s:I}", "sub", &sub, "tid", &tid,
	    "iat", &iat) != 0 || strlen(sub) >= sizeof(p->sub))
		return -1;
	memset(p, 0, sizeof(*p));
	if (xv_uuid_canon(tid, p->tid) != 0)
		return -1;
	snprintf(p->sub, sizeof(p->sub), "%s", sub);
	p->iat = (long)iat;
	if (json_is_string(json_object_get(c, "sid")) &&
	    xv_uuid_canon(json_string_value(json_object_get(c, "sid")),
	    p->sid) != 0)
		return -1;
	p->is_user = json_is_string(json_object_get(c, "client_id")) &&
	    strcmp(json_string_value(json_object_get(c, "client_id")),
	    XV_CLIENT_LOGIN) == 0;
	roles = json_object_get(c, "roles");
	json_array_foreach(roles, i, v) {
		if (!json_is_string(v))
			continue;
		if (strcmp(json_string_value(v), "super_admin") == 0 &&
		    strcmp(p->tid, XV_SYSTEM_TENANT) == 0)
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

/* Whether aud (a string or an array of strings) names want. */
static int
aud_has(json_t *aud, const char *want)
{
	json_t	*v;
	size_t	 i;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), want) == 0;
	json_array_foreach(aud, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
			return 1;
	return 0;
}

/* Whether a token of typ (NULL: absent) may be presented for use. */
static int
typ_fits(const char *typ, enum xv_tok_use use)
{
	if (use == XV_USE_ID_HINT)
		return typ == NULL || strcasecmp(typ, "JWT") == 0;
	/* RFC 9068 2.1: "at+jwt", or its media type in full. */
	return typ != NULL && (strcasecmp(typ, "at+jwt") == 0 ||
	    strcasecmp(typ, "application/at+jwt") == 0);
}

/*
 * The time claims: exp in the future, iat and nbf (if any) not, within
 * the clock skew, and a lifetime no longer than token_max_ttl.
 */
static int
times_ok(json_t *claims)
{
	json_t		*nbf = json_object_get(claims, "nbf");
	json_int_t	 exp, iat, now = time(NULL);

	if (json_unpack(claims, "{s:I, s:I}", "exp", &exp, "iat", &iat) != 0)
		return 0;
	if (exp <= now || iat > now + CLOCK_SKEW || exp <= iat ||
	    exp - iat > xv_token_max_ttl())
		return 0;
	if (nbf != NULL && (!json_is_integer(nbf) ||
	    json_integer_value(nbf) > now + CLOCK_SKEW))
		return 0;
	return 1;
}

/* What the claims must say for the use they are presented for. */
static int
use_ok(json_t *claims, enum xv_tok_use use)
{
	json_t		*aud = json_object_get(claims, "aud");
	const char	*cid = json_string_value(json_object_get(claims,
			    "client_id"));

	switch (use) {
	case XV_USE_BEARER:
		/* Access tokens of our own first-party clients only. */
		return aud_has(aud, xv_audience()) && cid != NULL &&
		    (strcmp(cid, XV_CLIENT_CTL) == 0 ||
		    strcmp(cid, XV_CLIENT_LOGIN) == 0);
	case XV_USE_ACCESS:
		return aud_has(aud, xv_audience()) && cid != NULL;
	case XV_USE_ID_HINT:
		/* An ID token's audience is a client, never the API. */
		return aud != NULL && json_object_get(claims, "sub") != NULL &&
		    !aud_has(aud, xv_audience());
	}
	return 0;
}

/*
 * Checks tok for use: shape; header (ES256, kid, the use's typ, no
 * crit: no extension is understood here, RFC 7515 4.1.11); signature
 * unless signed_ok says this process already checked it; issuer, times,
 * audience and client.  Returns the claims (caller decrefs).
 */
static json_t *
verify(const char *tok, enum xv_tok_use use, int signed_ok)
{
	const char	*d1, *d2, *alg, *kid, *iss;
	json_t		*hdr = NULL, *claims = NULL;
	int		 ok = 0;

	if ((d1 = strchr(tok, '.')) == NULL || (d2 = strchr(d1 + 1, '.')) == NULL ||
	    strchr(d2 + 1, '.') != NULL || d2[1] == '\0')
		goto out;
	if ((hdr = segment_json(tok, d1 - tok)) == NULL)
		goto out;
	if (json_unpack(hdr, "{s:s, s:s}", "alg", &alg, "kid", &kid) != 0 ||
	    strcmp(alg, "ES256") != 0 || json_object_get(hdr, "crit") != NULL ||
	    !typ_fits(json_string_value(json_object_get(hdr, "typ")), use))
		goto out;
	if (json_object_get(hdr, "typ") != NULL &&
	    !json_is_string(json_object_get(hdr, "typ")))
		goto out;
	if (!signed_ok && !es256_check(kid, tok, d2))
		goto out;
	if ((claims = segment_json(d1 + 1, d2 - d1 - 1)) == NULL)
		goto out;
	if (json_unpack(claims, "{s:s}", "iss", &iss) != 0 ||
	    strcmp(iss, xv_issuer()) != 0 || !times_ok(claims) ||
	    !use_ok(claims, use))
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
 * The signatures this process checked, by the SHA-256 of the token's
 * text, with the token's expiry.  A token's signature never changes, so
 * a hit skips only the ES256 check (about 100 us); the header and claims
 * are parsed and checked again for the use at hand, and whatever can
 * change (revocation, suspension, a client's state) is read from
 * PostgreSQL by the callers on every request as before.  No key outlives
 * its tokens (retired keys stay valid token_max_ttl, which no token's
 * lifetime exceeds), so a hit never accepts a token that a fresh check
 * would refuse.  40 bytes an entry: 4-way sets, 32,768 entries, about
 * 1.3 MB a process, enough for the live tokens that resource servers
 * introspect again and again.
 */
#define VSETS	8192
#define VWAYS	4

static struct {
	unsigned char	 digest[32];
	json_int_t	 exp;
} vcache[VSETS][VWAYS];

json_t *
xv_jwt_verify(const char *tok, enum xv_tok_use use)
{
	unsigned char	 d[32];
	json_t		*claims;
	json_int_t	 now = time(NULL), exp;
	unsigned	 set, w, victim = 0;
	int		 hit = 0;

	xv_keys_unavailable_reset();
	if (xv_sha256(tok, strlen(tok), d) != 0)
		return NULL;
	set = (d[0] | d[1] << 8 | (unsigned)d[2] << 16) % VSETS;
	for (w = 0; w < VWAYS; w++) {
		if (memcmp(vcache[set][w].digest, d, sizeof(d)) == 0 &&
		    vcache[set][w].exp > now)
			hit = 1;
		if (vcache[set][w].exp < vcache[set][victim].exp)
			victim = w;
	}
	if ((claims = verify(tok, use, hit)) == NULL)
		return NULL;
	if (!hit) {
		/* Replace the way whose token expires first (or has). */
		exp = json_integer_value(json_object_get(claims, "exp"));
		memcpy(vcache[set][victim].digest, d, sizeof(d));
		vcache[set][victim].exp = exp;
	}
	return claims;
}

/*
 * The claims of tok, unverified: for reading the state of the token in
 * the same round trip as its presenter's, before the presenter is
 * authenticated and any key is looked up.  Nothing read here may be
 * trusted until xv_jwt_verify accepts the same token.
 */
json_t *
xv_jwt_peek(const char *tok)
{
	const char *d1, *d2;

	if ((d1 = strchr(tok, '.')) == NULL || (d2 = strchr(d1 + 1, '.')) == NULL)
		return NULL;
	return segment_json(d1 + 1, d2 - d1 - 1);
}

/*
 * Whether the session a login token names still holds (logout, eviction,
 * reuse of a rotated refresh token, a password change or the user's
 * disabling end it): asked of PostgreSQL on every request, through the
 * SECURITY DEFINER xv_session_alive, so that an ended session's tokens
 * fail at once in every process of every program.
 */
static enum xv_err
session_alive(struct xv_req *req, struct xv_principal *p)
{
	const char	*q[2] = { p->sid, p->tid };
	PGresult	*r = NULL;
	enum xv_err	 rc;
	int		 alive;

	(void)req;
	if ((rc = xv_db_ensure()) == XV_OK &&
	    (r = xv_db_lib(XV_ST_SESSION_ALIVE, 2, q, &rc)) == NULL &&
	    rc == XV_E_UNAVAILABLE && (rc = xv_db_ensure()) == XV_OK)
		r = xv_db_lib(XV_ST_SESSION_ALIVE, 2, q, &rc);
	if (r == NULL)
		return rc == XV_E_UNAVAILABLE ? rc : XV_E_UNAVAILABLE;
	alive = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return alive ? XV_OK : XV_E_UNAUTHORIZED;
}

/*
 * The answer to a login token whose session has ended, as the caller
 * that accepted the token would have given it (sess_code, sess_detail):
 * whatever was answered before is dropped.
 */
enum xv_err
xv_auth_session_dead(struct xv_req *req)
{
	const char *detail = req->sess_detail ? req->sess_detail :
	    "invalid or expired token";

	req->answered = 0;
	req->headers.len = 0;
	req->authed = 0;
	xv_resp_header(req, "WWW-Authenticate", XV_CHALLENGE_INVALID);
	if (req->sess_code != NULL)
		return xv_fail_code(req, XV_E_UNAUTHORIZED, req->sess_code,
		    NULL, detail);
	return xv_fail(req, XV_E_UNAUTHORIZED, NULL, "%s", detail);
}

/*
 * Checks now a session whose check was deferred (sess_pending) and
 * still is: for a request that stops (rc, its answer so far) or has no
 * transaction to carry the check.  An ended session's 401 replaces rc,
 * as it came first when the check was not deferred.
 */
enum xv_err
xv_auth_session_now(struct xv_req *req, enum xv_err rc)
{
	enum xv_err e;

	if (!req->sess_pending)
		return rc;
	req->sess_pending = 0;
	if ((e = session_alive(req, &req->who)) == XV_OK)
		return rc;
	if (e == XV_E_UNAUTHORIZED) {
		req->sess_dead = 1;
		return xv_auth_session_dead(req);
	}
	req->answered = 0;
	req->headers.len = 0;
	return xv_fail(req, XV_E_UNAVAILABLE, NULL, "database unavailable");
}

/*
 * Verifies a bearer JWT and fills *p; 401 for anything wrong.  A login
 * token's session is checked here, or, for the request's own principal
 * when dispatch allows it (sess_may), with the transaction's first
 * statement (sess_pending; XV_ST_ENTER_SESSION).
 */
enum xv_err
xv_auth_jwt(struct xv_req *req, const char *tok, struct xv_principal *p)
{
	json_t		*claims;
	enum xv_err	 rc = XV_E_UNAUTHORIZED;

	if ((claims = xv_jwt_verify(tok, XV_USE_BEARER)) != NULL &&
	    claims_to_principal(claims, p) == 0)
		rc = XV_OK;
	json_decref(claims);
	/* A login token holds only while its session does, in every program. */
	if (rc == XV_OK && p->sid[0] != '\0') {
		if (req->sess_may && p == &req->who)
			req->sess_pending = 1;
		else
			rc = session_alive(req, p);
	}
	if (rc == XV_E_UNAVAILABLE)
		return xv_fail(req, rc, NULL, "database unavailable");
	/* A key that could not be read is the database's fault, not the token's. */
	if (rc != XV_OK && xv_keys_unavailable())
		return xv_fail(req, XV_E_UNAVAILABLE, NULL, "database unavailable");
	if (rc != XV_OK)
		xv_fail(req, rc, NULL, "invalid or expired token");
	return rc;
}

#define PREFIX_LEN	(sizeof(XV_APIKEY_PREFIX) - 1)

/* The digest of a well-formed key under api_key_secret (see xv.h). */
int
xv_auth_key_hash(const char *key, char out[65])
{
	const char	*secret = xv_conf_get("api_key_secret", NULL);
	size_t		 i;

	if (strncmp(key, XV_APIKEY_PREFIX, PREFIX_LEN) != 0 ||
	    strlen(key) != XV_APIKEY_LEN)
		return -1;
	for (i = PREFIX_LEN; i < XV_APIKEY_LEN; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_", key[i]) == NULL)
			return -1;
	if (secret == NULL || strlen(secret) < 32)
		return -2;
	return xv_hmac_sha256_hex(secret, key, out) == 0 ? 0 : -2;
}

const char *const xv_scope_names[] = { "read", "write", "admin", NULL };

/* The bits of a space-separated scope list (unknown names: none). */
static unsigned
scope_bits(const char *s)
{
	unsigned	 bits = 0;
	size_t		 k, n;

	for (; *s != '\0'; s += n + (s[n] == ' ')) {
		n = strcspn(s, " ");
		for (k = 0; xv_scope_names[k] != NULL; k++)
			if (strlen(xv_scope_names[k]) == n &&
			    strncmp(s, xv_scope_names[k], n) == 0)
				bits |= 1u << k;
	}
	return bits;
}

/*
 * Looks the key up by its digest (outside the request's transaction,
 * before the tenant is known) and makes it the request's principal.
 */
enum xv_err
xv_auth_key(struct xv_req *req, const char *key)
{
	struct xv_principal	*w = &req->who;
	char			 hash[65];
	const char		*p[1] = { hash };
	PGresult		*r = NULL;
	enum xv_err		 rc;
	int			 h;

	if ((h = xv_auth_key_hash(key, hash)) == -2) {
		xv_log("error", __func__, req->request_id,
		    "api_key_secret is missing or too short");
		return xv_fail(req, XV_E_INTERNAL, NULL,
		    "API keys are not configured");
	}
	if (h != 0)
		return xv_fail(req, XV_E_UNAUTHORIZED, NULL,
		    "invalid, expired or revoked API key");
	/* Once more if the server had dropped an idle connection. */
	if ((rc = xv_db_ensure()) == XV_OK &&
	    (r = xv_db_lib(XV_ST_APIKEY_LOOKUP, 1, p, &rc)) == NULL &&
	    rc == XV_E_UNAVAILABLE && (rc = xv_db_ensure()) == XV_OK)
		r = xv_db_lib(XV_ST_APIKEY_LOOKUP, 1, p, &rc);
	if (r == NULL)
		return xv_fail(req, rc, NULL, "cannot check the API key");
	if (PQntuples(r) != 1) {
		PQclear(r);
		return xv_fail(req, XV_E_UNAUTHORIZED, NULL,
		    "invalid, expired or revoked API key");
	}
	memset(w, 0, sizeof(*w));
	snprintf(w->key_id, sizeof(w->key_id), "%s", PQgetvalue(r, 0, 0));
	snprintf(w->tid, sizeof(w->tid), "%s", PQgetvalue(r, 0, 1));
	snprintf(w->sub, sizeof(w->sub), "apikey:%s", w->key_id);
	memcpy(w->key_hash, hash, sizeof(w->key_hash));
	w->scopes = scope_bits(PQgetvalue(r, 0, 2));
	w->is_key = 1;
	PQclear(r);
	return XV_OK;
}

/*
 * Uses of API keys are counted in memory after each answer and written
 * by xv_auth_key_flush: at once when no other request waits for this
 * process, else every FLUSH_USES uses or FLUSH_SECS seconds.  An idle
 * or lightly loaded process thus writes after every request, and a busy
 * one writes one row for many requests instead of one row for each.
 */
#define PENDING_MAX	16	/* keys and days counted but not written */
#define FLUSH_USES	100
#define FLUSH_SECS	1

static struct {
	char	 hash[65];
	char	 key_id[XV_UUID_LEN + 1];
	long	 day;		/* UTC day of the uses */
	long	 uses;
	time_t	 last;
} pending[PENDING_MAX];
static size_t	npending;
static long	pending_uses;
static time_t	pending_since;

/*
 * Writes the pending counts, each in a transaction of its own that
 * commits without waiting for the disk; see xv_auth_key_count.  Unless
 * idle is set, only when enough uses or time have gathered.  A failure
 * loses those counts, with a log line; it never reaches a client.
 */
void
xv_auth_key_flush(int idle)
{
	char		 shard[8], day[16], uses[24], last[24];
	const char	*p[5] = { NULL, shard, day, uses, last };
	time_t		 t;
	struct tm	 tm;
	PGresult	*r;
	enum xv_err	 e;
	size_t		 i;

	if (npending == 0 || (!idle && pending_uses < FLUSH_USES &&
	    time(NULL) - pending_since < FLUSH_SECS))
		return;
	snprintf(shard, sizeof(shard), "%d", (int)(getpid() % XV_APIKEY_SHARDS));
	for (i = 0; i < npending; i++) {
		t = (time_t)pending[i].day * 86400;
		gmtime_r(&t, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		snprintf(uses, sizeof(uses), "%ld", pending[i].uses);
		snprintf(last, sizeof(last), "%lld", (long long)pending[i].last);
		p[0] = pending[i].hash;
		if (xv_db_ensure() == XV_OK &&
		    (r = xv_db_lib(XV_ST_APIKEY_COUNT, 5, p, &e)) != NULL)
			PQclear(r);
		else
			xv_log("error", __func__, NULL, "cannot count %ld uses "
			    "of API key %s", pending[i].uses, pending[i].key_id);
	}
	explicit_bzero(pending, sizeof(pending));
	npending = 0;
	pending_uses = 0;
}

/*
 * Counts one use of the request's API key, if it was authenticated by
 * one, whatever the answer.  route.c calls it once the answer has gone,
 * then xv_auth_key_flush.
 */
void
xv_auth_key_count(struct xv_req *req)
{
	time_t	 now = time(NULL);
	long	 day = now / 86400;
	size_t	 i;

	if (!req->authed || !req->who.is_key)
		return;
	for (i = 0; i < npending; i++)
		if (pending[i].day == day &&
		    xv_ct_equal(pending[i].hash, req->who.key_hash, 64))
			break;
	if (i == PENDING_MAX) {
		xv_auth_key_flush(1);
		i = 0;
	}
	if (i == npending) {
		memcpy(pending[i].hash, req->who.key_hash, sizeof(pending[i].hash));
		memcpy(pending[i].key_id, req->who.key_id,
		    sizeof(pending[i].key_id));
		pending[i].day = day;
		pending[i].uses = 0;
		npending++;
	}
	if (pending_uses++ == 0)
		pending_since = now;
	pending[i].uses++;
	pending[i].last = now;
}

/*
 * Authenticates the caller: an API key (X-API-Key, or a bearer token
 * that starts with xavyo_ak_) or a bearer JWT; 401 with a challenge if
 * neither.  Sending both headers is a 400: one request, one credential.
 */
enum xv_err
xv_auth_bearer(struct xv_req *req)
{
	const char	*h = xv_req_header(req, "HTTP_AUTHORIZATION");
	const char	*k = xv_req_header(req, "HTTP_X_API_KEY");
	enum xv_err	 rc;

	if (h != NULL && k != NULL)
		return xv_fail(req, XV_E_BAD_REQUEST, NULL,
		    "send Authorization or X-API-Key, not both");
	if (k == NULL && h != NULL && strncasecmp(h, "Bearer ", 7) == 0 &&
	    strncmp(h + 7, XV_APIKEY_PREFIX, PREFIX_LEN) == 0)
		k = h + 7;
	if (k != NULL) {
		if ((rc = xv_auth_key(req, k)) != XV_OK) {
			if (rc == XV_E_UNAUTHORIZED)
				xv_resp_header(req, "WWW-Authenticate",
				    XV_CHALLENGE_INVALID);
			return rc;
		}
		req->authed = 1;
		return XV_OK;
	}
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
		xv_resp_header(req, "WWW-Authenticate", "Bearer realm=\"xavyo\"");
		return xv_fail(req, XV_E_UNAUTHORIZED, NULL,
		    "a bearer token is required");
	}
	if ((rc = xv_auth_jwt(req, h + 7, &req->who)) != XV_OK) {
		xv_resp_header(req, "WWW-Authenticate", XV_CHALLENGE_INVALID);
		return rc;
	}
	req->authed = 1;
	return XV_OK;
}

/*
 * An API key's rules: it reaches only tenant admin routes (never system
 * ones, never routes for any signed-in user), with the scopes the route
 * declares, or else read for GET and write for the other methods.
 */
static enum xv_err
key_check(struct xv_req *req, const struct xv_route *r)
{
	unsigned need = r->scopes;

	if (r->need != XV_NEED_ADMIN)
		return xv_fail(req, XV_E_FORBIDDEN, NULL,
		    "API keys cannot be used for this operation");
	if (need == 0)
		need = req->method == XV_GET ? XV_SCOPE_READ : XV_SCOPE_WRITE;
	if ((req->who.scopes & need) != need)
		return xv_fail(req, XV_E_INSUFFICIENT_SCOPE, NULL,
		    "the API key lacks a scope this operation needs");
	return XV_OK;
}

/*
 * The role rules: super admins may do anything except use an API key on
 * system routes; admins only in their own tenant; others nothing under
 * /admin.  Runs after xv_tenant_header, so req->tenant is known.
 */
enum xv_err
xv_auth_check(struct xv_req *req, const struct xv_route *r)
{
	struct xv_principal *w = &req->who;

	if (r->need == XV_NEED_NONE)
		return XV_OK;
	if (r->need == XV_NEED_SUPER) {
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
	if (w->is_key)
		return key_check(req, r);
	if (r->need == XV_NEED_ANY)
		return XV_OK;
	if (!w->admin)
		return xv_fail(req, XV_E_FORBIDDEN, NULL,
		    "this operation needs the admin role");
	return XV_OK;
}

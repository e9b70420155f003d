/*
 * keys.c: the platform's ES256 signing keys, kept in PostgreSQL so that
 * every process on every server signs and verifies alike.  The private
 * part is sealed with the master key from configuration.  Public keys
 * never change, so each process caches them by kid; the signer is
 * re-read every key_refresh seconds (default 30) to follow rotation.
 * A rotated-in key is published key_publish_delay seconds (the JWKS's
 * max-age) before it signs, so that no relying party meets a token whose
 * key its cached JWKS lacks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "xv.h"

#define PUBCACHE 32

static struct {
	char		*kid;
	char		*pem;
	struct xv_eckey	*key;	/* parsed lazily by xv_keys_verifier */
	time_t		 at;	/* when read: re-checked after key_refresh */
} pubs[PUBCACHE];
static size_t	npubs;

static int		 lookup_unavailable;	/* last miss: database down */
static struct xv_eckey	*signer;
static char		*signer_kid;
static time_t		 signer_at;

static void
cache_drop(size_t i)
{
	free(pubs[i].kid);
	free(pubs[i].pem);
	xv_eckey_free(pubs[i].key);
	memmove(pubs + i, pubs + i + 1, sizeof(pubs[0]) * (npubs - i - 1));
	npubs--;
}

/* Adds kid's public PEM to the cache (also for unit tests without a database). */
void
xv_keys_cache_put(const char *kid, const char *pem)
{
	if (npubs == PUBCACHE)
		cache_drop(0);
	pubs[npubs].kid = strdup(kid);
	pubs[npubs].pem = strdup(pem);
	pubs[npubs].key = NULL;
	pubs[npubs].at = time(NULL);
	npubs++;
}

/* Public PEM of kid (borrowed, cached), or NULL if unknown or expired. */
const char *
xv_keys_public(const char *kid)
{
	PGresult	*r;
	enum xv_err	 e;
	char		 grace[24];
	const char	*p[2];
	size_t		 i;

	lookup_unavailable = 0;
	for (i = 0; i < npubs; i++) {
		if (strcmp(pubs[i].kid, kid) != 0)
			continue;
		/* Re-read now and then: a retired key stops verifying. */
		if (time(NULL) - pubs[i].at < xv_conf_int("key_refresh", 30))
			return pubs[i].pem;
		cache_drop(i);
		break;
	}
	snprintf(grace, sizeof(grace), "%ld", xv_token_max_ttl());
	p[0] = kid;
	p[1] = grace;
	/* Once more if the server went away since this connection's last use. */
	if ((r = xv_db_lib(XV_ST_KEY_PUBLIC, 2, p, &e)) == NULL &&
	    e == XV_E_UNAVAILABLE && xv_db_ensure() == XV_OK)
		r = xv_db_lib(XV_ST_KEY_PUBLIC, 2, p, &e);
	if (r == NULL) {
		lookup_unavailable = e == XV_E_UNAVAILABLE;
		return NULL;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		return NULL;
	}
	xv_keys_cache_put(kid, PQgetvalue(r, 0, 0));
	PQclear(r);
	return pubs[npubs - 1].pem;
}

/* 1 when the last xv_keys_public miss was the database's fault. */
int
xv_keys_unavailable(void)
{
	return lookup_unavailable;
}

void
xv_keys_unavailable_reset(void)
{
	lookup_unavailable = 0;
}

const struct xv_eckey *
xv_keys_verifier(const char *kid)
{
	size_t i;

	if (xv_keys_public(kid) == NULL)
		return NULL;
	for (i = 0; i < npubs; i++)
		if (strcmp(pubs[i].kid, kid) == 0) {
			if (pubs[i].key == NULL)
				pubs[i].key = xv_eckey_from_public_pem(pubs[i].pem);
			return pubs[i].key;
		}
	return NULL;
}

/* The current signing key (borrowed) and its kid (borrowed). */
struct xv_eckey *
xv_keys_signer(char **kid)
{
	PGresult	*r = NULL;
	unsigned char	 mk[32], *pem = NULL;
	size_t		 n = 0;
	enum xv_err	 e;
	time_t		 now = time(NULL);
	struct xv_eckey	*k = NULL;

	if (signer != NULL && now - signer_at < xv_conf_int("key_refresh", 30)) {
		*kid = signer_kid;
		return signer;
	}
	if (xv_master_key(mk) != 0) {
		xv_log("error", __func__, NULL, "master_key is not configured");
		goto out;
	}
	if ((r = xv_db_lib(XV_ST_KEY_SIGNER, 0, NULL, &e)) == NULL ||
	    PQntuples(r) != 1)
		goto out;
	if (signer_kid != NULL && strcmp(signer_kid, PQgetvalue(r, 0, 0)) == 0) {
		signer_at = now;
		goto out;
	}
	if ((pem = xv_unseal(mk, PQgetvalue(r, 0, 1), &n)) == NULL) {
		xv_log("error", __func__, NULL, "cannot unseal signing key");
		goto out;
	}
	if ((k = xv_eckey_from_pem((char *)pem)) == NULL)
		goto out;
	xv_eckey_free(signer);
	free(signer_kid);
	signer = k;
	signer_kid = strdup(PQgetvalue(r, 0, 0));
	signer_at = now;
out:
	OPENSSL_cleanse(mk, sizeof(mk));
	if (pem != NULL) {
		OPENSSL_cleanse(pem, n);
		free(pem);
	}
	PQclear(r);
	*kid = signer_kid;
	return signer;
}

/* Generates a P-256 key and stores it sealed (see xv.h). */
char *
xv_keys_rotate(long delay, enum xv_err *e)
{
	struct xv_eckey	*k = NULL;
	unsigned char	 mk[32], rnd[12];
	char		*priv = NULL, *pub = NULL, *sealed = NULL, *kid = NULL;
	char		 secs[24];
	const char	*p[4];
	PGresult	*r;

	*e = XV_E_INTERNAL;
	if (xv_master_key(mk) != 0 || (k = xv_eckey_generate()) == NULL ||
	    (priv = xv_eckey_private_pem(k)) == NULL ||
	    (pub = xv_eckey_public_pem(k)) == NULL ||
	    (sealed = xv_seal(mk, (unsigned char *)priv, strlen(priv))) == NULL ||
	    xv_random(rnd, sizeof(rnd)) != 0 ||
	    (kid = xv_b64url_encode(rnd, sizeof(rnd))) == NULL)
		goto out;
	snprintf(secs, sizeof(secs), "%ld", delay < 0 ? 0 : delay);
	p[0] = kid;
	p[1] = pub;
	p[2] = sealed;
	p[3] = secs;
	if ((r = xv_db_lib(XV_ST_KEY_INSERT, 4, p, e)) == NULL) {
		free(kid);
		kid = NULL;
		goto out;
	}
	PQclear(r);
	p[1] = secs;
	if ((r = xv_db_lib(XV_ST_KEY_RETIRE, 2, p, e)) == NULL) {
		free(kid);
		kid = NULL;
		goto out;
	}
	PQclear(r);
	*e = XV_OK;
out:
	OPENSSL_cleanse(mk, sizeof(mk));
	xv_free_secret(priv);
	free(pub);
	free(sealed);
	xv_eckey_free(k);
	return kid;
}

/*
 * An RFC 9068 access token signed ES256 with the key in use (see xv.h):
 * the one place that writes the header and the registered claims.
 */
char *
xv_access_token(const char *sub, const char *client_id, const char *tid,
    long ttl, json_t *extra)
{
	struct xv_eckey	*k;
	char		*kid, jti[XV_UUID_LEN + 1], *tok = NULL;
	json_t		*hdr = NULL, *cl = NULL;
	time_t		 now = time(NULL);

	if ((k = xv_keys_signer(&kid)) == NULL || xv_uuid_new(jti) != 0)
		return NULL;
	hdr = json_pack("{s:s, s:s, s:s}", "alg", "ES256", "typ", "at+jwt",
	    "kid", kid);
	cl = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}",
	    "iss", xv_issuer(), "sub", sub, "aud", xv_audience(),
	    "client_id", client_id, "tid", tid, "iat", (json_int_t)now,
	    "exp", (json_int_t)(now + ttl), "jti", jti);
	if (cl != NULL && extra != NULL)
		json_object_update_missing(cl, extra);
	if (hdr != NULL && cl != NULL)
		tok = xv_jws_sign(k, hdr, cl);
	json_decref(hdr);
	json_decref(cl);
	return tok;
}

/*
 * An OpenID Connect ID token (typ JWT) signed ES256 with the key in use:
 * iss, sub, aud (the client), iat, exp = now + ttl and the members of
 * extra (borrowed; never replacing those).  Caller frees.
 */
char *
xv_id_token(const char *sub, const char *aud, long ttl, json_t *extra)
{
	struct xv_eckey	*k;
	char		*kid, *tok = NULL;
	json_t		*hdr = NULL, *cl = NULL;
	time_t		 now = time(NULL);

	if ((k = xv_keys_signer(&kid)) == NULL)
		return NULL;
	hdr = json_pack("{s:s, s:s, s:s}", "alg", "ES256", "typ", "JWT",
	    "kid", kid);
	cl = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", xv_issuer(),
	    "sub", sub, "aud", aud, "iat", (json_int_t)now,
	    "exp", (json_int_t)(now + ttl));
	if (cl != NULL && extra != NULL)
		json_object_update_missing(cl, extra);
	if (hdr != NULL && cl != NULL)
		tok = xv_jws_sign(k, hdr, cl);
	json_decref(hdr);
	json_decref(cl);
	return tok;
}

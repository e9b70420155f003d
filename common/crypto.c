/*
 * crypto.c: randomness, base64url, constant-time comparison, HMAC,
 * sealing with the master key (AES-256-GCM), P-256 keys and ES256 JWS.
 * All of it is OpenSSL's libcrypto; nothing here is home-made crypto.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "xv.h"

/*
 * A key and, made at its first use and kept with it, its signing and
 * verifying contexts: setting one up (EVP_DigestSignInit) costs about a
 * fifth of an ES256 signature, so each token pays it only once per key.
 */
struct xv_eckey {
	EVP_PKEY	*pk;
	EVP_PKEY_CTX	*sign;
	EVP_PKEY_CTX	*verify;
};

/*
 * SHA-256, fetched once: OpenSSL 3 looks an algorithm up (under a lock)
 * on every implicit EVP_sha256() use, which shows in per-token costs.
 */
static const EVP_MD *
sha256(void)
{
	static EVP_MD *md;

	if (md == NULL && (md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return EVP_sha256();
	return md;
}

int
xv_random(unsigned char *p, size_t n)
{
	return RAND_bytes(p, (int)n) == 1 ? 0 : -1;
}

int
xv_sha256(const void *p, size_t n, unsigned char out[32])
{
	unsigned int len = 32;

	return EVP_Digest(p, n, out, &len, sha256(), NULL) == 1 ? 0 : -1;
}

/* Unpadded base64url of p[0..n); caller frees. */
char *
xv_b64url_encode(const unsigned char *p, size_t n)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char	*out, *o;
	size_t	 i;

	if ((out = malloc(n / 3 * 4 + 5)) == NULL)
		return NULL;
	for (i = 0, o = out; i + 2 < n; i += 3) {
		*o++ = a[p[i] >> 2];
		*o++ = a[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = a[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		*o++ = a[p[i + 2] & 63];
	}
	if (n - i == 1) {
		*o++ = a[p[i] >> 2];
		*o++ = a[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		*o++ = a[p[i] >> 2];
		*o++ = a[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = a[(p[i + 1] & 15) << 2];
	}
	*o = '\0';
	return out;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '-' ? 62 : c == '_' ? 63 : -1;
}

/* Decodes unpadded base64url; caller frees; NULL on bad input. */
unsigned char *
xv_b64url_decode(const char *s, size_t n, size_t *outlen)
{
	unsigned char	*out;
	size_t		 i, o = 0;
	unsigned	 acc = 0;
	int		 bits = 0, v;

	if (n % 4 == 1 || (out = malloc(n * 3 / 4 + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((v = b64val((unsigned char)s[i])) < 0) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (unsigned)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (acc >> bits) & 0xff;
		}
	}
	/* Canonical only: the unused low bits of the last character are 0. */
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
		free(out);
		return NULL;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

int
xv_uuid_new(char out[XV_UUID_LEN + 1])
{
	unsigned char b[16];

	if (xv_random(b, sizeof(b)) != 0)
		return -1;
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, XV_UUID_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

/* Wipes a secret string, then frees it; NULL-safe. */
void
xv_free_secret(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* 1 when equal; time depends on n only. */
int
xv_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

/*
 * A keyed HMAC-SHA-256 context per key, made once: the programs hash with
 * one or two keys for their whole life (client secrets, API keys), and
 * OpenSSL 3 would otherwise fetch the algorithms and expand the key on
 * every call.  Each use works on a copy of the initialised context.
 */
#define HMAC_KEYS 4

static EVP_MAC_CTX *
hmac_template(const char *key)
{
	static struct {
		unsigned char	 digest[32];	/* of the key, not the key */
		EVP_MAC_CTX	*ctx;
	} keys[HMAC_KEYS];
	static EVP_MAC	*mac;
	unsigned char	 d[32];
	OSSL_PARAM	 params[2];
	EVP_MAC_CTX	*ctx;
	size_t		 i;

	if (xv_sha256(key, strlen(key), d) != 0)
		return NULL;
	for (i = 0; i < HMAC_KEYS && keys[i].ctx != NULL; i++)
		if (memcmp(keys[i].digest, d, sizeof(d)) == 0)
			return keys[i].ctx;
	if (mac == NULL && (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    EVP_MAC_init(ctx, (const unsigned char *)key, strlen(key),
	    params) != 1) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	if (i == HMAC_KEYS) {		/* full: replace the last */
		i = HMAC_KEYS - 1;
		EVP_MAC_CTX_free(keys[i].ctx);
	}
	memcpy(keys[i].digest, d, sizeof(d));
	keys[i].ctx = ctx;
	return ctx;
}

int
xv_hmac_sha256_hex(const char *key, const char *msg, char out[65])
{
	EVP_MAC_CTX	*t, *c = NULL;
	unsigned char	 md[32];
	size_t		 mdlen = 0;
	int		 i, rc = -1;

	if ((t = hmac_template(key)) == NULL || (c = EVP_MAC_CTX_dup(t)) == NULL ||
	    EVP_MAC_update(c, (const unsigned char *)msg, strlen(msg)) != 1 ||
	    EVP_MAC_final(c, md, &mdlen, sizeof(md)) != 1 || mdlen != 32)
		goto out;
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	rc = 0;
out:
	EVP_MAC_CTX_free(c);
	OPENSSL_cleanse(md, sizeof(md));
	return rc;
}

/* 0..15 for a hex digit, else -1 (isxdigit alone: no other byte passes). */
static int
hexval(char c)
{
	if (!isxdigit((unsigned char)c))
		return -1;
	return isdigit((unsigned char)c) ? c - '0' :
	    tolower((unsigned char)c) - 'a' + 10;
}

/* The 32-byte master key from configuration (64 hex digits). */
int
xv_master_key(unsigned char out[32])
{
	return xv_hex32(xv_conf_get("master_key", NULL), out);
}

int
xv_hex32(const char *h, unsigned char out[32])
{
	int	i, hi, lo;

	if (h == NULL || strlen(h) != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		if ((hi = hexval(h[2 * i])) < 0 ||
		    (lo = hexval(h[2 * i + 1])) < 0) {
			OPENSSL_cleanse(out, 32);
			return -1;
		}
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* AES-256-GCM: base64url(iv[12] | ciphertext | tag[16]); caller frees. */
char *
xv_seal(const unsigned char *key, const unsigned char *pt, size_t n)
{
	EVP_CIPHER_CTX	*c = NULL;
	unsigned char	*buf = NULL;
	char		*out = NULL;
	int		 len, fl;

	if ((buf = malloc(12 + n + 16)) == NULL ||
	    (c = EVP_CIPHER_CTX_new()) == NULL || xv_random(buf, 12) != 0)
		goto out;
	if (EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, buf) != 1 ||
	    EVP_EncryptUpdate(c, buf + 12, &len, pt, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(c, buf + 12 + len, &fl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16,
	    buf + 12 + n) != 1)
		goto out;
	out = xv_b64url_encode(buf, 12 + n + 16);
out:
	EVP_CIPHER_CTX_free(c);
	free(buf);
	return out;
}

/* Opens what xv_seal made; NULL if tampered; caller wipes and frees. */
unsigned char *
xv_unseal(const unsigned char *key, const char *sealed, size_t *ptlen)
{
	EVP_CIPHER_CTX	*c = NULL;
	unsigned char	*raw = NULL, *pt = NULL;
	size_t		 n = 0;
	int		 len, fl, ok = 0;

	if ((raw = xv_b64url_decode(sealed, strlen(sealed), &n)) == NULL ||
	    n < 28 || (pt = malloc(n - 28 + 1)) == NULL ||
	    (c = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, raw) == 1 &&
	    EVP_DecryptUpdate(c, pt, &len, raw + 12, (int)(n - 28)) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16,
	    raw + n - 16) == 1 &&
	    EVP_DecryptFinal_ex(c, pt + len, &fl) == 1)
		ok = 1;
out:
	EVP_CIPHER_CTX_free(c);
	free(raw);
	if (!ok) {
		if (pt != NULL)
			OPENSSL_cleanse(pt, n - 28);
		free(pt);
		return NULL;
	}
	pt[n - 28] = '\0';
	*ptlen = n - 28;
	return pt;
}

struct xv_eckey *
xv_eckey_generate(void)
{
	struct xv_eckey *k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	if ((k->pk = EVP_EC_gen("P-256")) == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

struct xv_eckey *
xv_eckey_from_pem(const char *pem)
{
	struct xv_eckey	*k;
	BIO		*b;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	if ((b = BIO_new_mem_buf(pem, -1)) != NULL)
		k->pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (k->pk == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

static char *
bio_string(BIO *b)
{
	char	*data, *out;
	long	 n = BIO_get_mem_data(b, &data);

	if (n <= 0 || (out = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(out, data, n);
	out[n] = '\0';
	return out;
}

char *
xv_eckey_private_pem(const struct xv_eckey *k)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*s = NULL;

	if (b != NULL && PEM_write_bio_PrivateKey(b, k->pk, NULL, NULL, 0,
	    NULL, NULL) == 1)
		s = bio_string(b);
	BIO_free(b);
	return s;
}

char *
xv_eckey_public_pem(const struct xv_eckey *k)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*s = NULL;

	if (b != NULL && PEM_write_bio_PUBKEY(b, k->pk) == 1)
		s = bio_string(b);
	BIO_free(b);
	return s;
}

static char *
bn_b64(const BIGNUM *bn)
{
	unsigned char buf[32];

	if (BN_bn2binpad(bn, buf, 32) != 32)
		return NULL;
	return xv_b64url_encode(buf, 32);
}

/* The public JWK (RFC 7517) of a P-256 public key PEM; caller decrefs. */
json_t *
xv_eckey_jwk(const char *pem, const char *kid)
{
	BIO		*b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY	*pk = NULL;
	BIGNUM		*x = NULL, *y = NULL;
	char		*xs = NULL, *ys = NULL;
	json_t		*j = NULL;

	if (b == NULL || (pk = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL)) == NULL)
		goto out;
	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1)
		goto out;
	if ((xs = bn_b64(x)) == NULL || (ys = bn_b64(y)) == NULL)
		goto out;
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "EC",
	    "crv", "P-256", "x", xs, "y", ys, "kid", kid, "use", "sig",
	    "alg", "ES256");
out:
	free(xs);
	free(ys);
	BN_free(x);
	BN_free(y);
	EVP_PKEY_free(pk);
	BIO_free(b);
	return j;
}

struct xv_eckey *
xv_eckey_from_public_pem(const char *pem)
{
	struct xv_eckey	*k;
	BIO		*b;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	if ((b = BIO_new_mem_buf(pem, -1)) != NULL)
		k->pk = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	BIO_free(b);
	if (k->pk == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

/* k's context for sign (1) or verify (0), initialised once. */
static EVP_PKEY_CTX *
eckey_ctx(const struct xv_eckey *ck, int sign)
{
	struct xv_eckey	*k = (struct xv_eckey *)ck;
	EVP_PKEY_CTX	**c = sign ? &k->sign : &k->verify;

	if (*c != NULL)
		return *c;
	if ((*c = EVP_PKEY_CTX_new_from_pkey(NULL, k->pk, NULL)) == NULL)
		return NULL;
	if ((sign ? EVP_PKEY_sign_init(*c) : EVP_PKEY_verify_init(*c)) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(*c, sha256()) != 1) {
		EVP_PKEY_CTX_free(*c);
		*c = NULL;
	}
	return *c;
}

/* 1 if sig (raw R || S, 64 bytes) is k's ES256 signature over data. */
int
xv_eckey_verify(const struct xv_eckey *k, const char *data, size_t len,
    const unsigned char *sig, size_t siglen)
{
	EVP_PKEY_CTX	*c;
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r = NULL, *s = NULL;
	unsigned char	*der = NULL, dg[32];
	int		 derlen, ok = 0;

	if (siglen != 64 || (es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, 32, NULL)) == NULL ||
	    (s = BN_bin2bn(sig + 32, 32, NULL)) == NULL)
		goto out;
	if (ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL;
	if ((derlen = i2d_ECDSA_SIG(es, &der)) <= 0)
		goto out;
	if ((c = eckey_ctx(k, 0)) == NULL || xv_sha256(data, len, dg) != 0)
		goto out;
	ok = EVP_PKEY_verify(c, der, (size_t)derlen, dg, sizeof(dg)) == 1;
out:
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return ok;
}

void
xv_eckey_free(struct xv_eckey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_CTX_free(k->sign);
	EVP_PKEY_CTX_free(k->verify);
	EVP_PKEY_free(k->pk);
	free(k);
}

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

/* ES256 over header.claims: the JWS signature is raw R || S (RFC 7518). */
char *
xv_jws_sign(const struct xv_eckey *k, json_t *header, json_t *claims)
{
	EVP_PKEY_CTX	*pc;
	ECDSA_SIG	*sig = NULL;
	const BIGNUM	*r, *s;
	unsigned char	 der[80], raw[64], dg[32];
	const unsigned char *dp = der;
	size_t		 derlen = sizeof(der);
	char		*h = NULL, *c = NULL, *sg = NULL, *out = NULL;
	struct xv_buf	 in = { 0 };

	if ((h = b64_json(header)) == NULL || (c = b64_json(claims)) == NULL)
		goto out;
	xv_buf_addf(&in, "%s.", h);
	xv_buf_add(&in, c, strlen(c));
	if ((pc = eckey_ctx(k, 1)) == NULL ||
	    xv_sha256(in.p, in.len, dg) != 0 ||
	    EVP_PKEY_sign(pc, der, &derlen, dg, sizeof(dg)) != 1)
		goto out;
	if ((sig = d2i_ECDSA_SIG(NULL, &dp, (long)derlen)) == NULL)
		goto out;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, raw, 32) != 32 || BN_bn2binpad(s, raw + 32, 32) != 32)
		goto out;
	if ((sg = xv_b64url_encode(raw, 64)) == NULL)
		goto out;
	xv_buf_addf(&in, ".%s", sg);
	out = in.p;
	in.p = NULL;
out:
	xv_buf_free(&in);
	ECDSA_SIG_free(sig);
	explicit_bzero(dg, sizeof(dg));
	free(h);
	free(c);
	free(sg);
	return out;
}

/* RFC 7636 4.1-4.2: a code_challenge of S256 is 43 base64url characters. */
int
xv_pkce_challenge_valid(const char *c)
{
	size_t i;

	for (i = 0; c != NULL && c[i] != '\0'; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_", c[i]) == NULL)
			return 0;
	return i == 43;
}

/*
 * RFC 7636 4.6: the verifier is 43 to 128 unreserved characters and
 * BASE64URL(SHA256(verifier)) equals the challenge, compared in
 * constant time.  1 if so, else 0.
 */
int
xv_pkce_ok(const char *verifier, const char *challenge)
{
	unsigned char	 d[32];
	char		*b;
	size_t		 i, n = verifier ? strlen(verifier) : 0;
	int		 ok;

	if (n < 43 || n > 128 || !xv_pkce_challenge_valid(challenge))
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-._~", verifier[i]) == NULL)
			return 0;
	if (xv_sha256(verifier, n, d) != 0 ||
	    (b = xv_b64url_encode(d, sizeof(d))) == NULL)
		return 0;
	ok = strlen(b) == strlen(challenge) &&
	    xv_ct_equal(b, challenge, strlen(b));
	free(b);
	return ok;
}

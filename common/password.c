/*
 * password.c: user passwords and one-time codes.
 *
 * Passwords are hashed with Argon2id (libargon2) in the PHC encoded form,
 * which carries its own parameters and salt, so that a later release can
 * raise them and xv_pw_stale tells which stored hashes to redo at the
 * next login.  The parameters are OWASP's (2023): 19 MiB, two passes,
 * one lane.  xv_pw_dummy gives unknown users a hash to verify against,
 * so that a login takes as long whether or not the email exists.
 * xv_pw_policy checks a candidate against a tenant's password_policy
 * and names every rule it breaks.  TOTP (RFC 6238, on RFC 4226's HOTP)
 * uses HMAC-SHA-1 from libcrypto.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "xv.h"

#define PW_T		2
#define PW_M		19456		/* KiB */
#define PW_P		1
#define PW_SALT		16
#define PW_LEN		32

char *
xv_pw_hash(const char *pw)
{
	unsigned char	 salt[PW_SALT];
	size_t		 n = argon2_encodedlen(PW_T, PW_M, PW_P, PW_SALT, PW_LEN,
			    Argon2_id);
	char		*out;

	if (xv_random(salt, sizeof(salt)) != 0 || (out = malloc(n)) == NULL)
		return NULL;
	if (argon2id_hash_encoded(PW_T, PW_M, PW_P, pw, strlen(pw), salt,
	    sizeof(salt), PW_LEN, out, n) != ARGON2_OK) {
		free(out);
		return NULL;
	}
	return out;
}

int
xv_pw_verify(const char *encoded, const char *pw)
{
	if (encoded == NULL || strncmp(encoded, "$argon2id$", 10) != 0)
		return 0;
	return argon2id_verify(encoded, pw, strlen(pw)) == ARGON2_OK;
}

int
xv_pw_stale(const char *encoded)
{
	unsigned	m = 0, t = 0, p = 0;

	if (encoded == NULL || sscanf(encoded, "$argon2id$v=19$m=%u,t=%u,p=%u",
	    &m, &t, &p) != 3)
		return 1;
	return m < PW_M || t < PW_T || p < PW_P;
}

const char *
xv_pw_dummy(void)
{
	static char	*dummy;

	if (dummy == NULL)
		dummy = xv_pw_hash("not a password: equal time for unknown users");
	return dummy;
}

/* policy: the tenant's password_policy object (borrowed). */
json_t *
xv_pw_policy(json_t *policy, const char *pw)
{
	json_t		*v = json_array();
	json_int_t	 min = json_integer_value(json_object_get(policy,
			    "min_length"));
	int		 up = 0, lo = 0, num = 0, sp = 0;
	const unsigned char *s;

	for (s = (const unsigned char *)pw; *s != '\0'; s++) {
		if (isupper(*s))
			up = 1;
		else if (islower(*s))
			lo = 1;
		else if (isdigit(*s))
			num = 1;
		else
			sp = 1;		/* punctuation, spaces, non-ASCII */
	}
	if (min < 8)
		min = 8;
	if (xv_utf8_len(pw) == SIZE_MAX || (json_int_t)xv_utf8_len(pw) < min)
		json_array_append_new(v, json_string("min_length"));
	if (strlen(pw) > 1024)
		json_array_append_new(v, json_string("max_length"));
	if (json_is_true(json_object_get(policy, "require_uppercase")) && !up)
		json_array_append_new(v, json_string("require_uppercase"));
	if (json_is_true(json_object_get(policy, "require_lowercase")) && !lo)
		json_array_append_new(v, json_string("require_lowercase"));
	if (json_is_true(json_object_get(policy, "require_numbers")) && !num)
		json_array_append_new(v, json_string("require_numbers"));
	if (json_is_true(json_object_get(policy, "require_special_chars")) &&
	    !sp)
		json_array_append_new(v, json_string("require_special_chars"));
	return v;
}

/* 422 password_policy with every rule broken (steals v). */
enum xv_err
xv_pw_problem(struct xv_req *req, json_t *v)
{
	json_t	*p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:o}", "type",
		    "urn:xavyo:error:password_policy", "title",
		    xv_err_title(XV_E_UNPROCESSABLE), "status", 422, "detail",
		    "the password breaks the tenant's password policy", "error",
		    "password_policy", "violations", v);
	char	*s = p ? json_dumps(p, JSON_COMPACT) : NULL;
	enum xv_err rc;

	json_decref(p);
	if (s == NULL)
		return xv_fail(req, XV_E_INTERNAL, NULL, "out of memory");
	rc = xv_resp_raw(req, 422, "application/problem+json", s, strlen(s));
	free(s);
	return rc == XV_OK ? XV_DONE : rc;
}

char *
xv_pw_rule_words(json_t *policy, const char *rule)
{
	static const struct {
		const char	*rule, *words;
	} w[] = {
		{ "max_length", "At most 1024 bytes" },
		{ "require_uppercase", "An uppercase letter (A-Z)" },
		{ "require_lowercase", "A lowercase letter (a-z)" },
		{ "require_numbers", "A digit (0-9)" },
		{ "require_special_chars",
		    "A character that is not a letter or digit" },
	};
	json_int_t	 min = json_integer_value(json_object_get(policy,
			    "min_length"));
	char		*s = NULL;
	size_t		 i;

	if (strcmp(rule, "min_length") == 0) {
		if (asprintf(&s, "At least %lld characters",
		    (long long)(min < 8 ? 8 : min)) < 0)
			s = NULL;
		return s;
	}
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(rule, w[i].rule) == 0)
			return strdup(w[i].words);
	return strdup(rule);
}

/* ---- TOTP ---- */

int
xv_totp(const unsigned char *key, size_t keylen, uint64_t step,
    char out[7])
{
	unsigned char	 msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0, off;
	uint32_t	 bin;
	int		 i;

	for (i = 7; i >= 0; i--, step >>= 8)
		msg[i] = step & 0xff;
	if (HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof(msg), mac,
	    &maclen) == NULL || maclen != 20)
		return -1;
	off = mac[19] & 0x0f;
	bin = ((uint32_t)(mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) |
	    (mac[off + 2] << 8) | mac[off + 3];
	snprintf(out, 7, "%06u", bin % 1000000);
	explicit_bzero(mac, sizeof(mac));
	return 0;
}

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

char *
xv_base32_encode(const unsigned char *p, size_t n)
{
	char		*out = malloc(n * 8 / 5 + 2), *o = out;
	unsigned	 buf = 0, bits = 0;
	size_t		 i;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		buf = (buf << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			*o++ = b32[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		*o++ = b32[(buf << (5 - bits)) & 31];
	*o = '\0';
	return out;
}

/*
 * The step (time / 30) whose code matches, within one step either way
 * of now and later than last (each step's code is used once), or -1.
 * The comparison is constant-time.
 */
long long
xv_totp_check(const unsigned char *key, size_t keylen, const char *code,
    time_t now, long long last)
{
	long long	 step = (long long)now / 30, s, found = -1;
	char		 c[7];

	if (code == NULL || strlen(code) != 6)
		return -1;
	for (s = step - 1; s <= step + 1; s++) {
		if (s <= last || xv_totp(key, keylen, (uint64_t)s, c) != 0)
			continue;
		if (xv_ct_equal(c, code, 6) && found < 0)
			found = s;
	}
	return found;
}

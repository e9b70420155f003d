/*
 * test_password.c: TOTP against the test vectors of RFC 6238 appendix B
 * (SHA-1, the 20-byte key "12345678901234567890", last six digits),
 * the one-step drift window and single use, base32 (RFC 4648), Argon2id
 * hashing, verification and the stale-parameter check, and the
 * password policy's list of broken rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"
#include "test_unit.h"

static void
test_totp_vectors(void)
{
	static const struct {
		long long	 t;
		const char	*code;	/* RFC 6238's 8 digits, last 6 */
	} v[] = {
		{ 59LL, "287082" },		/* 94287082 */
		{ 1111111109LL, "081804" },	/* 07081804 */
		{ 1111111111LL, "050471" },	/* 14050471 */
		{ 1234567890LL, "005924" },	/* 89005924 */
		{ 2000000000LL, "279037" },	/* 69279037 */
		{ 20000000000LL, "353130" },	/* 65353130 */
	};
	const unsigned char	*key = (const unsigned char *)"12345678901234567890";
	char			 c[7];
	size_t			 i;

	for (i = 0; i < NELEM(v); i++) {
		t_begin("totp", "RFC 6238 vector T=%lld", v[i].t);
		EXPECT(xv_totp(key, 20, (uint64_t)(v[i].t / 30), c) == 0,
		    "xv_totp failed");
		EXPECT(strcmp(c, v[i].code) == 0, "got %s, want %s", c,
		    v[i].code);
	}
	t_begin("totp", "a code of the step before or after is accepted");
	EXPECT(xv_totp_check(key, 20, "287082", 59 + 30, 0) == 1, "step -1");
	EXPECT(xv_totp_check(key, 20, "287082", 59 - 30, -1) == 1, "step +1");
	t_begin("totp", "two steps away or already used is refused");
	EXPECT(xv_totp_check(key, 20, "287082", 59 + 60, 0) == -1, "step -2");
	EXPECT(xv_totp_check(key, 20, "287082", 59, 1) == -1, "used step");
	EXPECT(xv_totp_check(key, 20, "28708", 59, 0) == -1, "short code");
	EXPECT(xv_totp_check(key, 20, "000000", 59, 0) == -1, "wrong code");
}

static void
test_base32(void)
{
	char *s;

	t_begin("base32", "RFC 4648 vectors without padding");
	s = xv_base32_encode((const unsigned char *)"foobar", 6);
	EXPECT(t_streq(s, "MZXW6YTBOI"), "foobar: %s", t_show(s));
	free(s);
	s = xv_base32_encode((const unsigned char *)"f", 1);
	EXPECT(t_streq(s, "MY"), "f: %s", t_show(s));
	free(s);
}

static void
test_argon2(void)
{
	char	*h = xv_pw_hash("Correct-Horse-9");
	json_t	*pol, *v;

	t_begin("password", "Argon2id encoded with the OWASP parameters");
	EXPECT(h != NULL && strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$",
	    31) == 0, "hash %s", t_show(h));
	t_begin("password", "the right password verifies, others do not");
	EXPECT(xv_pw_verify(h, "Correct-Horse-9"), "right password refused");
	EXPECT(!xv_pw_verify(h, "Correct-Horse-8"), "wrong password accepted");
	EXPECT(!xv_pw_verify(NULL, "x"), "NULL hash accepted");
	EXPECT(!xv_pw_verify("$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
	    "x"), "not Argon2id accepted");
	t_begin("password", "a hash of weaker parameters is stale");
	EXPECT(!xv_pw_stale(h), "fresh hash stale");
	EXPECT(xv_pw_stale("$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaA"),
	    "m=4096 not stale");
	EXPECT(xv_pw_stale("$2y$10$abc"), "bcrypt not stale");
	free(h);

	t_begin("password", "the policy names every rule broken");
	pol = json_pack("{s:i, s:b, s:b, s:b, s:b}", "min_length", 12,
	    "require_uppercase", 1, "require_lowercase", 1,
	    "require_numbers", 1, "require_special_chars", 1);
	v = xv_pw_policy(pol, "abc");
	EXPECT(json_array_size(v) == 4, "violations %zu", json_array_size(v));
	EXPECT(t_streq(json_string_value(json_array_get(v, 0)), "min_length"),
	    "first is not min_length");
	json_decref(v);
	v = xv_pw_policy(pol, "Abcdefghij1!");
	EXPECT(json_array_size(v) == 0, "a good password broke %zu rules",
	    json_array_size(v));
	json_decref(v);
	json_decref(pol);
}

static void
test_refresh(void)
{
	const char	*ten = "0A000000-0000-4000-8000-00000000000A";
	char		*t = xv_refresh_new("0a000000-0000-4000-8000-00000000000a");
	char		*u = xv_refresh_new("0a000000-0000-4000-8000-00000000000a");
	char		 tid[XV_UUID_LEN + 1], h1[65], h2[65], bad[128];

	t_begin("refresh", "a token names its tenant and hashes to 64 hex digits");
	EXPECT(t != NULL && strlen(t) == 36 + 1 + 43, "token %s", t_show(t));
	EXPECT(xv_refresh_hash(t, tid, h1) == 0, "hash failed");
	EXPECT(strcmp(tid, "0a000000-0000-4000-8000-00000000000a") == 0,
	    "tenant %s", tid);
	EXPECT(strspn(h1, "0123456789abcdef") == 64, "digest %s", h1);
	t_begin("refresh", "two tokens differ, and so do their digests");
	EXPECT(u != NULL && strcmp(t, u) != 0, "same token twice");
	EXPECT(xv_refresh_hash(u, tid, h2) == 0 && strcmp(h1, h2) != 0,
	    "same digest");
	t_begin("refresh", "malformed tokens are refused");
	EXPECT(xv_refresh_hash(NULL, tid, h2) == -1, "NULL");
	EXPECT(xv_refresh_hash("abc", tid, h2) == -1, "short");
	snprintf(bad, sizeof(bad), "%s", t);
	bad[36] = ':';
	EXPECT(xv_refresh_hash(bad, tid, h2) == -1, "no dot");
	snprintf(bad, sizeof(bad), "%s", t);
	bad[40] = '+';
	EXPECT(xv_refresh_hash(bad, tid, h2) == -1, "not base64url");
	snprintf(bad, sizeof(bad), "%.36s%s", "not-a-uuid-not-a-uuid-not-a-uuid-xxx",
	    t + 36);
	EXPECT(xv_refresh_hash(bad, tid, h2) == -1, "tenant not a UUID");
	t_begin("refresh", "an upper-case tenant is read in canonical form");
	snprintf(bad, sizeof(bad), "%s%s", ten, t + 36);
	EXPECT(xv_refresh_hash(bad, tid, h2) == 0 &&
	    strcmp(tid, "0a000000-0000-4000-8000-00000000000a") == 0,
	    "tenant %s", tid);
	xv_free_secret(t);
	xv_free_secret(u);
}

void
test_password(void)
{
	test_refresh();
	test_totp_vectors();
	test_base32();
	test_argon2();
}

/*
 * test_crypto.c: base64url, constant-time comparison, HMAC-SHA256,
 * UUIDs and sealing with AES-256-GCM (crypto.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"
#include "test_unit.h"

static void
test_b64url(void)
{
	static const struct {
		const char	*raw;
		size_t		 n;
		const char	*enc;
	} c[] = {
		{ "", 0, "" },
		{ "f", 1, "Zg" },
		{ "fo", 2, "Zm8" },
		{ "foo", 3, "Zm9v" },
		{ "foob", 4, "Zm9vYg" },
		{ "fooba", 5, "Zm9vYmE" },
		{ "foobar", 6, "Zm9vYmFy" },
		{ "\xfb\xff", 2, "-_8" },
		{ "\xff\xff\xff", 3, "____" },
		{ "\x00\x00\x00", 3, "AAAA" },
		{ "\x00\x01\x02\xfe", 4, "AAEC_g" },
	};
	static const char *const bad[] = {
		"Z", "Zm9vY", "Zg=", "Zg==", "Zm9v+", "Zm9v/", "Zm 9v",
		"Zm9v\n", "Zm9v.", "Zm\xc3\xa9", "!!!!",
	};
	size_t	i, j, n;

	for (i = 0; i < NELEM(c); i++) {
		char		*enc;
		unsigned char	*dec;

		t_begin("b64url", "%s", c[i].enc);
		enc = xv_b64url_encode((const unsigned char *)c[i].raw, c[i].n);
		EXPECT(t_streq(enc, c[i].enc), "encoded %s, want %s",
		    t_show(enc), c[i].enc);
		n = 99;
		dec = xv_b64url_decode(c[i].enc, strlen(c[i].enc), &n);
		EXPECT(dec != NULL && n == c[i].n &&
		    memcmp(dec, c[i].raw, n) == 0,
		    "does not decode back (%zu bytes)", n);
		free(enc);
		free(dec);
	}

	t_begin("b64url", "round trips of random bytes, 0 to 100 bytes");
	for (i = 0; i <= 100; i++) {
		unsigned char	 raw[100], *dec;
		char		*enc;

		xv_random(raw, i);
		enc = xv_b64url_encode(raw, i);
		EXPECT(enc != NULL && strlen(enc) == (i * 4 + 2) / 3,
		    "length %zu encodes to %zu characters", i,
		    enc ? strlen(enc) : 0);
		n = 999;
		dec = enc ? xv_b64url_decode(enc, strlen(enc), &n) : NULL;
		EXPECT(dec != NULL && n == i && memcmp(dec, raw, i) == 0,
		    "length %zu does not round trip", i);
		for (j = 0; enc != NULL && enc[j] != '\0'; j++)
			if (enc[j] == '+' || enc[j] == '/' || enc[j] == '=')
				break;
		EXPECT(enc != NULL && enc[j] == '\0',
		    "length %zu: %s is not base64url", i, t_show(enc));
		free(enc);
		free(dec);
	}

	t_begin("b64url", "only the first n characters are decoded");
	{
		unsigned char *dec = xv_b64url_decode("Zm9vYmFy", 4, &n);

		EXPECT(dec != NULL && n == 3 && memcmp(dec, "foo", 3) == 0,
		    "Zm9vYmFy, 4 did not give foo");
		free(dec);
	}

	for (i = 0; i < NELEM(bad); i++) {
		unsigned char *dec;

		t_begin("b64url", "refuses %s", t_show(bad[i]));
		dec = xv_b64url_decode(bad[i], strlen(bad[i]), &n);
		EXPECT(dec == NULL, "decoded %zu bytes", n);
		free(dec);
	}
}

static void
test_ct_hmac_uuid(void)
{
	static const struct {
		const char	*a, *b;
		size_t		 n;
		int		 want;
	} ct[] = {
		{ "abc", "abc", 3, 1 },
		{ "abc", "abd", 3, 0 },
		{ "xbc", "abc", 3, 0 },
		{ "abc", "abd", 2, 1 },
		{ "", "", 0, 1 },
	};
	static const struct {
		const char	*key, *msg, *hex;
	} hm[] = {
		/* RFC 4231 test case 2 */
		{ "Jefe", "what do ya want for nothing?",
		    "5bdcc146bf60754e6a042426089575c7"
		    "5a003f089d2739839dec58b964ec3843" },
		{ "key", "The quick brown fox jumps over the lazy dog",
		    "f7bc83f430538424b13298e6aa6fb143"
		    "ef4d59a14946175997479dbc2d1a3cd8" },
	};
	size_t	i;

	for (i = 0; i < NELEM(ct); i++) {
		t_begin("ct_equal", "%s %s %zu", ct[i].a, ct[i].b, ct[i].n);
		EXPECT(xv_ct_equal(ct[i].a, ct[i].b, ct[i].n) == ct[i].want,
		    "want %d", ct[i].want);
	}
	for (i = 0; i < NELEM(hm); i++) {
		char out[65] = "";

		t_begin("hmac_sha256_hex", "%s", t_show(hm[i].msg));
		EXPECT(xv_hmac_sha256_hex(hm[i].key, hm[i].msg, out) == 0,
		    "failed");
		EXPECT(strcmp(out, hm[i].hex) == 0, "got %s, want %s", out,
		    hm[i].hex);
	}
	t_begin("uuid_new", "version 4, RFC 4122 variant, never twice");
	{
		char a[XV_UUID_LEN + 1], b[XV_UUID_LEN + 1];

		EXPECT(xv_uuid_new(a) == 0 && xv_uuid_new(b) == 0, "failed");
		EXPECT(xv_valid_uuid(a), "%s is not a UUID", a);
		EXPECT(a[14] == '4', "version %c", a[14]);
		EXPECT(strchr("89ab", a[19]) != NULL, "variant %c", a[19]);
		EXPECT(strcmp(a, b) != 0, "the same UUID twice");
	}
}

/* Re-encodes sealed with bit 0 of byte at flipped; caller frees. */
static char *
flip_byte(const char *sealed, long at)
{
	unsigned char	*raw;
	size_t		 n;
	char		*out;

	if ((raw = xv_b64url_decode(sealed, strlen(sealed), &n)) == NULL)
		return NULL;
	if (at < 0)
		at += (long)n;
	raw[at] ^= 1;
	out = xv_b64url_encode(raw, n);
	free(raw);
	return out;
}

static void
test_seal(void)
{
	static const char *const pts[] = {
		"", "x", "0123456789abcdef",
		"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49"
		"AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n",
	};
	static const struct {
		const char	*what;
		long		 at;	/* byte to flip; negative from the end */
	} tamper[] = {
		{ "nonce", 0 }, { "nonce end", 11 }, { "ciphertext", 12 },
		{ "ciphertext end", -17 }, { "tag", -16 }, { "tag end", -1 },
	};
	unsigned char	 key[32], key2[32];
	size_t		 i, n;
	char		*sealed, *again, *bad;
	unsigned char	*pt;
	const char	*msg = "the signing key";

	xv_random(key, sizeof(key));
	memcpy(key2, key, sizeof(key));
	key2[31] ^= 0x80;

	for (i = 0; i < NELEM(pts); i++) {
		t_begin("seal", "round trip of %zu bytes", strlen(pts[i]));
		sealed = xv_seal(key, (const unsigned char *)pts[i],
		    strlen(pts[i]));
		EXPECT(sealed != NULL, "xv_seal failed");
		if (sealed == NULL)
			continue;
		n = 999;
		pt = xv_unseal(key, sealed, &n);
		EXPECT(pt != NULL && n == strlen(pts[i]) &&
		    memcmp(pt, pts[i], n) == 0 && pt[n] == '\0',
		    "does not unseal to the plaintext");
		free(pt);
		again = xv_seal(key, (const unsigned char *)pts[i],
		    strlen(pts[i]));
		EXPECT(again != NULL && strcmp(again, sealed) != 0,
		    "sealing twice gives the same text (nonce reused)");
		free(again);
		free(sealed);
	}

	sealed = xv_seal(key, (const unsigned char *)msg, strlen(msg));
	for (i = 0; i < NELEM(tamper); i++) {
		t_begin("seal", "a flipped bit in the %s is refused",
		    tamper[i].what);
		bad = flip_byte(sealed, tamper[i].at);
		EXPECT(bad != NULL, "cannot tamper");
		pt = bad ? xv_unseal(key, bad, &n) : NULL;
		EXPECT(pt == NULL, "tampered text unsealed");
		free(pt);
		free(bad);
	}

	t_begin("seal", "the wrong key is refused");
	pt = xv_unseal(key2, sealed, &n);
	EXPECT(pt == NULL, "unsealed with another key");
	free(pt);

	t_begin("seal", "a truncated text is refused");
	bad = strdup(sealed);
	bad[strlen(bad) - 4] = '\0';
	pt = xv_unseal(key, bad, &n);
	EXPECT(pt == NULL, "truncated text unsealed");
	free(pt);
	free(bad);

	t_begin("seal", "garbage and short texts are refused");
	{
		static const char *const junk[] = {
			"", "A", "!!!!", "AAAA",
			/* 27 bytes: shorter than nonce and tag */
			"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			/* 28 zero bytes: an empty text with a wrong tag */
			"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		};

		for (i = 0; i < NELEM(junk); i++) {
			pt = xv_unseal(key, junk[i], &n);
			EXPECT(pt == NULL, "%s unsealed", t_show(junk[i]));
			free(pt);
		}
	}
	free(sealed);
}

/* master_key: 64 hex digits and nothing else (finding 6). */
static void
test_master_key(void)
{
	static const struct {
		const char	*what, *key;
		int		 ok;
	} c[] = {
		{ "hex digits", "00112233445566778899aabbccddeeff"
		    "00112233445566778899AABBCCDDEEFF", 1 },
		{ "[ is no hex digit", "0011223344556677889[aabbccddeeff"
		    "00112233445566778899aabbccddeeff", 0 },
		{ "\\ ] ^ _ ` are no hex digits", "\\]^_`1223344556677889aabbccddeeff"
		    "00112233445566778899aabbccddeeff", 0 },
		{ "g is no hex digit", "g0112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeeff", 0 },
		{ "63 digits", "0112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeeff", 0 },
	};
	unsigned char	out[32];
	size_t		i;

	for (i = 0; i < NELEM(c); i++) {
		t_begin("master_key", "%s", c[i].what);
		EXPECT((xv_hex32(c[i].key, out) == 0) == c[i].ok, "%s",
		    c[i].ok ? "refused" : "accepted");
		if (c[i].ok)
			EXPECT(out[0] == 0x00 && out[5] == 0x55 &&
			    out[31] == 0xff, "wrong bytes");
	}
	t_end();
}

void
test_crypto(void)
{
	test_master_key();
	test_b64url();
	test_ct_hmac_uuid();
	test_seal();
}

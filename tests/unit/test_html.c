/*
 * test_html.c: HTML escaping (html.c), invitation tokens and their
 * digests (invite.c), and the password rules in words (password.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"
#include "test_unit.h"

static void
test_esc(void)
{
	static const struct {
		const char	*in, *out;
	} v[] = {
		{ "", "" },
		{ "plain text", "plain text" },
		{ "<script>alert(1)</script>",
		    "&lt;script&gt;alert(1)&lt;/script&gt;" },
		{ "a & b", "a &amp; b" },
		{ "\"quoted\" 'single'", "&quot;quoted&quot; &#39;single&#39;" },
		{ "&amp;", "&amp;amp;" },
		{ "é <ü>", "é &lt;ü&gt;" },
	};
	struct xv_buf	b;
	size_t		i;

	for (i = 0; i < NELEM(v); i++) {
		t_begin("html", "escapes %s", t_show(v[i].in));
		memset(&b, 0, sizeof(b));
		xv_html_esc(&b, v[i].in);
		EXPECT(t_streq(b.p ? b.p : "", v[i].out), "got %s, want %s",
		    t_show(b.p), t_show(v[i].out));
		xv_buf_free(&b);
		t_end();
	}
}

static void
test_tokens(void)
{
	static const char *const bad[] = {
		"", "short",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",	/* 42 */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",	/* 44 */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",	/* not base64url */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	};
	char	*a, *b, ha[65], hb[65], h2[65];
	size_t	 i;

	setenv("XAVYO_API_KEY_SECRET",
	    "0123456789abcdef0123456789abcdef0123456789abcdef", 1);
	for (i = 0; i < NELEM(bad); i++) {
		t_begin("invite", "refuses the token %s", t_show(bad[i]));
		EXPECT(xv_invite_hash(bad[i], ha) == -1, "accepted");
		t_end();
	}
	t_begin("invite", "a new token is 43 base64url characters, digests differ");
	a = xv_invite_new();
	b = xv_invite_new();
	EXPECT(a != NULL && b != NULL && strlen(a) == XV_INVITE_LEN &&
	    strlen(b) == XV_INVITE_LEN, "bad tokens");
	EXPECT(a && b && strcmp(a, b) != 0, "two tokens are equal");
	EXPECT(a && xv_invite_hash(a, ha) == 0 && strlen(ha) == 64,
	    "no digest");
	EXPECT(b && xv_invite_hash(b, hb) == 0 && strcmp(ha, hb) != 0,
	    "digests equal");
	EXPECT(a && xv_invite_hash(a, h2) == 0 && strcmp(ha, h2) == 0,
	    "the digest is not stable");
	EXPECT(a && strstr(ha, a) == NULL, "the digest holds the token");
	t_end();
	xv_free_secret(a);
	xv_free_secret(b);
}

static void
test_rule_words(void)
{
	json_t	*pol = json_pack("{s:i}", "min_length", 12);
	json_t	*low = json_pack("{s:i}", "min_length", 4);
	char	*w;

	t_begin("password", "rules in words");
	w = xv_pw_rule_words(pol, "min_length");
	EXPECT(t_streq(w, "At least 12 characters"), "got %s", t_show(w));
	free(w);
	w = xv_pw_rule_words(low, "min_length");
	EXPECT(t_streq(w, "At least 8 characters"), "the floor: got %s",
	    t_show(w));
	free(w);
	w = xv_pw_rule_words(pol, "require_numbers");
	EXPECT(t_streq(w, "A digit (0-9)"), "got %s", t_show(w));
	free(w);
	w = xv_pw_rule_words(pol, "something_new");
	EXPECT(t_streq(w, "something_new"), "an unknown rule: got %s",
	    t_show(w));
	free(w);
	t_end();
	json_decref(pol);
	json_decref(low);
}

static void
test_cookie(void)
{
	static const struct {
		const char	*hdr, *name, *want;
	} v[] = {
		{ "xv_sid_a=s1", "xv_sid_a", "s1" },
		{ "a=1; xv_sid_a=s2; b=3", "xv_sid_a", "s2" },
		{ "a=1;xv_sid_a=s3", "xv_sid_a", "s3" },
		/* A name that only starts or ends the same is another. */
		{ "xv_sid_ab=x; bxv_sid_a=y", "xv_sid_a", NULL },
		{ "xv_sid_a=first; xv_sid_a=second", "xv_sid_a", "first" },
		{ "xv_sid_a=", "xv_sid_a", "" },
		{ "xv_sid_a", "xv_sid_a", NULL },
		{ "xv_sid_a=v w", "xv_sid_a", "v" },
		{ "", "xv_sid_a", NULL },
		{ NULL, "xv_sid_a", NULL },
		{ "=x", "", NULL },
	};
	size_t	 i;
	char	*got;

	for (i = 0; i < NELEM(v); i++) {
		t_begin("html", "cookie %s in %s", v[i].name, t_show(v[i].hdr));
		got = xv_cookie_get(v[i].hdr, v[i].name);
		EXPECT(v[i].want == NULL ? got == NULL :
		    got != NULL && strcmp(got, v[i].want) == 0,
		    "got %s, want %s", t_show(got), t_show(v[i].want));
		free(got);
		t_end();
	}
}

static void
test_pkce(void)
{
	/* RFC 7636 appendix B. */
	static const char *ver = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	static const char *chal = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

	t_begin("html", "PKCE: RFC 7636's example pair matches");
	EXPECT(xv_pkce_challenge_valid(chal), "challenge refused");
	EXPECT(xv_pkce_ok(ver, chal), "pair refused");
	t_end();
	t_begin("html", "PKCE: a changed verifier, a short or long one, plain");
	EXPECT(!xv_pkce_ok("eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", chal),
	    "changed verifier taken");
	EXPECT(!xv_pkce_ok("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX", chal),
	    "42 characters taken");
	EXPECT(!xv_pkce_ok(chal, chal), "plain (verifier = challenge) taken");
	EXPECT(!xv_pkce_ok(NULL, chal), "no verifier taken");
	EXPECT(!xv_pkce_ok(ver, NULL), "no challenge taken");
	EXPECT(!xv_pkce_ok("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX!", chal),
	    "a reserved character taken");
	t_end();
	t_begin("html", "PKCE: challenges of 42 or 44 characters, or with =");
	EXPECT(!xv_pkce_challenge_valid("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"),
	    "42 taken");
	EXPECT(!xv_pkce_challenge_valid("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cMc"),
	    "44 taken");
	EXPECT(!xv_pkce_challenge_valid("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c="),
	    "padding taken");
	EXPECT(!xv_pkce_challenge_valid(NULL), "NULL taken");
	t_end();
}

void
test_html(void)
{
	test_cookie();
	test_pkce();
	test_esc();
	test_tokens();
	test_rule_words();
}

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

void
test_html(void)
{
	test_esc();
	test_tokens();
	test_rule_words();
}

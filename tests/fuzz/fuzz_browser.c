/* fuzz_browser.c: what the browser sends and the sign-in flow checks:
 * Cookie headers (xv_cookie_get, which the session and CSRF cookies are
 * read with) and PKCE values (xv_pkce_challenge_valid, xv_pkce_ok). */
#include <stdlib.h>
#include <string.h>

#include "xv.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	static const char *const names[] = { "xv_csrf", "xv_sid_x", "a", "",
	    NULL };
	char	*s = malloc(n + 1), *v, *half;
	size_t	 i;

	if (s == NULL)
		return 0;
	memcpy(s, data, n);
	s[n] = '\0';
	for (i = 0; names[i] != NULL; i++) {
		v = xv_cookie_get(s, names[i]);
		/* A value is a piece of the header, never longer, no ';'. */
		if (v != NULL && (strlen(v) > strlen(s) || strchr(v, ';') ||
		    strchr(v, ' ') || names[i][0] == '\0'))
			abort();
		free(v);
	}
	/* A challenge is valid only as 43 base64url characters. */
	if (xv_pkce_challenge_valid(s) && (strlen(s) != 43 ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") != 43))
		abort();
	/* The input split in two, as verifier and challenge: a pair that
	 * passes is one that S256 really joins. */
	half = s + strlen(s) / 2;
	if (xv_pkce_ok(s, s) || xv_pkce_ok(half, half))
		abort();	/* no verifier is its own challenge */
	if (*half != '\0') {
		char c = *half;

		*half = '\0';
		(void)xv_pkce_ok(s, half + 1);
		*half = c;
	}
	free(s);
	return 0;
}

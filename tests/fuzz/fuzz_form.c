/* fuzz_form.c: form encoding (xv_form_get, xv_urldecode), as the OAuth
 * endpoints read their bodies and every program its query strings. */
#include <stdlib.h>
#include <string.h>

#include "xv.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	static const char *const names[] = { "token", "grant_type", "scope",
	    "client_id", "a", "", NULL };
	char	*s = malloc(n + 1), *v, *d;
	size_t	 i;

	if (s == NULL)
		return 0;
	memcpy(s, data, n);
	s[n] = '\0';
	for (i = 0; names[i] != NULL; i++) {
		v = NULL;
		if (xv_form_get(s, names[i], &v) > 0 && v != NULL &&
		    strlen(v) > strlen(s))
			abort();	/* a decoded value never grows */
		free(v);
	}
	if ((d = xv_urldecode(s, strlen(s))) != NULL && strlen(d) > strlen(s))
		abort();
	free(d);
	free(s);
	return 0;
}

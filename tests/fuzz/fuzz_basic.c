/* fuzz_basic.c: the Basic credentials decoder (client.c), strict base64. */
#include <stdlib.h>
#include <string.h>

#include "xv.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	char	*s = malloc(n + 1), *out;

	if (s == NULL)
		return 0;
	memcpy(s, data, n);
	s[n] = '\0';
	if ((out = xv_b64_decode_text(s)) != NULL) {
		/* 4 characters make 3 bytes at most. */
		if (strlen(out) > (strlen(s) / 4 + 1) * 3)
			abort();
		free(out);
	}
	free(s);
	return 0;
}

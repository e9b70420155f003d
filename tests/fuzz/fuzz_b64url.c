/* fuzz_b64url.c: base64url decoding, and encoding's round trip. */
#include <stdlib.h>
#include <string.h>

#include "xv.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	unsigned char	*raw, *back;
	char		*enc;
	size_t		 len = 0, blen = 0;

	if ((raw = xv_b64url_decode((const char *)data, n, &len)) != NULL)
		free(raw);
	/* What is encoded decodes to itself. */
	if ((enc = xv_b64url_encode(data, n)) == NULL)
		return 0;
	back = xv_b64url_decode(enc, strlen(enc), &blen);
	if (back == NULL || blen != n || memcmp(back, data, n) != 0)
		abort();
	free(back);
	free(enc);
	return 0;
}

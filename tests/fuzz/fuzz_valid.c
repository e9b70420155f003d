/* fuzz_valid.c: the validators of valid.c and the hex key parser. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xv.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	char		*s = malloc(n + 1), canon[XV_UUID_LEN + 1], ts[32];
	unsigned char	 key[32];
	time_t		 t;
	size_t		 len, before;

	if (s == NULL)
		return 0;
	memcpy(s, data, n);
	s[n] = '\0';
	if (xv_uuid_canon(s, canon) == 0 && !xv_valid_uuid(canon))
		abort();
	(void)xv_valid_slug(s);
	(void)xv_valid_dns_name(s);
	(void)xv_valid_email(s);
	(void)xv_valid_request_id(s);
	(void)xv_hex32(s, key);
	/* A time it accepts is one PostgreSQL and gmtime can hold. */
	if (xv_valid_rfc3339(s, &t)) {
		xv_time_rfc3339(t, ts);
		if (strlen(ts) != 20)
			abort();
	}
	len = xv_utf8_len(s);
	before = strlen(s);
	xv_utf8_trim(s);
	if (len != SIZE_MAX && strlen(s) != before)
		abort();	/* valid UTF-8 is kept whole */
	if (xv_utf8_len(s) == SIZE_MAX)
		abort();	/* what is kept is valid */
	free(s);
	return 0;
}

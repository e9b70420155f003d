/*
 * test_unit.c: the unit test program of libxv.  It runs the table-driven
 * tests of every unit (test_*.c), prints each failure, and ends with the
 * one line "N passed, M failed" that script/test reads; the exit status
 * is non-zero when anything failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "test_unit.h"

static int	 npassed, nfailed;
static int	 cur_failed, cur_open;
static char	 cur_name[256];

void
t_begin(const char *unit, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (cur_open)
		t_end();
	n = snprintf(cur_name, sizeof(cur_name), "%s: ", unit);
	if (n < 0 || (size_t)n >= sizeof(cur_name))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(cur_name + n, sizeof(cur_name) - n, fmt, ap);
	va_end(ap);
	cur_failed = 0;
	cur_open = 1;
}

void
t_expect(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	cur_failed = 1;
	printf("FAIL %s\n     %s:%d: ", cur_name, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void
t_end(void)
{
	if (!cur_open)
		return;
	if (cur_failed)
		nfailed++;
	else
		npassed++;
	cur_open = 0;
}

const char *
t_show(const char *s)
{
	static char	 bufs[4][300];
	static int	 next;
	char		*b = bufs[next++ % 4];
	size_t		 o = 0;

	if (s == NULL)
		return "(null)";
	b[o++] = '"';
	for (; *s != '\0' && o < sizeof(bufs[0]) - 8; s++) {
		unsigned char c = *s;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			b[o++] = c;
		else
			o += snprintf(b + o, sizeof(bufs[0]) - o, "\\x%02x", c);
	}
	if (*s != '\0')
		o += snprintf(b + o, sizeof(bufs[0]) - o, "...");
	b[o++] = '"';
	b[o] = '\0';
	return b;
}

int
t_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
main(void)
{
	/* Failures and the library's stderr log lines stay in order. */
	setvbuf(stdout, NULL, _IONBF, 0);
	test_conf();
	test_valid();
	test_route();
	test_json();
	test_resp();
	test_form();
	test_crypto();
	test_auth();
	test_password();
	test_db();
	t_end();
	printf("%d passed, %d failed\n", npassed, nfailed);
	return nfailed > 0;
}

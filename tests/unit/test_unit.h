/*
 * test_unit.h: the small harness shared by the unit test files of
 * tests/unit/test_unit.
 *
 * A test is one row of a table: t_begin() names it, EXPECT() records
 * each failed expectation of it (printed with file and line), t_end()
 * counts it as passed or failed.  main() in test_unit.c runs every
 * unit and prints the last line "N passed, M failed".
 */
#ifndef TEST_UNIT_H
#define TEST_UNIT_H

#include <stddef.h>

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

void	t_begin(const char *unit, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	t_expect(int ok, const char *file, int line, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
void	t_end(void);
/* A printable, quoted form of s for messages (rotating static buffers). */
const char *t_show(const char *s);
/* s or "(null)", for comparing strings that may be NULL. */
int	t_streq(const char *a, const char *b);

#define EXPECT(cond, ...) \
	t_expect((cond) != 0, __FILE__, __LINE__, __VA_ARGS__)

/* The units, in the order main() runs them. */
void	test_conf(void);	/* first: it loads the configuration */
void	test_valid(void);
void	test_route(void);
void	test_json(void);
void	test_resp(void);
void	test_form(void);
void	test_crypto(void);
void	test_auth(void);
void	test_password(void);
void	test_db(void);

#endif /* TEST_UNIT_H */

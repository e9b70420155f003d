/*
 * test_valid.c: the validators of valid.c (UUID, slug, DNS name, email,
 * RFC 3339 time stamps, request id, UTF-8 length), one table each.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xv.h"
#include "test_unit.h"

struct vcase {
	const char	*s;
	int		 want;
};

/* Runs one validator over its table. */
static void
run_table(const char *unit, int (*fn)(const char *), const struct vcase *c,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int got;

		t_begin(unit, "%s", t_show(c[i].s));
		got = fn(c[i].s);
		EXPECT(got == c[i].want, "%s(%s) = %d, want %d", unit,
		    t_show(c[i].s), got, c[i].want);
	}
}

/* Fills buf with n copies of ch and a NUL; returns buf. */
static char *
rep(char *buf, char ch, size_t n)
{
	memset(buf, ch, n);
	buf[n] = '\0';
	return buf;
}

static void
test_uuid(void)
{
	static const struct vcase c[] = {
		{ XV_SYSTEM_TENANT, 1 },
		{ "123e4567-e89b-12d3-a456-426614174000", 1 },
		{ "123E4567-E89B-12D3-A456-426614174000", 1 },
		{ "123e4567e89b12d3a456426614174000", 0 },
		{ "123e4567-e89b-12d3-a456-42661417400", 0 },
		{ "123e4567-e89b-12d3-a456-4266141740000", 0 },
		{ "123e4567-e89b-12d3-a456_426614174000", 0 },
		{ "123e4567-e89b-12d3a-456-426614174000", 0 },
		{ "g23e4567-e89b-12d3-a456-426614174000", 0 },
		{ "123e4567-e89b-12d3-a456-42661417400-", 0 },
		{ " 23e4567-e89b-12d3-a456-426614174000", 0 },
		{ "", 0 },
		{ NULL, 0 },
	};

	run_table("uuid", xv_valid_uuid, c, NELEM(c));
}

static void
test_slug(void)
{
	char		 s63[64], s64[65];
	const struct vcase c[] = {
		{ "abc", 1 },
		{ "a-b", 1 },
		{ "000", 1 },
		{ "acme-corp-2", 1 },
		{ "a1-b2-c3", 1 },
		{ rep(s63, 'a', 63), 1 },
		{ rep(s64, 'a', 64), 0 },
		{ "ab", 0 },
		{ "a-", 0 },
		{ "", 0 },
		{ NULL, 0 },
		{ "-abc", 0 },
		{ "abc-", 0 },
		{ "a--b", 0 },
		{ "Abc", 0 },
		{ "a_b", 0 },
		{ "a b", 0 },
		{ "a.b", 0 },
		{ "ab\xc3\xa9", 0 },
	};

	run_table("slug", xv_valid_slug, c, NELEM(c));
}

static void
test_dns(void)
{
	char	l63[64], l64[65], lab[64], w63[80], w64[80];
	char	n253[300], n254[300];

	rep(l63, 'a', 63);
	rep(l64, 'a', 64);
	snprintf(w63, sizeof(w63), "%s.com", l63);
	snprintf(w64, sizeof(w64), "%s.com", l64);
	/* 3 * (63 + 1) + 61 = 253 characters, and one more */
	snprintf(n253, sizeof(n253), "%s.%s.%s.%s", l63, l63, l63,
	    rep(lab, 'c', 61));
	snprintf(n254, sizeof(n254), "%s.%s.%s.%s", l63, l63, l63,
	    rep(lab, 'c', 62));

	const struct vcase c[] = {
		{ "example.com", 1 },
		{ "a.b", 1 },
		{ "a-b.c-d.example", 1 },
		{ "xn--bcher-kva.example", 1 },
		{ "1.2.3.4.example", 1 },
		{ w63, 1 },
		{ w64, 0 },
		{ n253, 1 },
		{ n254, 0 },
		{ "localhost", 0 },
		{ "", 0 },
		{ NULL, 0 },
		{ ".example.com", 0 },
		{ "example.com.", 0 },
		{ "example..com", 0 },
		{ "-a.com", 0 },
		{ "a-.com", 0 },
		{ "a.-com", 0 },
		{ "a.com-", 0 },
		{ "Example.com", 0 },
		{ "exa_mple.com", 0 },
		{ "exa mple.com", 0 },
		{ "ex\xc3\xa9.com", 0 },
		{ "a@b.com", 0 },
	};

	run_table("dns", xv_valid_dns_name, c, NELEM(c));
}

static void
test_email(void)
{
	char	dom[300], e254[310], e255[310], l63[64], lab[64];

	rep(l63, 'a', 63);
	/* "x@" + 252 characters of domain = 254; one more is too long */
	snprintf(dom, sizeof(dom), "%s.%s.%s.%s", l63, l63, l63,
	    rep(lab, 'b', 60));
	snprintf(e254, sizeof(e254), "x@%s", dom);
	snprintf(e255, sizeof(e255), "xy@%s", dom);

	const struct vcase c[] = {
		{ "a@b.co", 1 },
		{ "first.last+tag@example.com", 1 },
		{ "o'brien@example.ie", 1 },
		{ "user@sub.example.co.uk", 1 },
		{ "user@xn--bcher-kva.example", 1 },
		{ e254, 1 },
		{ e255, 0 },
		{ "a@b", 0 },
		{ "ab", 0 },
		{ "", 0 },
		{ NULL, 0 },
		{ "@b.co", 0 },
		{ "a@", 0 },
		{ "a@@b.co", 0 },
		{ "a@b@c.co", 0 },
		{ "a b@c.co", 0 },
		{ "a\"b@c.co", 0 },
		{ "a\\b@c.co", 0 },
		{ "a\tb@c.co", 0 },
		{ "a@b_c.co", 0 },
		{ "a@b c.co", 0 },
		{ "a@exa\xc3\xa9.com", 0 },
		{ "a@.example.com", 0 },
		{ "a@example..com", 0 },
		{ "a@example.com.", 0 },
	};

	run_table("email", xv_valid_email, c, NELEM(c));
}

static void
test_rfc3339(void)
{
	static const struct {
		const char	*s;
		int		 want;
		time_t		 t;
	} c[] = {
		{ "2026-02-07T12:00:00Z", 1, 1770465600 },
		{ "2026-02-07T12:00:00z", 1, 1770465600 },
		{ "2026-02-07T12:00:00.123Z", 1, 1770465600 },
		{ "2026-02-07T12:00:00.123456789Z", 1, 1770465600 },
		{ "2026-02-07T12:00:00+00:00", 1, 1770465600 },
		{ "2026-02-07T12:00:00-00:00", 1, 1770465600 },
		{ "2026-02-07T12:00:00+01:00", 1, 1770462000 },
		{ "2026-02-07T12:00:00-05:30", 1, 1770485400 },
		{ "2026-02-07T12:00:00.5+01:00", 1, 1770462000 },
		{ "2024-02-29T00:00:00Z", 1, 1709164800 },
		{ "1970-01-01T00:00:00Z", 1, 0 },
		{ "1969-12-31T23:59:59Z", 1, -1 },
		{ "9999-12-31T23:59:59Z", 1, 253402300799 },
		{ "9999-12-31T23:59:59+23:59", 1, 253402214459 },
		{ "0001-01-01T00:00:00Z", 0, 0 },	/* before 1900: refused */
		/* the review's: in UTC past 9999, and overlong fractions */
		{ "9999-12-31T23:59:59-23:59", 0, 0 },
		{ "9999-12-31T23:59:59-00:01", 0, 0 },
		{ "9999-12-31T23:00:00-00:59", 1, 253402300740 },
		{ "2026-02-07T12:00:00.1234567890Z", 0, 0 },
		{ "2026-02-07T12:00:00.000000000000000000000000000000000000000"
		    "00000000000000000000000000000000000000000000000000000000"
		    "00000000000000000000000000000000000000000000000000000000"
		    "000000000000000000000000000000000000000000000000Z", 0, 0 },
		/* bad dates and times */
		{ "2023-02-29T00:00:00Z", 0, 0 },
		{ "2026-04-31T00:00:00Z", 0, 0 },
		{ "2026-13-01T00:00:00Z", 0, 0 },
		{ "2026-00-01T00:00:00Z", 0, 0 },
		{ "2026-01-00T00:00:00Z", 0, 0 },
		{ "2026-01-32T00:00:00Z", 0, 0 },
		{ "2026-01-01T24:00:00Z", 0, 0 },
		{ "2026-01-01T12:60:00Z", 0, 0 },
		{ "2026-01-01T12:00:62Z", 0, 0 },
		/* the shape of the string */
		{ "2026-2-07T12:00:00Z", 0, 0 },
		{ "2026-02-7T12:00:00Z", 0, 0 },
		{ "2026-02- 7T12:00:00Z", 0, 0 },
		{ "2026-02-07T1:00:00.0Z", 0, 0 },
		{ "2026-02-07T12:0:00.0Z", 0, 0 },
		{ "2026-02-07T12:00:0.00Z", 0, 0 },
		{ "2026-02-07 12:00:00Z", 0, 0 },
		{ "2026-02-07T12:00Z", 0, 0 },
		{ "2026-02-07T12:00:00", 0, 0 },
		{ "2026-02-07", 0, 0 },
		{ "2026-02-07T12:00:00.Z", 0, 0 },
		{ "2026-02-07T12:00:00Zjunk", 0, 0 },
		{ "2026-02-07T12:00:00ZZ", 0, 0 },
		/* offsets */
		{ "2026-02-07T12:00:00+0100", 0, 0 },
		{ "2026-02-07T12:00:00+01", 0, 0 },
		{ "2026-02-07T12:00:00+1:00", 0, 0 },
		{ "2026-02-07T12:00:00+01:0", 0, 0 },
		{ "2026-02-07T12:00:00+01:-1", 0, 0 },
		{ "2026-02-07T12:00:00+-1:00", 0, 0 },
		{ "2026-02-07T12:00:00+ 1:00", 0, 0 },
		{ "2026-02-07T12:00:00+24:00", 0, 0 },
		{ "2026-02-07T12:00:00+01:60", 0, 0 },
		{ "2026-02-07T12:00:00+01:00x", 0, 0 },
		{ "", 0, 0 },
		{ NULL, 0, 0 },
		{ "yesterday", 0, 0 },
	};
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		time_t	t = 42;
		int	got;

		t_begin("rfc3339", "%s", t_show(c[i].s));
		got = xv_valid_rfc3339(c[i].s, &t);
		EXPECT(got == c[i].want, "xv_valid_rfc3339(%s) = %d, want %d",
		    t_show(c[i].s), got, c[i].want);
		if (got && c[i].want)
			EXPECT(t == c[i].t, "time %lld, want %lld",
			    (long long)t, (long long)c[i].t);
		if (!got)
			EXPECT(t == 42, "refused, yet *t changed to %lld",
			    (long long)t);
	}
	t_begin("rfc3339", "a NULL time pointer is allowed");
	EXPECT(xv_valid_rfc3339("2026-02-07T12:00:00Z", NULL) == 1,
	    "refused with t == NULL");
}

static void
test_time_format(void)
{
	static const struct {
		time_t		 t;
		const char	*want;
	} c[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ 1770465600, "2026-02-07T12:00:00Z" },
		{ 1709164800, "2024-02-29T00:00:00Z" },
		{ 253402300799, "9999-12-31T23:59:59Z" },
	};
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		char	buf[32];
		time_t	back = 0;

		t_begin("time_rfc3339", "%lld", (long long)c[i].t);
		xv_time_rfc3339(c[i].t, buf);
		EXPECT(strcmp(buf, c[i].want) == 0, "got %s, want %s",
		    t_show(buf), c[i].want);
		EXPECT(xv_valid_rfc3339(buf, &back) && back == c[i].t,
		    "does not parse back to the same time (%lld)",
		    (long long)back);
	}
}

static void
test_request_id(void)
{
	char		 s64[65], s65[66];
	const struct vcase c[] = {
		{ "a", 1 },
		{ "abc-DEF_123.x", 1 },
		{ "0d1b2f7e-3c2a-4e6b-9a8d-1f2e3d4c5b6a", 1 },
		{ rep(s64, 'r', 64), 1 },
		{ rep(s65, 'r', 65), 0 },
		{ "", 0 },
		{ NULL, 0 },
		{ "a b", 0 },
		{ "a/b", 0 },
		{ "a\nb", 0 },
		{ "a\"b", 0 },
		{ "a:b", 0 },
		{ "caf\xc3\xa9", 0 },
	};

	run_table("request_id", xv_valid_request_id, c, NELEM(c));
}

static void
test_utf8_len(void)
{
	static const struct {
		const char	*what;
		const char	*s;
		size_t		 want;
	} c[] = {
		{ "empty", "", 0 },
		{ "ASCII", "abc", 3 },
		{ "two bytes", "\xc3\xa9", 1 },
		{ "three bytes", "\xe2\x82\xac", 1 },
		{ "four bytes", "\xf0\x9f\x98\x80", 1 },
		{ "mixed", "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 4 },
		{ "U+07FF", "\xdf\xbf", 1 },
		{ "U+FFFF", "\xef\xbf\xbf", 1 },
		{ "U+10FFFF", "\xf4\x8f\xbf\xbf", 1 },
		{ "cut two-byte", "a\xc3", SIZE_MAX },
		{ "cut three-byte", "\xe2\x82", SIZE_MAX },
		{ "cut four-byte", "\xf0\x9f\x98", SIZE_MAX },
		{ "lone continuation", "\x80", SIZE_MAX },
		{ "bad continuation", "\xc3\x28", SIZE_MAX },
		{ "0xFF", "\xff", SIZE_MAX },
		{ "five-byte form", "\xf8\x88\x80\x80\x80", SIZE_MAX },
		{ "overlong '/'", "\xc0\xaf", SIZE_MAX },
		{ "overlong NUL", "\xc0\x80", SIZE_MAX },
		{ "overlong three-byte", "\xe0\x80\xaf", SIZE_MAX },
		{ "overlong four-byte", "\xf0\x80\x80\xaf", SIZE_MAX },
		{ "surrogate U+D800", "\xed\xa0\x80", SIZE_MAX },
		{ "above U+10FFFF", "\xf4\x90\x80\x80", SIZE_MAX },
		{ "lead byte 0xF5", "\xf5\x80\x80\x80", SIZE_MAX },
	};
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		size_t got;

		t_begin("utf8_len", "%s %s", c[i].what, t_show(c[i].s));
		got = xv_utf8_len(c[i].s);
		EXPECT(got == c[i].want, "got %zu, want %zu", got, c[i].want);
	}
}

/* UUIDs in their one canonical form (security review, finding 1). */
static void
test_uuid_canon(void)
{
	char	out[XV_UUID_LEN + 1], in[XV_UUID_LEN + 1];

	t_begin("uuid_canon", "upper case becomes lower case");
	EXPECT(xv_uuid_canon("3F2C5B1E-8A4D-4C6E-9B7A-1D2E3F4A5B6C", out) == 0 &&
	    t_streq(out, "3f2c5b1e-8a4d-4c6e-9b7a-1d2e3f4a5b6c"), "got %s", out);
	t_begin("uuid_canon", "in place");
	snprintf(in, sizeof(in), "%s", "AAAAAAAA-8A4D-4C6E-9B7A-1D2E3F4A5B6C");
	EXPECT(xv_uuid_canon(in, in) == 0 &&
	    t_streq(in, "aaaaaaaa-8a4d-4c6e-9b7a-1d2e3f4a5b6c"), "got %s", in);
	t_begin("uuid_canon", "invalid ones are refused");
	EXPECT(xv_uuid_canon("3F2C5B1E-8A4D-4C6E-9B7A-1D2E3F4A5B6", out) == -1 &&
	    xv_uuid_canon("3F2C5B1E-8A4D-4C6E-9B7A-1D2E3F4A5B6G", out) == -1 &&
	    xv_uuid_canon("", out) == -1, "accepted");
	t_end();
}

/* A cut character goes, and so does whatever follows a bad byte. */
static void
test_utf8_trim(void)
{
	static const struct {
		const char	*in, *out;
	} c[] = {
		{ "", "" }, { "abc", "abc" }, { "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "caf\xc3", "caf" }, { "\xe2\x82", "" },
		{ "a\xe2\x82\xac", "a\xe2\x82\xac" }, { "a\xe2\x82\xac" "b\xf0\x9f\x98", "a\xe2\x82\xac" "b" },
		{ "ab\xff" "cd", "ab" }, { "a\xc0\xaf" "b", "a" },
	};
	char	buf[64];
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		t_begin("utf8_trim", "%s", t_show(c[i].in));
		snprintf(buf, sizeof(buf), "%s", c[i].in);
		xv_utf8_trim(buf);
		EXPECT(strcmp(buf, c[i].out) == 0, "got %s", t_show(buf));
	}
}

void
test_valid(void)
{
	test_uuid_canon();
	test_utf8_trim();
	test_uuid();
	test_slug();
	test_dns();
	test_email();
	test_rfc3339();
	test_time_format();
	test_request_id();
	test_utf8_len();
}

/*
 * test_form.c: form-urlencoded values of req.c: xv_urldecode,
 * xv_form_get (repeated keys are counted, so that OAuth endpoints can
 * refuse them) and the ?limit= / ?offset= pair of xv_req_page.
 */
#include <stdlib.h>
#include <string.h>

#include "xv.h"
#include "test_unit.h"

static void
test_urldecode(void)
{
	static const struct {
		const char	*in;
		size_t		 n;	/* bytes to decode; 0: strlen(in) */
		const char	*want;	/* NULL: refused */
	} c[] = {
		{ "", 0, "" },
		{ "abc", 0, "abc" },
		{ "a+b", 0, "a b" },
		{ "++", 0, "  " },
		{ "%41%62", 0, "Ab" },
		{ "%4a%4A", 0, "JJ" },
		{ "%2B", 0, "+" },
		{ "%2b%20", 0, "+ " },
		{ "%25", 0, "%" },
		{ "%2541", 0, "%41" },
		{ "%C3%A9t%C3%A9", 0, "\xc3\xa9t\xc3\xa9" },
		{ "https%3A%2F%2Fapp.example%2Fcb%3Fa%3D1%26b%3D2", 0,
		    "https://app.example/cb?a=1&b=2" },
		{ "%41xyz", 3, "A" },
		{ "ab&cd", 2, "ab" },
		{ "%", 0, NULL },
		{ "%4", 0, NULL },
		{ "a%", 0, NULL },
		{ "a%4", 0, NULL },
		{ "%41", 2, NULL },
		{ "%g1", 0, NULL },
		{ "%1g", 0, NULL },
		{ "%%41", 0, NULL },
		{ "% 41", 0, NULL },
		{ "%00", 0, NULL },
		{ "a%00b", 0, NULL },
	};
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		size_t	 n = c[i].n ? c[i].n : strlen(c[i].in);
		char	*got;

		t_begin("urldecode", "%s (%zu bytes)", t_show(c[i].in), n);
		got = xv_urldecode(c[i].in, n);
		EXPECT(t_streq(got, c[i].want), "got %s, want %s", t_show(got),
		    t_show(c[i].want));
		free(got);
	}
}

static void
test_form_get(void)
{
	static const struct {
		const char	*form, *name;
		int		 count;
		const char	*val;	/* first value, NULL if none or bad */
	} c[] = {
		{ "a=1&b=2", "a", 1, "1" },
		{ "a=1&b=2", "b", 1, "2" },
		{ "a=1&a=2", "a", 2, "1" },
		{ "a=1&b=2&a=3&a=4", "a", 3, "1" },
		{ "a=1&a=1", "a", 2, "1" },
		{ "a=1", "c", 0, NULL },
		{ "ab=1", "a", 0, NULL },
		{ "a=1", "ab", 0, NULL },
		{ "xa=1&ax=2", "a", 0, NULL },
		{ "a=", "a", 1, "" },
		{ "a", "a", 0, NULL },
		{ "", "a", 0, NULL },
		{ "&&a=1&", "a", 1, "1" },
		{ "a=1=2", "a", 1, "1=2" },
		{ "a=x%20y+z", "a", 1, "x y z" },
		{ "a=%2B%26", "a", 1, "+&" },
		{ "grant_type=client_credentials&scope=read+write", "scope", 1,
		    "read write" },
		{ "redirect_uri=https%3A%2F%2Fapp.example%2Fcb", "redirect_uri",
		    1, "https://app.example/cb" },
		{ "a=%zz", "a", 1, NULL },
		{ "a=%00", "a", 1, NULL },
		{ "a=%4", "a", 1, NULL },
		{ "a=%4&b=2", "a", 1, NULL },
		{ "b=%zz&a=ok", "a", 1, "ok" },
	};
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		char	*val = (char *)"untouched";
		int	 got;

		t_begin("form_get", "%s in %s", c[i].name, t_show(c[i].form));
		got = xv_form_get(c[i].form, c[i].name, &val);
		EXPECT(got == c[i].count, "count %d, want %d", got,
		    c[i].count);
		EXPECT(t_streq(val, c[i].val), "value %s, want %s",
		    t_show(val), t_show(c[i].val));
		EXPECT(xv_form_get(c[i].form, c[i].name, NULL) == c[i].count,
		    "a different count without a value pointer");
		free(val);
	}
}

static void
test_page(void)
{
	static const struct {
		const char	*query;
		enum xv_err	 want;
		long		 limit, offset;
		const char	*field;
	} c[] = {
		{ NULL, XV_OK, 20, 0, "" },
		{ "", XV_OK, 20, 0, "" },
		{ "limit=5", XV_OK, 5, 0, "" },
		{ "limit=1", XV_OK, 1, 0, "" },
		{ "limit=100", XV_OK, 100, 0, "" },
		{ "offset=40", XV_OK, 20, 40, "" },
		{ "limit=5&offset=10", XV_OK, 5, 10, "" },
		{ "offset=0&limit=7", XV_OK, 7, 0, "" },
		{ "limit=0", XV_E_VALIDATION, 0, 0, "limit" },
		{ "limit=101", XV_E_VALIDATION, 0, 0, "limit" },
		{ "limit=-1", XV_E_VALIDATION, 0, 0, "limit" },
		{ "limit=+5", XV_E_VALIDATION, 0, 0, "limit" },
		{ "limit=5x", XV_E_VALIDATION, 0, 0, "limit" },
		{ "limit=", XV_E_VALIDATION, 0, 0, "limit" },
		{ "limit=1e2", XV_E_VALIDATION, 0, 0, "limit" },
		{ "offset=-1", XV_E_VALIDATION, 0, 0, "offset" },
		{ "offset=abc", XV_E_VALIDATION, 0, 0, "offset" },
		{ "offset=99999999999999999999", XV_E_VALIDATION, 0, 0,
		    "offset" },
	};
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		struct xv_req	req;
		long		limit = -1, offset = -1;
		enum xv_err	got;

		t_begin("req_page", "%s", t_show(c[i].query));
		memset(&req, 0, sizeof(req));
		req.query = (char *)c[i].query;
		got = xv_req_page(&req, &limit, &offset);
		EXPECT(got == c[i].want, "got %d, want %d", got, c[i].want);
		EXPECT(strcmp(req.err_field, c[i].field) == 0,
		    "err_field %s, want %s", t_show(req.err_field),
		    c[i].field);
		if (c[i].want == XV_OK)
			EXPECT(limit == c[i].limit && offset == c[i].offset,
			    "limit %ld offset %ld, want %ld %ld", limit,
			    offset, c[i].limit, c[i].offset);
	}
}

/* xv_req_query_check: a query string the API reads strictly. */
static void
test_query_check(void)
{
	static const struct {
		const char	*query;
		enum xv_err	 want;
		const char	*field;
	} c[] = {
		{ NULL, XV_OK, "" },
		{ "", XV_OK, "" },
		{ "limit=5&offset=10", XV_OK, "" },
		{ "&&limit=5&", XV_OK, "" },
		{ "status=active&email=a%40b.example", XV_OK, "" },
		{ "q=caf%C3%A9+x", XV_OK, "" },
		{ "unknown=1", XV_OK, "" },
		{ "limit=", XV_OK, "" },	/* xv_req_page refuses it */
		{ "limit=%zz", XV_E_VALIDATION, "limit" },
		{ "limit=1%00", XV_E_VALIDATION, "limit" },
		{ "limit=%4", XV_E_VALIDATION, "limit" },
		{ "offset=%ff%fe", XV_E_VALIDATION, "offset" },
		{ "limit=5&limit=7", XV_E_VALIDATION, "limit" },
		{ "a=1&limit=5&b=2&limit=5", XV_E_VALIDATION, "limit" },
		{ "limit", XV_E_VALIDATION, "limit" },
		{ "=5", XV_E_BAD_REQUEST, "" },
		{ "%zz=5", XV_E_BAD_REQUEST, "" },
		{ "%ff=5", XV_E_BAD_REQUEST, "" },
	};
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		struct xv_req	req;
		enum xv_err	got;

		t_begin("req_query_check", "%s", t_show(c[i].query));
		memset(&req, 0, sizeof(req));
		req.query = (char *)c[i].query;
		got = xv_req_query_check(&req);
		EXPECT(got == c[i].want, "got %d, want %d", got, c[i].want);
		EXPECT(strcmp(req.err_field, c[i].field) == 0,
		    "err_field %s, want %s", t_show(req.err_field),
		    c[i].field);
		t_end();
	}
}

/* xv_buf_json_str: the access log's strings are valid JSON literals. */
static void
test_json_str(void)
{
	static const struct {
		const char	*in;
		const char	*want;
	} c[] = {
		{ "", "\"\"" },
		{ "/admin/tenants", "\"/admin/tenants\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "line\nbreak\t", "\"line\\u000abreak\\u0009\"" },
		{ "\x01", "\"\\u0001\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
	};
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		struct xv_buf	b = { 0 };
		json_t		*j;

		t_begin("buf_json_str", "%s", t_show(c[i].in));
		xv_buf_json_str(&b, c[i].in);
		EXPECT(b.p != NULL && strcmp(b.p, c[i].want) == 0, "got %s, want %s",
		    t_show(b.p), t_show(c[i].want));
		j = b.p ? json_loads(b.p, JSON_DECODE_ANY, NULL) : NULL;
		EXPECT(j != NULL && strcmp(json_string_value(j), c[i].in) == 0,
		    "jansson does not read it back");
		json_decref(j);
		xv_buf_free(&b);
		t_end();
	}
}

void
test_form(void)
{
	test_json_str();
	test_urldecode();
	test_form_get();
	test_page();
	test_query_check();
}

/*
 * test_json.c: strict JSON bodies of json.c (xv_json_check against a
 * field table, xv_json_merge) and xv_req_json of req.c.  Failures must
 * name the field by its JSON path, as in "password_policy.foo".
 */
#include <stdlib.h>
#include <string.h>

#include "xv.h"
#include "test_unit.h"

static const char *const plans[] = { "free", "starter", "enterprise", NULL };

static const struct xv_field password_fields[] = {
	{ "min_length", XV_F_INT, 0, 8, 128, NULL, NULL, NULL },
	{ "require_numbers", XV_F_BOOL, 0, 0, 0, NULL, NULL, NULL },
	XV_FIELDS_END
};

static const struct xv_field lockout_fields[] = {
	{ "max_attempts", XV_F_INT, 1, 1, 100, NULL, NULL, NULL },
	XV_FIELDS_END
};

static const struct xv_field fields[] = {
	{ "name", XV_F_STRING, 1, 1, 5, NULL, NULL, NULL },
	{ "slug", XV_F_STRING, 0, 3, 63, NULL, xv_valid_slug, NULL },
	{ "plan", XV_F_STRING, 0, 0, 0, plans, NULL, NULL },
	{ "count", XV_F_INT, 0, -5, 10, NULL, NULL, NULL },
	{ "enabled", XV_F_BOOL, 0, 0, 0, NULL, NULL, NULL },
	{ "domains", XV_F_STRINGS, 0, 0, 2, NULL, xv_valid_dns_name, NULL },
	{ "tags", XV_F_STRINGS, 0, 1, 3, plans, NULL, NULL },
	{ "password_policy", XV_F_OBJECT, 0, 0, 0, NULL, NULL, password_fields },
	{ "lockout_policy", XV_F_OBJECT, 0, 0, 0, NULL, NULL, lockout_fields },
	{ "extra", XV_F_ANY, 0, 0, 0, NULL, NULL, NULL },
	XV_FIELDS_END
};

static void
test_check(void)
{
	static const struct {
		const char	*body;
		enum xv_err	 want;
		const char	*field;		/* err_field wanted */
	} c[] = {
		{ "{\"name\":\"ab\"}", XV_OK, "" },
		/* unknown fields, at the top and nested */
		{ "{\"name\":\"ab\",\"nmae\":1}", XV_E_UNKNOWN_FIELD, "nmae" },
		{ "{\"nmae\":\"ab\"}", XV_E_UNKNOWN_FIELD, "nmae" },
		{ "{\"name\":\"ab\",\"password_policy\":{\"foo\":1}}",
		    XV_E_UNKNOWN_FIELD, "password_policy.foo" },
		{ "{\"name\":\"ab\",\"password_policy\":{\"Min_length\":8}}",
		    XV_E_UNKNOWN_FIELD, "password_policy.Min_length" },
		/* required fields, at the top and nested */
		{ "{}", XV_E_VALIDATION, "name" },
		{ "{\"plan\":\"free\"}", XV_E_VALIDATION, "name" },
		{ "{\"name\":\"ab\",\"lockout_policy\":{}}", XV_E_VALIDATION,
		    "lockout_policy.max_attempts" },
		{ "{\"name\":\"ab\",\"lockout_policy\":{\"max_attempts\":1}}",
		    XV_OK, "" },
		/* integer ranges, at and beyond the bounds */
		{ "{\"name\":\"ab\",\"count\":-5}", XV_OK, "" },
		{ "{\"name\":\"ab\",\"count\":10}", XV_OK, "" },
		{ "{\"name\":\"ab\",\"count\":-6}", XV_E_VALIDATION, "count" },
		{ "{\"name\":\"ab\",\"count\":11}", XV_E_VALIDATION, "count" },
		{ "{\"name\":\"ab\",\"count\":9223372036854775807}",
		    XV_E_VALIDATION, "count" },
		{ "{\"name\":\"ab\",\"password_policy\":{\"min_length\":8}}",
		    XV_OK, "" },
		{ "{\"name\":\"ab\",\"password_policy\":{\"min_length\":128}}",
		    XV_OK, "" },
		{ "{\"name\":\"ab\",\"password_policy\":{\"min_length\":7}}",
		    XV_E_VALIDATION, "password_policy.min_length" },
		{ "{\"name\":\"ab\",\"password_policy\":{\"min_length\":129}}",
		    XV_E_VALIDATION, "password_policy.min_length" },
		/* wrong types */
		{ "{\"name\":\"ab\",\"count\":1.0}", XV_E_VALIDATION, "count" },
		{ "{\"name\":\"ab\",\"count\":\"1\"}", XV_E_VALIDATION, "count" },
		{ "{\"name\":\"ab\",\"count\":true}", XV_E_VALIDATION, "count" },
		{ "{\"name\":\"ab\",\"enabled\":1}", XV_E_VALIDATION, "enabled" },
		{ "{\"name\":\"ab\",\"enabled\":\"true\"}", XV_E_VALIDATION,
		    "enabled" },
		{ "{\"name\":\"ab\",\"enabled\":false}", XV_OK, "" },
		{ "{\"name\":42}", XV_E_VALIDATION, "name" },
		{ "{\"name\":[\"ab\"]}", XV_E_VALIDATION, "name" },
		{ "{\"name\":\"ab\",\"password_policy\":[]}", XV_E_VALIDATION,
		    "password_policy" },
		{ "{\"name\":\"ab\",\"password_policy\":\"strict\"}",
		    XV_E_VALIDATION, "password_policy" },
		{ "{\"name\":\"ab\",\"password_policy\":{\"require_numbers\":0}}",
		    XV_E_VALIDATION, "password_policy.require_numbers" },
		{ "{\"name\":\"ab\",\"domains\":\"a.com\"}", XV_E_VALIDATION,
		    "domains" },
		{ "{\"name\":\"ab\",\"extra\":{\"any\":[1,\"x\"]}}", XV_OK, "" },
		/* enumerations */
		{ "{\"name\":\"ab\",\"plan\":\"free\"}", XV_OK, "" },
		{ "{\"name\":\"ab\",\"plan\":\"enterprise\"}", XV_OK, "" },
		{ "{\"name\":\"ab\",\"plan\":\"gold\"}", XV_E_VALIDATION, "plan" },
		{ "{\"name\":\"ab\",\"plan\":\"Free\"}", XV_E_VALIDATION, "plan" },
		{ "{\"name\":\"ab\",\"plan\":\"\"}", XV_E_VALIDATION, "plan" },
		/* string length in code points, and validators */
		{ "{\"name\":\"\"}", XV_E_VALIDATION, "name" },
		{ "{\"name\":\"a\"}", XV_OK, "" },
		{ "{\"name\":\"abcde\"}", XV_OK, "" },
		{ "{\"name\":\"abcdef\"}", XV_E_VALIDATION, "name" },
		{ "{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", XV_OK,
		    "" },
		{ "{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}",
		    XV_E_VALIDATION, "name" },
		{ "{\"name\":\"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00"
		    "\\ud83d\\ude00\\ud83d\\ude00\"}", XV_OK, "" },
		{ "{\"name\":\"ab\",\"slug\":\"acme-corp\"}", XV_OK, "" },
		{ "{\"name\":\"ab\",\"slug\":\"Acme\"}", XV_E_VALIDATION, "slug" },
		{ "{\"name\":\"ab\",\"slug\":\"ac\"}", XV_E_VALIDATION, "slug" },
		/* arrays of strings with a validator or an enumeration */
		{ "{\"name\":\"ab\",\"domains\":[]}", XV_OK, "" },
		{ "{\"name\":\"ab\",\"domains\":[\"a.com\",\"b.org\"]}", XV_OK, "" },
		{ "{\"name\":\"ab\",\"domains\":[\"a.com\",\"b.org\",\"c.net\"]}",
		    XV_E_VALIDATION, "domains" },
		{ "{\"name\":\"ab\",\"domains\":[\"localhost\"]}", XV_E_VALIDATION,
		    "domains[0]" },
		{ "{\"name\":\"ab\",\"domains\":[\"a.com\",\"-x.com\"]}",
		    XV_E_VALIDATION, "domains[1]" },
		{ "{\"name\":\"ab\",\"domains\":[\"a.com\",5]}", XV_E_VALIDATION,
		    "domains[1]" },
		{ "{\"name\":\"ab\",\"domains\":[\"\"]}", XV_E_VALIDATION,
		    "domains[0]" },
		{ "{\"name\":\"ab\",\"domains\":[null]}", XV_E_VALIDATION,
		    "domains[0]" },
		{ "{\"name\":\"ab\",\"tags\":[\"free\",\"starter\"]}", XV_OK, "" },
		{ "{\"name\":\"ab\",\"tags\":[]}", XV_E_VALIDATION, "tags" },
		{ "{\"name\":\"ab\",\"tags\":[\"free\",\"gold\"]}", XV_E_VALIDATION,
		    "tags[1]" },
		/* null values are refused, optional or required */
		{ "{\"name\":null}", XV_E_VALIDATION, "name" },
		{ "{\"name\":\"ab\",\"plan\":null}", XV_E_VALIDATION, "plan" },
		{ "{\"name\":\"ab\",\"count\":null}", XV_E_VALIDATION, "count" },
		{ "{\"name\":\"ab\",\"password_policy\":null}", XV_E_VALIDATION,
		    "password_policy" },
		{ "{\"name\":\"ab\",\"password_policy\":{\"min_length\":null}}",
		    XV_E_VALIDATION, "password_policy.min_length" },
		{ "{\"name\":\"ab\",\"lockout_policy\":{\"max_attempts\":null}}",
		    XV_E_VALIDATION, "lockout_policy.max_attempts" },
		{ "{\"name\":\"ab\",\"extra\":null}", XV_E_VALIDATION, "extra" },
	};
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		struct xv_req	 req;
		json_error_t	 je;
		json_t		*j;
		enum xv_err	 got;

		t_begin("json_check", "%s", t_show(c[i].body));
		memset(&req, 0, sizeof(req));
		if ((j = json_loads(c[i].body, 0, &je)) == NULL) {
			EXPECT(0, "the test's JSON does not parse: %s", je.text);
			continue;
		}
		got = xv_json_check(&req, j, fields, NULL);
		EXPECT(got == c[i].want, "got %d (%s), want %d (%s)", got,
		    xv_err_code(got), c[i].want, xv_err_code(c[i].want));
		EXPECT(strcmp(req.err_field, c[i].field) == 0,
		    "err_field %s, want %s", t_show(req.err_field),
		    t_show(c[i].field));
		if (c[i].want != XV_OK)
			EXPECT(strstr(req.err_detail, c[i].field) != NULL,
			    "detail %s does not name %s",
			    t_show(req.err_detail), c[i].field);
		json_decref(j);
	}

	t_begin("json_check", "a prefix starts every path");
	{
		struct xv_req	 req;
		json_t		*j = json_pack("{s:i}", "min_length", 3);

		memset(&req, 0, sizeof(req));
		EXPECT(xv_json_check(&req, j, password_fields, "settings.pw") ==
		    XV_E_VALIDATION, "min_length 3 accepted");
		EXPECT(strcmp(req.err_field, "settings.pw.min_length") == 0,
		    "err_field %s", t_show(req.err_field));
		json_decref(j);
	}
}

static void
test_merge(void)
{
	static const struct {
		const char	*dst, *src, *want;
	} c[] = {
		{ "{}", "{}", "{}" },
		{ "{\"a\":1,\"b\":2}", "{}", "{\"a\":1,\"b\":2}" },
		{ "{\"a\":1,\"b\":2}", "{\"b\":3}", "{\"a\":1,\"b\":3}" },
		{ "{\"a\":1}", "{\"c\":[1,2]}", "{\"a\":1,\"c\":[1,2]}" },
		{ "{\"p\":{\"x\":1,\"y\":2},\"q\":true}", "{\"p\":{\"y\":5}}",
		    "{\"p\":{\"x\":1,\"y\":5},\"q\":true}" },
		{ "{\"p\":{\"x\":1}}", "{\"p\":{\"z\":3}}",
		    "{\"p\":{\"x\":1,\"z\":3}}" },
		{ "{\"p\":{\"q\":{\"x\":1,\"y\":2}}}", "{\"p\":{\"q\":{\"x\":9}}}",
		    "{\"p\":{\"q\":{\"x\":9,\"y\":2}}}" },
		{ "{\"p\":{\"x\":1}}", "{\"p\":{}}", "{\"p\":{\"x\":1}}" },
		{ "{\"arr\":[1,2]}", "{\"arr\":[3]}", "{\"arr\":[3]}" },
		{ "{\"p\":1}", "{\"p\":{\"x\":1}}", "{\"p\":{\"x\":1}}" },
		{ "{\"p\":{\"x\":1}}", "{\"p\":2}", "{\"p\":2}" },
		{ "{\"s\":\"old\"}", "{\"s\":\"new\"}", "{\"s\":\"new\"}" },
	};
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		json_t	*dst, *src, *want, *src0;
		char	*got;

		t_begin("json_merge", "%s + %s", c[i].dst, c[i].src);
		dst = json_loads(c[i].dst, 0, NULL);
		src = json_loads(c[i].src, 0, NULL);
		want = json_loads(c[i].want, 0, NULL);
		src0 = json_deep_copy(src);
		if (dst == NULL || src == NULL || want == NULL) {
			EXPECT(0, "the test's JSON does not parse");
		} else {
			xv_json_merge(dst, src);
			got = json_dumps(dst, JSON_COMPACT | JSON_SORT_KEYS);
			EXPECT(json_equal(dst, want), "got %s, want %s", got,
			    c[i].want);
			free(got);
			EXPECT(json_equal(src, src0), "src was changed");
		}
		json_decref(dst);
		json_decref(src);
		json_decref(want);
		json_decref(src0);
	}
}

static void
test_req_json(void)
{
	static const struct {
		const char	*body;
		enum xv_err	 want;
	} c[] = {
		{ "{\"a\":1}", XV_OK },
		{ " {} ", XV_OK },
		{ NULL, XV_E_BAD_JSON },
		{ "", XV_E_BAD_JSON },
		{ "{", XV_E_BAD_JSON },
		{ "[]", XV_E_BAD_JSON },
		{ "\"s\"", XV_E_BAD_JSON },
		{ "{\"a\":1,\"a\":2}", XV_E_BAD_JSON },
		{ "{\"a\":1} x", XV_E_BAD_JSON },
		{ "{\"a\":\"\xc3\"}", XV_E_BAD_JSON },
	};
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		struct xv_req	 req;
		json_t		*j = (json_t *)&req;
		enum xv_err	 got;

		t_begin("req_json", "%s", t_show(c[i].body));
		memset(&req, 0, sizeof(req));
		req.body = (char *)c[i].body;
		req.body_len = c[i].body ? strlen(c[i].body) : 0;
		got = xv_req_json(&req, &j);
		EXPECT(got == c[i].want, "got %d, want %d", got, c[i].want);
		EXPECT((got == XV_OK) == (j != NULL),
		    "out is %s on %s", j ? "set" : "NULL",
		    got == XV_OK ? "success" : "failure");
		if (got != XV_OK)
			EXPECT(req.err_detail[0] != '\0', "no detail");
		json_decref(got == XV_OK ? j : NULL);
	}
}

void
test_json(void)
{
	test_check();
	test_merge();
	test_req_json();
}

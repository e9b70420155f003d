/*
 * test_resp.c: the error map and RFC 9457 problem bodies of resp.c.
 * A struct xv_req zeroed with memset is enough: xv_fail, xv_fail_code
 * and xv_resp_problem touch only the request's own fields and buffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"
#include "test_unit.h"

static const struct {
	enum xv_err	 e;
	int		 status;
	const char	*code;
} errmap[] = {
	{ XV_OK, 200, "ok" },
	{ XV_DONE, 200, "ok" },
	{ XV_E_BAD_REQUEST, 400, "invalid_request" },
	{ XV_E_VALIDATION, 400, "validation_failed" },
	{ XV_E_UNKNOWN_FIELD, 400, "unknown_field" },
	{ XV_E_BAD_JSON, 400, "invalid_json" },
	{ XV_E_TENANT_REQUIRED, 400, "tenant_required" },
	{ XV_E_TENANT_INVALID, 400, "invalid_tenant_id" },
	{ XV_E_UNAUTHORIZED, 401, "unauthorized" },
	{ XV_E_FORBIDDEN, 403, "forbidden" },
	{ XV_E_TENANT_MISMATCH, 403, "tenant_mismatch" },
	{ XV_E_SUSPENDED, 403, "tenant_suspended" },
	{ XV_E_INSUFFICIENT_SCOPE, 403, "insufficient_scope" },
	{ XV_E_NOT_FOUND, 404, "not_found" },
	{ XV_E_TENANT_NOT_FOUND, 404, "tenant_not_found" },
	{ XV_E_METHOD, 405, "method_not_allowed" },
	{ XV_E_CONFLICT, 409, "conflict" },
	{ XV_E_GONE, 410, "gone" },
	{ XV_E_TOO_LARGE, 413, "payload_too_large" },
	{ XV_E_MEDIA_TYPE, 415, "unsupported_media_type" },
	{ XV_E_UNPROCESSABLE, 422, "unprocessable" },
	{ XV_E_RATE_LIMITED, 429, "rate_limited" },
	{ XV_E_INTERNAL, 500, "internal_error" },
	{ XV_E_UNAVAILABLE, 503, "service_unavailable" },
	/* out of range: the safe answer */
	{ XV_E__MAX, 500, "internal_error" },
	{ (enum xv_err)1000, 500, "internal_error" },
};

static void
test_errmap(void)
{
	size_t	i;
	int	e, seen[XV_E__MAX] = { 0 };

	for (i = 0; i < NELEM(errmap); i++) {
		t_begin("err_status", "%d %s", (int)errmap[i].e, errmap[i].code);
		EXPECT(xv_err_status(errmap[i].e) == errmap[i].status,
		    "status %d, want %d", xv_err_status(errmap[i].e),
		    errmap[i].status);
		EXPECT(t_streq(xv_err_code(errmap[i].e), errmap[i].code),
		    "code %s, want %s", t_show(xv_err_code(errmap[i].e)),
		    errmap[i].code);
		EXPECT(xv_err_title(errmap[i].e) != NULL &&
		    xv_err_title(errmap[i].e)[0] != '\0', "no title");
		if ((int)errmap[i].e >= 0 && errmap[i].e < XV_E__MAX)
			seen[errmap[i].e] = 1;
	}
	t_begin("err_status", "every enum value is in the table above");
	for (e = 0; e < XV_E__MAX; e++)
		EXPECT(seen[e], "enum value %d is not tested", e);
}

/* Parses req->out as the problem body; NULL if it is not a JSON object. */
static json_t *
problem_of(struct xv_req *req)
{
	json_t *j;

	if (req->out.p == NULL)
		return NULL;
	j = json_loadb(req->out.p, req->out.len, 0, NULL);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* Checks one problem body against what it must say. */
static void
expect_problem(struct xv_req *req, int status, const char *code,
    const char *detail, const char *field)
{
	json_t		*p = problem_of(req);
	char		 type[128];
	const char	*title;

	snprintf(type, sizeof(type), "urn:xavyo:error:%s", code);
	EXPECT(req->status == status, "req->status %d, want %d", req->status,
	    status);
	EXPECT(req->answered, "not marked answered");
	EXPECT(req->headers.p != NULL && strstr(req->headers.p,
	    "Content-Type: application/problem+json\r\n") != NULL,
	    "headers %s lack the problem media type",
	    t_show(req->headers.p));
	if (p == NULL) {
		EXPECT(0, "body %s is not a JSON object", t_show(req->out.p));
		return;
	}
	title = json_string_value(json_object_get(p, "title"));
	EXPECT(t_streq(json_string_value(json_object_get(p, "type")), type),
	    "type %s, want %s",
	    t_show(json_string_value(json_object_get(p, "type"))), type);
	EXPECT(title != NULL && *title != '\0', "no title");
	EXPECT(json_is_integer(json_object_get(p, "status")) &&
	    json_integer_value(json_object_get(p, "status")) == status,
	    "body status is not %d", status);
	EXPECT(t_streq(json_string_value(json_object_get(p, "detail")),
	    detail), "detail %s, want %s",
	    t_show(json_string_value(json_object_get(p, "detail"))),
	    t_show(detail));
	EXPECT(t_streq(json_string_value(json_object_get(p, "error")), code),
	    "error %s, want %s",
	    t_show(json_string_value(json_object_get(p, "error"))), code);
	if (field != NULL)
		EXPECT(t_streq(json_string_value(json_object_get(p, "field")),
		    field), "field %s, want %s",
		    t_show(json_string_value(json_object_get(p, "field"))),
		    field);
	else
		EXPECT(json_object_get(p, "field") == NULL,
		    "a field member without a field");
	EXPECT(json_object_size(p) == (field ? 6u : 5u),
	    "%zu members in %s", json_object_size(p), t_show(req->out.p));
	json_decref(p);
}

static void
req_release(struct xv_req *req)
{
	xv_buf_free(&req->headers);
	xv_buf_free(&req->out);
}

static void
test_problem(void)
{
	size_t		i;
	struct xv_req	req;

	/* Every error value, with and without a field. */
	for (i = 0; i < NELEM(errmap); i++) {
		enum xv_err	 e = errmap[i].e, rc;
		const char	*field = (i % 2) ? "password_policy.min_length" :
				    NULL;
		char		 detail[64];

		if (e == XV_OK || e == XV_DONE)
			continue;
		t_begin("problem", "xv_fail %d (%s)%s", (int)e, errmap[i].code,
		    field ? " with a field" : "");
		memset(&req, 0, sizeof(req));
		snprintf(detail, sizeof(detail), "detail %d", (int)e);
		rc = xv_fail(&req, e, field, "detail %d", (int)e);
		EXPECT(rc == e, "xv_fail returned %d, want %d", rc, e);
		xv_resp_problem(&req, e);
		expect_problem(&req, errmap[i].status, errmap[i].code, detail,
		    field);
		req_release(&req);
	}

	t_begin("problem", "without xv_fail the detail is the title");
	memset(&req, 0, sizeof(req));
	xv_resp_problem(&req, XV_E_NOT_FOUND);
	expect_problem(&req, 404, "not_found", xv_err_title(XV_E_NOT_FOUND),
	    NULL);
	req_release(&req);

	t_begin("problem", "xv_fail_code overrides the machine code");
	memset(&req, 0, sizeof(req));
	EXPECT(xv_fail_code(&req, XV_E_CONFLICT, "slug_taken", "slug",
	    "slug acme is taken") == XV_E_CONFLICT, "wrong return value");
	xv_resp_problem(&req, XV_E_CONFLICT);
	expect_problem(&req, 409, "slug_taken", "slug acme is taken", "slug");
	req_release(&req);

	t_begin("problem", "a later xv_fail drops the overriding code");
	memset(&req, 0, sizeof(req));
	xv_fail_code(&req, XV_E_CONFLICT, "slug_taken", "slug", "taken");
	xv_fail(&req, XV_E_INTERNAL, NULL, "%s", "cannot commit");
	xv_resp_problem(&req, XV_E_INTERNAL);
	expect_problem(&req, 500, "internal_error", "cannot commit", NULL);
	req_release(&req);

	t_begin("problem", "the problem replaces an earlier body");
	memset(&req, 0, sizeof(req));
	xv_resp_raw(&req, 200, NULL, "{\"old\":true}", 12);
	xv_fail(&req, XV_E_UNAVAILABLE, NULL, "database unavailable");
	xv_resp_problem(&req, XV_E_UNAVAILABLE);
	expect_problem(&req, 503, "service_unavailable",
	    "database unavailable", NULL);
	req_release(&req);

	t_begin("problem", "quotes and control characters stay valid JSON");
	memset(&req, 0, sizeof(req));
	xv_fail(&req, XV_E_VALIDATION, "a\"b", "bad \"%s\"\n\t\\", "x");
	xv_resp_problem(&req, XV_E_VALIDATION);
	expect_problem(&req, 400, "validation_failed", "bad \"x\"\n\t\\",
	    "a\"b");
	req_release(&req);
}

/*
 * A field path or detail longer than its buffer, of two-byte characters,
 * is cut at a character: the body stays JSON and is never empty
 * (security review, finding 3).
 */
static void
test_problem_cut(void)
{
	struct xv_req	 req;
	struct xv_buf	 b = { 0 };
	json_t		*j;
	int		 i;

	for (i = 0; i < 200; i++)
		XV_BUF_LIT(&b, "\xc3\xa9");
	t_begin("problem", "a field of 200 \"\xc3\xa9\" is cut at a character");
	memset(&req, 0, sizeof(req));
	xv_fail(&req, XV_E_UNKNOWN_FIELD, b.p, "unknown field %s", b.p);
	xv_resp_problem(&req, XV_E_UNKNOWN_FIELD);
	EXPECT(req.out.len > 0, "empty body");
	j = req.out.len ? json_loadb(req.out.p, req.out.len, 0, NULL) : NULL;
	EXPECT(j != NULL, "not JSON");
	EXPECT(t_streq(json_string_value(json_object_get(j, "error")),
	    "unknown_field"), "error code lost");
	EXPECT(xv_utf8_len(json_string_value(json_object_get(j, "field"))) > 50,
	    "field lost");
	json_decref(j);
	req_release(&req);

	t_begin("problem", "the same in an RFC 6749 error");
	memset(&req, 0, sizeof(req));
	xv_fail(&req, XV_E_BAD_REQUEST, NULL, "bad %s", b.p);
	xv_resp_oauth_error(&req, XV_E_BAD_REQUEST);
	j = req.out.len ? json_loadb(req.out.p, req.out.len, 0, NULL) : NULL;
	EXPECT(j != NULL && json_object_get(j, "error_description") != NULL,
	    "no error description");
	json_decref(j);
	req_release(&req);

	t_begin("problem", "invalid UTF-8 in a detail still gives a body");
	memset(&req, 0, sizeof(req));
	xv_fail(&req, XV_E_VALIDATION, "f\xff", "bad \xc3(");
	xv_resp_problem(&req, XV_E_VALIDATION);
	j = req.out.len ? json_loadb(req.out.p, req.out.len, 0, NULL) : NULL;
	EXPECT(j != NULL && t_streq(json_string_value(json_object_get(j,
	    "error")), "validation_failed"), "no problem body");
	json_decref(j);
	req_release(&req);
	xv_buf_free(&b);
}

/* RFC 6749 section 5.2 errors of the OAuth endpoints. */
static void
test_oauth_error(void)
{
	static const struct {
		enum xv_err	 e;
		const char	*code;		/* given to xv_fail_code */
		int		 status;
		const char	*error;
		int		 basic;		/* WWW-Authenticate: Basic */
	} c[] = {
		{ XV_E_UNAUTHORIZED, NULL, 401, "invalid_client", 1 },
		{ XV_E_BAD_REQUEST, NULL, 400, "invalid_request", 0 },
		{ XV_E_VALIDATION, NULL, 400, "invalid_request", 0 },
		{ XV_E_METHOD, NULL, 405, "invalid_request", 0 },
		{ XV_E_MEDIA_TYPE, NULL, 415, "invalid_request", 0 },
		{ XV_E_BAD_REQUEST, "invalid_scope", 400, "invalid_scope", 0 },
		{ XV_E_BAD_REQUEST, "unsupported_grant_type", 400,
		    "unsupported_grant_type", 0 },
		{ XV_E_UNAUTHORIZED, "invalid_client", 401, "invalid_client", 1 },
		{ XV_E_INTERNAL, NULL, 500, "server_error", 0 },
		{ XV_E_UNAVAILABLE, NULL, 503, "temporarily_unavailable", 0 },
	};
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		struct xv_req	 req;
		json_t		*j;

		t_begin("oauth_error", "%s%s%s", xv_err_code(c[i].e),
		    c[i].code ? " as " : "", c[i].code ? c[i].code : "");
		memset(&req, 0, sizeof(req));
		if (c[i].code != NULL)
			xv_fail_code(&req, c[i].e, c[i].code, NULL, "why");
		else
			xv_fail(&req, c[i].e, NULL, "%s", "why");
		xv_resp_oauth_error(&req, c[i].e);
		EXPECT(req.status == c[i].status, "status %d, want %d",
		    req.status, c[i].status);
		j = problem_of(&req);
		EXPECT(j != NULL && json_object_size(j) == 2 &&
		    t_streq(json_string_value(json_object_get(j, "error")),
		    c[i].error) &&
		    t_streq(json_string_value(json_object_get(j,
		    "error_description")), "why"),
		    "body %s, want error %s", t_show(req.out.p), c[i].error);
		EXPECT(req.headers.p != NULL && strstr(req.headers.p,
		    "Content-Type: application/json") != NULL,
		    "not application/json: %s", t_show(req.headers.p));
		EXPECT((req.headers.p != NULL && strstr(req.headers.p,
		    "WWW-Authenticate: Basic") != NULL) == c[i].basic,
		    "Basic challenge %s", c[i].basic ? "missing" : "unwanted");
		json_decref(j);
		req_release(&req);
	}
}

void
test_resp(void)
{
	test_errmap();
	test_problem();
	test_problem_cut();
	test_oauth_error();
}

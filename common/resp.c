/*
 * resp.c: building the answer.  Handlers set a status, headers and a
 * body in memory; route.c writes them out in one go with the headers
 * every response carries.  Failures become RFC 9457 problem bodies.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"

static const struct {
	int		 status;
	const char	*code;
	const char	*title;
} errs[XV_E__MAX] = {
	[XV_OK]			  = { 200, "ok", "OK" },
	[XV_DONE]		  = { 200, "ok", "OK" },
	[XV_E_BAD_REQUEST]	  = { 400, "invalid_request", "Bad Request" },
	[XV_E_VALIDATION]	  = { 400, "validation_failed", "Validation failed" },
	[XV_E_UNKNOWN_FIELD]	  = { 400, "unknown_field", "Unknown field" },
	[XV_E_BAD_JSON]		  = { 400, "invalid_json", "Invalid JSON body" },
	[XV_E_TENANT_REQUIRED]	  = { 400, "tenant_required", "X-Tenant-ID required" },
	[XV_E_TENANT_INVALID]	  = { 400, "invalid_tenant_id", "Invalid X-Tenant-ID" },
	[XV_E_UNAUTHORIZED]	  = { 401, "unauthorized", "Unauthorized" },
	[XV_E_FORBIDDEN]	  = { 403, "forbidden", "Forbidden" },
	[XV_E_TENANT_MISMATCH]	  = { 403, "tenant_mismatch", "Tenant mismatch" },
	[XV_E_SUSPENDED]	  = { 403, "tenant_suspended", "Tenant suspended" },
	[XV_E_INSUFFICIENT_SCOPE] = { 403, "insufficient_scope", "Insufficient scope" },
	[XV_E_NOT_FOUND]	  = { 404, "not_found", "Not Found" },
	[XV_E_TENANT_NOT_FOUND]	  = { 404, "tenant_not_found", "Tenant not found" },
	[XV_E_METHOD]		  = { 405, "method_not_allowed", "Method Not Allowed" },
	[XV_E_CONFLICT]		  = { 409, "conflict", "Conflict" },
	[XV_E_GONE]		  = { 410, "gone", "Gone" },
	[XV_E_TOO_LARGE]	  = { 413, "payload_too_large", "Payload Too Large" },
	[XV_E_MEDIA_TYPE]	  = { 415, "unsupported_media_type", "Unsupported Media Type" },
	[XV_E_UNPROCESSABLE]	  = { 422, "unprocessable", "Unprocessable Content" },
	[XV_E_RATE_LIMITED]	  = { 429, "rate_limited", "Too Many Requests" },
	[XV_E_INTERNAL]		  = { 500, "internal_error", "Internal Server Error" },
	[XV_E_UNAVAILABLE]	  = { 503, "service_unavailable", "Service Unavailable" },
};

int
xv_err_status(enum xv_err e)
{
	return (e >= 0 && e < XV_E__MAX) ? errs[e].status : 500;
}

const char *
xv_err_code(enum xv_err e)
{
	return (e >= 0 && e < XV_E__MAX) ? errs[e].code : "internal_error";
}

const char *
xv_err_title(enum xv_err e)
{
	return (e >= 0 && e < XV_E__MAX) ? errs[e].title : "Internal Server Error";
}

void
xv_resp_header(struct xv_req *req, const char *name, const char *value)
{
	xv_buf_addf(&req->headers, "%s: %s\r\n", name, value);
}

enum xv_err
xv_resp_raw(struct xv_req *req, int status, const char *ctype,
    const char *body, size_t len)
{
	req->status = status;
	req->answered = 1;
	req->out.len = 0;
	if (ctype != NULL)
		xv_resp_header(req, "Content-Type", ctype);
	if (body != NULL)
		xv_buf_add(&req->out, body, len);
	return XV_DONE;
}

/* Answers status with body (stolen) as application/json. */
enum xv_err
xv_resp_json(struct xv_req *req, int status, json_t *body)
{
	char		*s;
	enum xv_err	 rc;

	if (body == NULL ||
	    (s = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(17))) == NULL) {
		json_decref(body);
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot encode answer");
	}
	json_decref(body);
	rc = xv_resp_raw(req, status, "application/json; charset=utf-8", s,
	    strlen(s));
	free(s);
	return rc;
}

enum xv_err
xv_resp_empty(struct xv_req *req, int status)
{
	return xv_resp_raw(req, status, NULL, NULL, 0);
}

/* Records e with a detail (and the field at fault) for the problem body. */
enum xv_err
xv_fail(struct xv_req *req, enum xv_err e, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req->err_detail, sizeof(req->err_detail), fmt, ap);
	va_end(ap);
	snprintf(req->err_field, sizeof(req->err_field), "%s",
	    field ? field : "");
	/* Cut at a byte count, a character may have been split. */
	xv_utf8_trim(req->err_detail);
	xv_utf8_trim(req->err_field);
	req->err_code = NULL;
	return e;
}

/* Like xv_fail, with a machine code other than the enum's own. */
enum xv_err
xv_fail_code(struct xv_req *req, enum xv_err e, const char *code,
    const char *field, const char *detail)
{
	xv_fail(req, e, field, "%s", detail);
	req->err_code = code;
	return e;
}

/* Answers an RFC 9457 problem for e, with the recorded detail. */
void
xv_resp_problem(struct xv_req *req, enum xv_err e)
{
	json_t		*p;
	const char	*code = req->err_code ? req->err_code : xv_err_code(e);
	char		 type[96];
	char		*s;

	snprintf(type, sizeof(type), "urn:xavyo:error:%s", code);
	p = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type,
	    "title", xv_err_title(e), "status", xv_err_status(e),
	    "detail", req->err_detail[0] ? req->err_detail : xv_err_title(e),
	    "error", code);
	if (p != NULL && req->err_field[0] != '\0')
		json_object_set_new(p, "field", json_string(req->err_field));
	req->status = xv_err_status(e);
	req->answered = 1;
	req->out.len = 0;
	xv_resp_header(req, "Content-Type", "application/problem+json");
	if (p != NULL && (s = json_dumps(p, JSON_COMPACT)) != NULL) {
		xv_buf_add(&req->out, s, strlen(s));
		free(s);
	} else
		/* Never an empty body: the fixed parts are plain ASCII. */
		xv_buf_addf(&req->out, "{\"type\":\"urn:xavyo:error:%s\","
		    "\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\","
		    "\"error\":\"%s\"}", code, xv_err_title(e),
		    xv_err_status(e), xv_err_title(e), code);
	json_decref(p);
}

/*
 * Answers an RFC 6749 section 5.2 error for e.  The machine code is the
 * one recorded by xv_fail_code, else invalid_request for client errors;
 * a 401 is invalid_client with a Basic challenge (RFC 6749 5.2).
 */
void
xv_resp_oauth_error(struct xv_req *req, enum xv_err e)
{
	const char	*code = req->err_code;
	int		 st;
	json_t		*o;

	/* A client's tenant suspended, unknown or not the one named: RFC 6749 5.2 has one word for it. */
	if (e == XV_E_SUSPENDED || e == XV_E_TENANT_NOT_FOUND ||
	    e == XV_E_TENANT_MISMATCH) {
		e = XV_E_UNAUTHORIZED;
		code = "invalid_client";
		snprintf(req->err_detail, sizeof(req->err_detail), "%s",
		    "client authentication failed");
	}
	st = xv_err_status(e);

	if (code == NULL)
		code = st == 401 ? "invalid_client" : st >= 500 ?
		    (st == 503 ? "temporarily_unavailable" : "server_error") :
		    "invalid_request";
	if (st == 401)
		xv_resp_header(req, "WWW-Authenticate", "Basic realm=\"xavyo\"");
	o = json_pack("{s:s, s:s}", "error", code, "error_description",
	    req->err_detail[0] ? req->err_detail : xv_err_title(e));
	if (o == NULL)
		o = json_pack("{s:s, s:s}", "error", code,
		    "error_description", xv_err_title(e));
	xv_resp_json(req, st, o);
	xv_resp_header(req, "Pragma", "no-cache");
}

/*
 * req.c: what a request carries: CGI parameters and headers, the query
 * string, the body as strict JSON, and a growable buffer for answers.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "xv.h"

void
xv_buf_add(struct xv_buf *b, const char *s, size_t n)
{
	size_t	 cap;
	char	*p;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			abort();
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
xv_buf_addf(struct xv_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	 tmp[512];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		xv_buf_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n :
		    sizeof(tmp) - 1);
}

/* Appends s as a JSON string literal, quoted and escaped (RFC 8259). */
void
xv_buf_json_str(struct xv_buf *b, const char *s)
{
	const char	*run;
	char		 esc[8];

	xv_buf_add(b, "\"", 1);
	for (run = s; *s != '\0'; s++) {
		unsigned char c = *s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		xv_buf_add(b, run, s - run);
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else
			snprintf(esc, sizeof(esc), "\\u%04x", c);
		xv_buf_add(b, esc, strlen(esc));
		run = s + 1;
	}
	xv_buf_add(b, run, s - run);
	xv_buf_add(b, "\"", 1);
}

void
xv_buf_free(struct xv_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* A CGI variable such as "HTTP_X_TENANT_ID"; borrowed, or NULL. */
const char *
xv_req_env(struct xv_req *req, const char *name)
{
	FCGX_Request *fr = req->fcgi;

	return FCGX_GetParam(name, fr->envp);
}

/* A header by its CGI name; empty values read as absent. */
const char *
xv_req_header(struct xv_req *req, const char *cgi_name)
{
	const char *v = xv_req_env(req, cgi_name);

	return (v != NULL && *v != '\0') ? v : NULL;
}

const char *
xv_req_client_ip(struct xv_req *req)
{
	const char *v = xv_req_env(req, "REMOTE_ADDR");

	return v != NULL ? v : "";
}

static int
hexval(int c)
{
	if (isdigit(c))
		return c - '0';
	c = tolower(c);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

char *
xv_urlencode(const char *s)
{
	char	*out = malloc(strlen(s) * 3 + 1), *o = out;

	for (; out != NULL && *s != '\0'; s++) {
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-._~", *s) != NULL)
			*o++ = *s;
		else
			o += sprintf(o, "%%%02X", (unsigned char)*s);
	}
	if (out != NULL)
		*o = '\0';
	return out;
}

/* Percent-decodes s[0..n) ('+' as space); caller frees; NULL if bad. */
char *
xv_urldecode(const char *s, size_t n)
{
	char	*out, *o;
	size_t	 i;
	int	 h, l;

	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < n; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= n) {
				free(out);
				return NULL;
			}
			if ((h = hexval((unsigned char)s[i + 1])) < 0 ||
			    (l = hexval((unsigned char)s[i + 2])) < 0 ||
			    (h == 0 && l == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(h << 4 | l);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

/*
 * Finds name in an application/x-www-form-urlencoded string.  Returns
 * the number of occurrences; the first decoded value goes to *val
 * (caller frees) when val is not NULL.
 */
int
xv_form_get(const char *form, const char *name, char **val)
{
	const char	*p, *amp, *eq;
	size_t		 nlen = strlen(name);
	int		 count = 0;

	if (val != NULL)
		*val = NULL;
	for (p = form; p != NULL && *p != '\0'; p = amp ? amp + 1 : NULL) {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp ? (size_t)(amp - p) : strlen(p));
		if (eq == NULL || (size_t)(eq - p) != nlen ||
		    strncmp(p, name, nlen) != 0)
			continue;
		if (count++ == 0 && val != NULL)
			*val = xv_urldecode(eq + 1, amp ? (size_t)(amp - eq - 1) :
			    strlen(eq + 1));
	}
	return count;
}

/*
 * Checks the whole query string: each parameter a name, decodable
 * (valid escapes, no %00) to valid UTF-8 as its value is, and given at
 * most once.  A value that could not be read would otherwise look
 * absent to xv_req_query, and a repeated one ambiguous.  400 naming the
 * parameter.
 */
enum xv_err
xv_req_query_check(struct xv_req *req)
{
	const char	*p, *amp, *eq;
	char		*raw = NULL, *name = NULL, *val = NULL;
	enum xv_err	 rc = XV_OK;
	size_t		 len, nlen;

	for (p = req->query; rc == XV_OK && p != NULL && *p != '\0';
	    p = amp ? amp + 1 : NULL) {
		amp = strchr(p, '&');
		len = amp ? (size_t)(amp - p) : strlen(p);
		if (len == 0)
			continue;
		eq = memchr(p, '=', len);
		nlen = eq ? (size_t)(eq - p) : len;
		raw = strndup(p, nlen);
		name = xv_urldecode(p, nlen);
		val = eq ? xv_urldecode(eq + 1, len - nlen - 1) : NULL;
		if (raw == NULL)
			rc = xv_fail(req, XV_E_INTERNAL, NULL, "out of memory");
		else if (nlen == 0 || name == NULL ||
		    xv_utf8_len(name) == SIZE_MAX)
			rc = xv_fail(req, XV_E_BAD_REQUEST, NULL,
			    "a query parameter's name is malformed");
		else if (eq == NULL)
			rc = xv_fail(req, XV_E_VALIDATION, name,
			    "%s has no value (name=value)", name);
		else if (val == NULL || xv_utf8_len(val) == SIZE_MAX)
			rc = xv_fail(req, XV_E_VALIDATION, name,
			    "%s must be percent-encoded UTF-8 without NUL",
			    name);
		else if (xv_form_get(req->query, raw, NULL) > 1)
			rc = xv_fail(req, XV_E_VALIDATION, name,
			    "%s is given more than once", name);
		free(raw);
		free(name);
		free(val);
		raw = name = val = NULL;
	}
	return rc;
}

char *
xv_req_query(struct xv_req *req, const char *name)
{
	char *v = NULL;

	if (req->query == NULL)
		return NULL;
	xv_form_get(req->query, name, &v);
	return v;
}

/* Parses the body as one JSON object into *out (caller decrefs). */
enum xv_err
xv_req_json(struct xv_req *req, json_t **out)
{
	json_error_t	 je;
	json_t		*j;

	*out = NULL;
	if (req->body == NULL || req->body_len == 0)
		return xv_fail(req, XV_E_BAD_JSON, NULL,
		    "a JSON object body is required");
	j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		return xv_fail(req, XV_E_BAD_JSON, NULL,
		    "malformed JSON at line %d column %d: %s", je.line,
		    je.column, je.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return xv_fail(req, XV_E_BAD_JSON, NULL,
		    "the body must be a JSON object");
	}
	*out = j;
	return XV_OK;
}

static int
parse_nat(const char *s, long max, long *out)
{
	char	*end;
	long	 n;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	n = strtol(s, &end, 10);
	if (*end != '\0' || n < 0 || n > max)
		return -1;
	*out = n;
	return 0;
}

/* ?limit= (1..100, default 20) and ?offset= (>= 0, default 0). */
enum xv_err
xv_req_page(struct xv_req *req, long *limit, long *offset)
{
	char		*l = xv_req_query(req, "limit");
	char		*o = xv_req_query(req, "offset");
	enum xv_err	 rc = XV_OK;

	*limit = 20;
	*offset = 0;
	if (l != NULL && (parse_nat(l, 100, limit) != 0 || *limit < 1))
		rc = xv_fail(req, XV_E_VALIDATION, "limit",
		    "limit must be an integer from 1 to 100");
	else if (o != NULL && parse_nat(o, 1000000000L, offset) != 0)
		rc = xv_fail(req, XV_E_VALIDATION, "offset",
		    "offset must be a non-negative integer");
	free(l);
	free(o);
	return rc;
}

/* ---- the request's pool ---- */

void *
xv_keep(struct xv_req *req, void *p, void (*release)(void *))
{
	struct xv_kept	*k;
	size_t		 cap;

	if (p == NULL)
		return NULL;
	if (req->nkept == req->capkept) {
		cap = req->capkept ? req->capkept * 2 : 16;
		if ((k = reallocarray(req->kept, cap, sizeof(*k))) == NULL) {
			release(p);
			return NULL;
		}
		req->kept = k;
		req->capkept = cap;
	}
	req->kept[req->nkept].p = p;
	req->kept[req->nkept].release = release;
	req->nkept++;
	return p;
}

static void
release_json(void *p)
{
	json_decref(p);
}

static void
release_result(void *p)
{
	PQclear(p);
}

static void
release_secret(void *p)
{
	xv_free_secret(p);
}

json_t *
xv_keep_json(struct xv_req *req, json_t *j)
{
	return xv_keep(req, j, release_json);
}

PGresult *
xv_keep_result(struct xv_req *req, PGresult *r)
{
	return xv_keep(req, r, release_result);
}

char *
xv_keep_str(struct xv_req *req, char *s)
{
	return xv_keep(req, s, free);
}

char *
xv_keep_secret(struct xv_req *req, char *s)
{
	return xv_keep(req, s, release_secret);
}

PGresult *
xv_req_call(struct xv_req *req, int st, const struct xv_arg *a, size_t n,
    enum xv_err *err)
{
	PGresult *r = xv_db_call(st, a, n, err);

	/* A result the pool cannot take is cleared: a failure too. */
	if (r != NULL && (r = xv_keep_result(req, r)) == NULL)
		*err = XV_E_INTERNAL;
	return r;
}

/* Releases what the request kept, last first. */
void
xv_req_release(struct xv_req *req)
{
	while (req->nkept > 0) {
		req->nkept--;
		req->kept[req->nkept].release(req->kept[req->nkept].p);
	}
	free(req->kept);
	req->kept = NULL;
	req->capkept = 0;
}

/*
 * html.c: what the few browser pages of xavyo-idp share (the sign-in
 * page, error and sign-out pages): HTML escaping, the page shell,
 * cookies, and CSRF tokens.
 *
 * Pages load nothing: no script, no style sheet, no image, so that the
 * Content-Security-Policy every answer carries (default-src 'none';
 * frame-ancestors 'none', route.c) holds for them unchanged.  There is
 * deliberately no form-action directive: a form that posts to the IdP
 * must be able to end in a redirect to the client, which Chromium checks
 * against form-action.
 *
 * Cookies are HttpOnly and SameSite=Lax, Secure unless the issuer is
 * http on a loopback host (a developer's machine, the tests).  A CSRF
 * token is the HMAC of a random value held in its own cookie
 * (xv_csrf), keyed from the master key: a form's token is checked
 * against the cookie the browser sends with the post.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"

#define CSRF_COOKIE	"xv_csrf"

void
xv_html_esc(struct xv_buf *b, const char *s)
{
	const char	*run;

	for (run = s; s != NULL && *s != '\0'; s++) {
		const char *e = NULL;

		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		xv_buf_add(b, run, s - run);
		xv_buf_add(b, e, strlen(e));
		run = s + 1;
	}
	if (s != NULL)
		xv_buf_add(b, run, s - run);
}

enum xv_err
xv_html_page(struct xv_req *req, int status, const char *title,
    const char *body)
{
	struct xv_buf	b = { 0 };
	enum xv_err	rc;

	XV_BUF_LIT(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>");
	xv_html_esc(&b, title);
	XV_BUF_LIT(&b, "</title>\n</head>\n<body>\n<main>\n<h1>");
	xv_html_esc(&b, title);
	XV_BUF_LIT(&b, "</h1>\n");
	if (body != NULL)
		xv_buf_add(&b, body, strlen(body));
	XV_BUF_LIT(&b, "</main>\n</body>\n</html>\n");
	rc = xv_resp_raw(req, status, "text/html; charset=utf-8", b.p, b.len);
	xv_buf_free(&b);
	return rc;
}

enum xv_err
xv_html_error(struct xv_req *req, int status, const char *msg)
{
	struct xv_buf	b = { 0 };
	enum xv_err	rc;

	XV_BUF_LIT(&b, "<p role=\"alert\">");
	xv_html_esc(&b, msg);
	XV_BUF_LIT(&b, "</p>\n");
	rc = xv_html_page(req, status, status >= 500 ? "Something went wrong" :
	    "This request cannot be completed", b.p);
	xv_buf_free(&b);
	return rc;
}

/* ---- cookies ---- */

char *
xv_req_cookie(struct xv_req *req, const char *name)
{
	const char	*h = xv_req_header(req, "HTTP_COOKIE"), *p, *e;
	size_t		 n = strlen(name);

	for (p = h; p != NULL && *p != '\0'; p = e ? e + 1 : NULL) {
		while (*p == ' ')
			p++;
		e = strchr(p, ';');
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			return strndup(p + n + 1, e ? (size_t)(e - p - n - 1) :
			    strlen(p + n + 1));
	}
	return NULL;
}

/* Whether cookies must be Secure: always, but for http on loopback. */
static int
cookie_secure(void)
{
	const char *iss = xv_issuer();

	return !(strncmp(iss, "http://127.0.0.1", 16) == 0 ||
	    strncmp(iss, "http://localhost", 16) == 0 ||
	    strncmp(iss, "http://[::1]", 12) == 0);
}

void
xv_resp_cookie(struct xv_req *req, const char *name, const char *value,
    const char *path, long max_age)
{
	struct xv_buf b = { 0 };

	xv_buf_addf(&b, "%s=%s; Path=%s; HttpOnly; SameSite=Lax%s", name,
	    value ? value : "", path, cookie_secure() ? "; Secure" : "");
	if (max_age >= 0)
		xv_buf_addf(&b, "; Max-Age=%ld", max_age);
	xv_resp_header(req, "Set-Cookie", b.p);
	xv_buf_free(&b);
}

/* ---- CSRF ---- */

static int
csrf_mac(const char *cookie, char out[65])
{
	char	key[160];
	int	rc;

	snprintf(key, sizeof(key), "%s:csrf", xv_conf_get("master_key", ""));
	rc = xv_hmac_sha256_hex(key, cookie, out);
	explicit_bzero(key, sizeof(key));
	return rc;
}

const char *
xv_csrf_token(struct xv_req *req)
{
	char		*c = xv_keep_str(req, xv_req_cookie(req, CSRF_COOKIE));
	char		*mac = malloc(65);
	unsigned char	 rnd[32];

	if (c == NULL || strlen(c) != 43) {
		if (xv_random(rnd, sizeof(rnd)) != 0 ||
		    (c = xv_keep_str(req, xv_b64url_encode(rnd,
		    sizeof(rnd)))) == NULL) {
			free(mac);
			return NULL;
		}
		xv_resp_cookie(req, CSRF_COOKIE, c, "/oauth/", -1);
	}
	if (mac == NULL || csrf_mac(c, mac) != 0) {
		free(mac);
		return NULL;
	}
	return xv_keep_str(req, mac);
}

int
xv_csrf_ok(struct xv_req *req, const char *token)
{
	char	*c = xv_req_cookie(req, CSRF_COOKIE), mac[65];
	int	 ok;

	ok = c != NULL && strlen(c) == 43 && token != NULL &&
	    strlen(token) == 64 && csrf_mac(c, mac) == 0 &&
	    xv_ct_equal(mac, token, 64);
	free(c);
	return ok;
}

/*
 * html.c: the few pages people see in a browser (an invitation's form,
 * later the sign-in page), and what keeps them safe.
 *
 * One page shell with one inline stylesheet and no other asset; its
 * Content-Security-Policy names that stylesheet by its SHA-256, allows
 * nothing else to load, forms to post only to this origin, and no page
 * to frame it.  Every text put into a page goes through xv_html_esc.
 * Forms carry a CSRF token: a signed double submit, whose cookie holds a
 * random value and whose form field holds the value's HMAC (keyed from
 * api_key_secret, labelled by the form's purpose), so that neither a
 * cross-site post (no cookie: SameSite=Strict) nor a planted cookie
 * without its HMAC passes.  The sign-in page's session cookie is set
 * and read here too (xv_resp_cookie, xv_req_cookie).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "xv.h"

#define CSRF_COOKIE	"xv_csrf"
#define CSRF_RAND	43

static const char css[] =
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;"
    "color:#1b1f24}"
    "main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;"
    "border:1px solid #d0d4da;border-radius:.5rem}"
    "h1{font-size:1.5rem;margin-top:0}"
    "label{display:block;font-weight:600;margin-top:1rem}"
    "input{display:block;width:100%;box-sizing:border-box;padding:.5rem;"
    "margin-top:.25rem;font:inherit;border:1px solid #6b7280;"
    "border-radius:.25rem}"
    "input:focus,button:focus{outline:3px solid #1d4ed8;outline-offset:1px}"
    "button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit;"
    "color:#fff;background:#1d4ed8;border:0;border-radius:.25rem}"
    ".error{color:#9b1c1c;background:#fdecec;border:1px solid #9b1c1c;"
    "padding:.75rem;border-radius:.25rem}"
    ".hint{color:#4b5563;font-size:.9rem}";

/* 'sha256-<base64>' of the stylesheet, made once per process. */
static const char *
css_source(void)
{
	static char	 src[64];
	unsigned char	 md[32];
	char		*b, *c;

	if (src[0] != '\0')
		return src;
	if (xv_sha256(css, strlen(css), md) != 0 ||
	    (b = xv_b64url_encode(md, sizeof(md))) == NULL)
		return "'none'";
	for (c = b; *c != '\0'; c++)
		*c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
	snprintf(src, sizeof(src), "'sha256-%s='", b);
	free(b);
	return src;
}

void
xv_html_esc(struct xv_buf *b, const char *s)
{
	const char	*e;
	size_t		 n;

	for (; s != NULL && *s != '\0'; s += n) {
		n = strcspn(s, "&<>\"'");
		xv_buf_add(b, s, n);
		if (s[n] == '\0')
			break;
		switch (s[n]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		default: e = "&#39;"; break;
		}
		xv_buf_add(b, e, strlen(e));
		n++;
	}
}

enum xv_err
xv_html_page(struct xv_req *req, int status, const char *title,
    const char *main)
{
	struct xv_buf	 b = { 0 };
	char		 csp[512];
	enum xv_err	 rc;

	XV_BUF_LIT(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
	xv_html_esc(&b, title);
	XV_BUF_LIT(&b, "</title>\n<style>");
	XV_BUF_LIT(&b, css);
	XV_BUF_LIT(&b, "</style>\n</head>\n<body>\n<main>\n<h1>");
	xv_html_esc(&b, title);
	XV_BUF_LIT(&b, "</h1>\n");
	if (main != NULL)
		xv_buf_add(&b, main, strlen(main));
	XV_BUF_LIT(&b, "\n</main>\n</body>\n</html>\n");
	/*
	 * A form whose post ends in a redirect to another origin (the
	 * sign-in page's, to the client) names that origin too: browsers
	 * hold redirects after a form's submission to form-action.
	 */
	snprintf(csp, sizeof(csp), "default-src 'none'; style-src %s; "
	    "form-action 'self'%s%s; frame-ancestors 'none'; base-uri 'none'",
	    css_source(), req->form_action ? " " : "",
	    req->form_action ? req->form_action : "");
	req->out.len = 0;
	rc = xv_resp_raw(req, status, "text/html; charset=utf-8", b.p, b.len);
	xv_resp_header(req, "Content-Security-Policy", csp);
	req->own_csp = 1;
	xv_buf_free(&b);
	return rc;
}

int
xv_html_wants_json(struct xv_req *req)
{
	const char *a = xv_req_header(req, "HTTP_ACCEPT");

	if (req->body_len > 0 && !req->is_form)
		return 1;	/* it sent JSON */
	return a != NULL && (strcasestr(a, "application/json") != NULL ||
	    strcasestr(a, "application/problem+json") != NULL);
}

void
xv_html_problem(struct xv_req *req, enum xv_err e)
{
	struct xv_buf	b = { 0 };

	XV_BUF_LIT(&b, "<p role=\"alert\" class=\"error\">");
	/* Details are sentences without their capital: give it back. */
	if (req->err_detail[0] >= 'a' && req->err_detail[0] <= 'z')
		req->err_detail[0] += 'A' - 'a';
	xv_html_esc(&b, req->err_detail[0] ? req->err_detail :
	    xv_err_title(e));
	XV_BUF_LIT(&b, "</p>");
	xv_html_page(req, xv_err_status(e), xv_err_title(e), b.p);
	xv_buf_free(&b);
}

/* The HMAC of a cookie value for purpose (hex), 0 or -1. */
static int
csrf_mac(const char *value, const char *purpose, char out[65])
{
	const char	*secret = xv_conf_get("api_key_secret", NULL);
	char		 key[160], msg[256];
	int		 rc;

	if (secret == NULL || strlen(secret) < 32 || strlen(secret) > 128)
		return -1;
	snprintf(key, sizeof(key), "%s:csrf", secret);
	snprintf(msg, sizeof(msg), "%s|%s", value, purpose);
	rc = xv_hmac_sha256_hex(key, msg, out);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* The request's CSRF cookie value, if well-formed (borrowed, kept). */
static const char *
csrf_cookie(struct xv_req *req)
{
	char *v = xv_cookie_get(xv_req_header(req, "HTTP_COOKIE"), CSRF_COOKIE);

	if (v == NULL || strlen(v) != CSRF_RAND || strspn(v,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
	    < CSRF_RAND) {
		xv_free_secret(v);
		return NULL;
	}
	return xv_keep_secret(req, v);
}

const char *
xv_csrf_issue(struct xv_req *req, const char *purpose)
{
	const char	*v = csrf_cookie(req);
	unsigned char	 rnd[32];
	char		 mac[65], hdr[256];

	if (v == NULL) {
		if (xv_random(rnd, sizeof(rnd)) != 0 ||
		    (v = xv_keep_secret(req, xv_b64url_encode(rnd,
		    sizeof(rnd)))) == NULL)
			return NULL;
		OPENSSL_cleanse(rnd, sizeof(rnd));
		snprintf(hdr, sizeof(hdr), CSRF_COOKIE "=%s; Path=%s; HttpOnly; "
		    "SameSite=Strict%s", v, strlen(req->path) < 128 &&
		    strcspn(req->path, "; ,\t\r\n\"") == strlen(req->path) ?
		    req->path : "/",
		    strncmp(xv_issuer(), "https://", 8) == 0 ? "; Secure" : "");
		xv_resp_header(req, "Set-Cookie", hdr);
		OPENSSL_cleanse(hdr, sizeof(hdr));
	}
	if (csrf_mac(v, purpose, mac) != 0)
		return NULL;
	return xv_keep_secret(req, strdup(mac));
}

int
xv_csrf_check(struct xv_req *req, const char *purpose, const char *field)
{
	const char	*v = csrf_cookie(req);
	char		 mac[65];
	int		 ok;

	if (v == NULL || field == NULL || strlen(field) != 64 ||
	    csrf_mac(v, purpose, mac) != 0)
		return 0;
	ok = xv_ct_equal(mac, field, 64);
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok;
}

/* ---- cookies other than the CSRF one (the sign-in session's) ---- */

/*
 * The value of cookie name in a Cookie header (RFC 6265 5.4: pairs
 * separated by ";" and spaces), the first if it is there twice; a copy
 * the caller frees, or NULL.  A value ends at ";" or a space.
 */
char *
xv_cookie_get(const char *c, const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return NULL;
	for (; c != NULL && *c != '\0'; c += strcspn(c, ";"), c += *c == ';') {
		c += strspn(c, " ");
		if (strncmp(c, name, n) == 0 && c[n] == '=')
			return strndup(c + n + 1, strcspn(c + n + 1, "; "));
	}
	return NULL;
}

char *
xv_req_cookie(struct xv_req *req, const char *name)
{
	return xv_cookie_get(xv_req_header(req, "HTTP_COOKIE"), name);
}

/* Secure always, but for an issuer that is http on a loopback host. */
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

/*
 * signin.c: the sign-in page of /oauth/authorize and its MFA step.
 *
 * The pages are small forms that post back to /oauth/authorize with the
 * authorization request in hidden fields, a CSRF token (html.c) and the
 * step: "password" (email and password) or "totp" (the mfa_token of the
 * first step and a code).  Each step runs the very rules of /auth/login
 * and /auth/mfa/verify (login_password and mfa_login): the rate limit,
 * the lockout, an expired password, TOTP and its enrollment.  A failure
 * never says whether the email or the password was wrong.  A success
 * starts a session, gives the browser its cookie and redirects with a
 * code (authorize.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"
#include "auth.h"

static void
hidden(struct xv_buf *b, const char *name, const char *value)
{
	if (value == NULL)
		return;
	xv_buf_addf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	xv_html_esc(b, value);
	XV_BUF_LIT(b, "\">\n");
}

/*
 * The origin of uri (scheme://host[:port]), which the page's
 * Content-Security-Policy must let its form reach: the post ends in a
 * redirect there, and browsers hold that redirect to form-action.
 */
static const char *
origin(struct xv_req *req, const char *uri)
{
	const char	*h = strstr(uri, "://");
	size_t		 n;

	if (h == NULL)
		return NULL;
	h += 3;
	n = strcspn(h, "/?#");
	/* Nothing but a host and a port goes into the header. */
	if (n == 0 || strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-:[]") < n)
		return NULL;
	return xv_keep_str(req, strndup(uri, h - uri + n));
}

/* The form's opening, the request in hidden fields, the CSRF token. */
static int
form_open(struct xv_req *req, struct xv_buf *b, const struct authz *az,
    const char *step, const char *msg)
{
	const char *csrf = xv_csrf_issue(req, "signin");

	if (csrf == NULL)
		return -1;
	req->form_action = origin(req, az->redirect_uri);
	if (msg != NULL) {
		XV_BUF_LIT(b, "<p role=\"alert\"><strong>");
		xv_html_esc(b, msg);
		XV_BUF_LIT(b, "</strong></p>\n");
	}
	XV_BUF_LIT(b, "<form method=\"post\" action=\"authorize\">\n");
	hidden(b, "csrf", csrf);
	hidden(b, "step", step);
	hidden(b, "client_id", az->client_id);
	hidden(b, "redirect_uri", az->redirect_uri);
	hidden(b, "response_type", az->response_type);
	hidden(b, "scope", az->scope);
	hidden(b, "state", az->state);
	hidden(b, "nonce", az->nonce);
	hidden(b, "code_challenge", az->challenge);
	hidden(b, "code_challenge_method", az->method);
	return 0;
}

static enum xv_err
page(struct xv_req *req, struct xv_buf *b, int status, const char *title)
{
	enum xv_err rc;

	rc = b->p ? xv_html_page(req, status, title, b->p) :
	    xv_fail(req, XV_E_INTERNAL, NULL, "cannot make the page");
	xv_buf_free(b);
	return rc;
}

enum xv_err
signin_form(struct xv_req *req, const struct authz *az, int status,
    const char *msg)
{
	struct xv_buf b = { 0 };

	if (form_open(req, &b, az, "password", msg) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a token");
	XV_BUF_LIT(&b, "<p><label for=\"email\">Email</label><br>\n"
	    "<input id=\"email\" name=\"email\" type=\"email\" "
	    "autocomplete=\"username\" required autofocus></p>\n"
	    "<p><label for=\"password\">Password</label><br>\n"
	    "<input id=\"password\" name=\"password\" type=\"password\" "
	    "autocomplete=\"current-password\" required></p>\n"
	    "<p><button type=\"submit\">Sign in</button></p>\n</form>\n");
	return page(req, &b, status, "Sign in");
}

/* The code form; with the secret and URI of an enrollment first. */
static enum xv_err
totp_form(struct xv_req *req, const struct authz *az, const char *tok,
    const char *b32, const char *uri, int status, const char *msg)
{
	struct xv_buf b = { 0 };

	if (form_open(req, &b, az, "totp", msg) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a token");
	hidden(&b, "mfa_token", tok);
	if (b32 != NULL) {
		XV_BUF_LIT(&b, "<p>Your organization requires a second factor. "
		    "Add this key to an authenticator app, then enter the code "
		    "it shows.</p>\n<p>Key: <code id=\"totp-secret\">");
		xv_html_esc(&b, b32);
		XV_BUF_LIT(&b, "</code></p>\n<p>Or this URI: <code "
		    "id=\"totp-uri\">");
		xv_html_esc(&b, uri);
		XV_BUF_LIT(&b, "</code></p>\n");
	}
	XV_BUF_LIT(&b, "<p><label for=\"code\">Code from your authenticator "
	    "app</label><br>\n<input id=\"code\" name=\"code\" type=\"text\" "
	    "inputmode=\"numeric\" pattern=\"[0-9]{6}\" maxlength=\"6\" "
	    "autocomplete=\"one-time-code\" required autofocus></p>\n"
	    "<p><button type=\"submit\">Verify</button></p>\n</form>\n");
	return page(req, &b, status, b32 ? "Set up your second factor" :
	    "Enter your code");
}

/* Signed in: a session, its cookie, and the code. */
static enum xv_err
signed_in(struct xv_req *req, const struct authz *az, json_t *s,
    const struct user *u, const char *amr)
{
	const char	*sid;
	enum xv_err	 rc;

	if ((rc = session_new(req, s, u, amr, &sid)) != XV_OK ||
	    (rc = authz_cookie(req, sid)) != XV_OK)
		return rc;
	return authz_code(req, az, sid);
}

static enum xv_err
step_password(struct xv_req *req, const struct authz *az, json_t *s)
{
	const char	*tok, *b32 = NULL, *uri = NULL;
	struct user	 u;
	enum xv_err	 rc;
	int		 mfa;

	const char	*email = authz_param(req, "email");
	const char	*pw = authz_param(req, "password");

	if (email == NULL || pw == NULL || strlen(email) > 320 ||
	    strlen(pw) > 1024)
		return signin_form(req, az, 400,
		    "Enter your email and your password.");
	rc = login_password(req, s, email, pw, &u, &mfa);
	if (rc == XV_E_UNAUTHORIZED)
		return signin_form(req, az, 401,
		    "The email or password is not correct.");
	if (rc == XV_E_RATE_LIMITED)
		return signin_form(req, az, 429,
		    "Too many attempts. Wait a minute, then try again.");
	if (rc == XV_E_FORBIDDEN)
		return signin_form(req, az, 403, "Your password has expired. "
		    "Change it, then sign in again.");
	if (rc != XV_OK)
		return rc;
	if (!mfa)
		return signed_in(req, az, s, &u, "pwd");
	if ((rc = mfa_token_new(req, &u, &tok)) != XV_OK)
		return rc;
	if (!u.mfa && (rc = mfa_secret_new(req, &u, &b32, &uri)) != XV_OK)
		return rc;
	return totp_form(req, az, tok, b32, uri, 200, NULL);
}

static enum xv_err
step_totp(struct xv_req *req, const struct authz *az, json_t *s)
{
	const char	*tok = authz_param(req, "mfa_token");
	struct user	 u;
	enum xv_err	 rc;

	rc = mfa_login(req, s, tok, authz_param(req, "code"), &u);
	if (rc == XV_E_UNAUTHORIZED && req->err_code != NULL &&
	    strcmp(req->err_code, "invalid_code") == 0)
		return totp_form(req, az, tok, NULL, NULL, 401,
		    "That code is not correct.");
	if (rc == XV_E_UNAUTHORIZED)
		return signin_form(req, az, 401,
		    "Your sign-in has expired. Please start again.");
	if (rc != XV_OK)
		return rc;
	return signed_in(req, az, s, &u, "pwd otp");
}

/* A posted step of the forms, its CSRF token checked first. */
enum xv_err
signin_step(struct xv_req *req, const struct authz *az)
{
	const char	*step = authz_param(req, "step");
	json_t		*s = settings(req);

	if (!xv_csrf_check(req, "signin", authz_param(req, "csrf")))
		return signin_form(req, az, 403,
		    "This form has expired. Please sign in again.");
	if (strcmp(step, "password") == 0)
		return step_password(req, az, s);
	if (strcmp(step, "totp") == 0)
		return step_totp(req, az, s);
	return signin_form(req, az, 400, NULL);
}

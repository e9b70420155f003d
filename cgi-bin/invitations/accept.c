/*
 * accept.c: the invitee's side, /invite/{token}.  GET shows the
 * invitation: a small HTML form (html.c: no external asset, a strict
 * Content-Security-Policy, a CSRF token), or JSON to a client that asks
 * for it.  POST accepts it, from that form or as JSON: the invitation's
 * row is locked, so that concurrent accepts take turns and the first
 * alone creates the user; then expiry (410), state (409), the tenant's
 * allowed_domains (422) and password policy (422, every rule named, in
 * words on the page) are checked, and the user is created with the
 * invited roles.  The tenant's state was checked before (a suspended
 * tenant's invitations cannot be accepted: 403).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"
#include "invitations.h"

#define CSRF_PURPOSE	"invite"

static const struct xv_jcol user_cols[] = {
	{ "id", XV_J_TEXT }, { "email", XV_J_TEXT },
	{ "display_name", XV_J_NULLABLE }, { "roles", XV_J_JSON },
	{ "status", XV_J_TEXT }, { "mfa_enabled", XV_J_BOOL },
	{ "created_at", XV_J_TEXT }, { "last_login_at", XV_J_NULLABLE },
	{ NULL, 0 }
};

/* The invitation of the path's token, its row locked (kept), or 404. */
static PGresult *
by_token(struct xv_req *req, enum xv_err *rc)
{
	char		 hash[65];
	PGresult	*r;

	if (xv_invite_hash(req->params[0], hash) != 0)
		*rc = XV_E_INTERNAL;
	else if ((r = xv_req_call(req, ST_BY_TOKEN, XV_ARGS({ "hash", hash },
	    { "tenant", req->tenant }), rc)) != NULL)
		goto found;
	*rc = xv_fail(req, *rc, NULL, "cannot read the invitation");
	return NULL;
found:
	if (PQntuples(r) != 1) {
		*rc = xv_fail_code(req, XV_E_NOT_FOUND, "invalid_invitation",
		    NULL, "no such invitation");
		return NULL;
	}
	return r;
}

/* 410 when expired, 409 when accepted or revoked, else XV_OK. */
static enum xv_err
usable(struct xv_req *req, PGresult *r)
{
	const char *st = xv_val(r, 0, "status");

	if (strcmp(st, "expired") == 0)
		return xv_fail_code(req, XV_E_GONE, "invitation_expired", NULL,
		    "this invitation has expired; ask for a new one");
	if (strcmp(st, "accepted") == 0)
		return xv_fail_code(req, XV_E_CONFLICT, "invitation_accepted",
		    NULL, "this invitation was already accepted; sign in");
	if (strcmp(st, "pending") != 0)
		return xv_fail_code(req, XV_E_CONFLICT, "invitation_revoked",
		    NULL, "this invitation was withdrawn");
	return XV_OK;
}

/* The policy's rules as a list in words (into b). */
static void
rule_list(struct xv_buf *b, json_t *policy, json_t *rules, const char *id)
{
	json_t	*v;
	size_t	 i;
	char	*w;

	xv_buf_addf(b, "<ul id=\"%s\">", id);
	json_array_foreach(rules, i, v) {
		w = xv_pw_rule_words(policy, json_string_value(v));
		XV_BUF_LIT(b, "<li>");
		xv_html_esc(b, w);
		XV_BUF_LIT(b, "</li>");
		free(w);
	}
	XV_BUF_LIT(b, "</ul>\n");
}

/* Every rule the policy has, for the form's hint. */
static json_t *
policy_rules(json_t *policy)
{
	static const char *const flags[] = { "require_uppercase",
	    "require_lowercase", "require_numbers", "require_special_chars",
	    NULL };
	json_t			*a = json_array();
	const char *const	*f;

	json_array_append_new(a, json_string("min_length"));
	for (f = flags; *f != NULL; f++)
		if (json_is_true(json_object_get(policy, *f)))
			json_array_append_new(a, json_string(*f));
	return a;
}

/*
 * The form, with status, the broken rules (if any) above it, and the
 * display name that was typed kept.
 */
static enum xv_err
form_page(struct xv_req *req, int status, PGresult *inv, json_t *broken)
{
	json_t		*s, *pol, *all;
	char		*tenant;
	const char	*csrf = xv_csrf_issue(req, CSRF_PURPOSE), *dn;
	struct xv_buf	 b = { 0 };
	enum xv_err	 rc;

	if (csrf == NULL)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a CSRF "
		    "token");
	s = tenant_settings(req, &tenant);
	pol = json_object_get(s, "password_policy");
	XV_BUF_LIT(&b, "<p>You are invited to join <strong>");
	xv_html_esc(&b, tenant);
	XV_BUF_LIT(&b, "</strong> as <strong>");
	xv_html_esc(&b, xv_val(inv, 0, "email"));
	XV_BUF_LIT(&b, "</strong>.</p>\n");
	if (!xv_val_null(inv, 0, "message")) {
		XV_BUF_LIT(&b, "<blockquote>");
		xv_html_esc(&b, xv_val(inv, 0, "message"));
		XV_BUF_LIT(&b, "</blockquote>\n");
	}
	if (json_array_size(broken) > 0) {
		XV_BUF_LIT(&b, "<div role=\"alert\" class=\"error\" "
		    "id=\"errors\" tabindex=\"-1\"><p>The password does not "
		    "meet these rules:</p>");
		rule_list(&b, pol, broken, "broken");
		XV_BUF_LIT(&b, "</div>\n");
	}
	XV_BUF_LIT(&b, "<form method=\"post\">\n<input type=\"hidden\" "
	    "name=\"csrf\" value=\"");
	xv_html_esc(&b, csrf);
	XV_BUF_LIT(&b, "\">\n<label for=\"display_name\">Your name "
	    "(optional)</label>\n<input id=\"display_name\" name=\"display_name\""
	    " autocomplete=\"name\" maxlength=\"200\" value=\"");
	dn = json_string_value(json_object_get(req->json, "display_name"));
	xv_html_esc(&b, dn);
	XV_BUF_LIT(&b, "\">\n<label for=\"password\">Choose a password</label>\n"
	    "<input id=\"password\" name=\"password\" type=\"password\" "
	    "autocomplete=\"new-password\" required aria-describedby=\"rules\"");
	if (json_array_size(broken) > 0)
		XV_BUF_LIT(&b, " aria-invalid=\"true\" autofocus");
	XV_BUF_LIT(&b, ">\n<div class=\"hint\" id=\"rules\">The password needs:");
	all = policy_rules(pol);
	rule_list(&b, pol, all, "policy");
	json_decref(all);
	XV_BUF_LIT(&b, "</div>\n<button type=\"submit\">Create my account"
	    "</button>\n</form>");
	rc = xv_html_page(req, status, "Accept your invitation", b.p);
	xv_buf_free(&b);
	return rc;
}

enum xv_err
invite_show(struct xv_req *req)
{
	PGresult	*r;
	enum xv_err	 rc;
	json_t		*o;
	char		*tenant;

	if ((r = by_token(req, &rc)) == NULL || (rc = usable(req, r)) != XV_OK)
		return rc;
	if (!xv_html_wants_json(req))
		return form_page(req, 200, r, NULL);
	tenant_settings(req, &tenant);
	o = json_pack("{s:s, s:s, s:o, s:s, s:s}", "tenant_name", tenant,
	    "email", xv_val(r, 0, "email"), "roles",
	    json_loads(xv_val(r, 0, "roles"), 0, NULL), "status",
	    xv_val(r, 0, "status"), "expires_at", xv_val(r, 0, "expires_at"));
	if (o != NULL)
		json_object_set_new(o, "message", xv_val_null(r, 0, "message") ?
		    json_null() : json_string(xv_val(r, 0, "message")));
	return xv_resp_json(req, 200, o);
}

/* Creates the user of invitation inv with password pw (hashed here). */
static enum xv_err
create_user(struct xv_req *req, PGresult *inv, const char *pw,
    PGresult **user)
{
	const char	*dn = json_string_value(json_object_get(req->json,
			    "display_name"));
	char		*h = xv_keep_secret(req, xv_pw_hash(pw));
	PGresult	*r;
	enum xv_err	 rc;

	if (h == NULL)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot hash");
	if ((r = xv_req_call(req, ST_USER_INSERT, XV_ARGS({ "tenant",
	    req->tenant }, { "email", xv_val(inv, 0, "email") }, { "name",
	    dn != NULL && *dn != '\0' ? dn : NULL }, { "roles",
	    xv_val(inv, 0, "roles") }, { "hash", h }), &rc)) == NULL)
		return rc == XV_E_CONFLICT ? xv_fail_code(req, rc,
		    "user_exists", NULL, "a user with this email exists") :
		    xv_fail(req, rc, NULL, "cannot create the user");
	if (xv_req_call(req, ST_HISTORY_ADD, XV_ARGS({ "tenant", req->tenant },
	    { "user", xv_val(r, 0, "id") }, { "hash", h }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot store history");
	if (xv_req_call(req, ST_ACCEPTED, XV_ARGS({ "id", xv_val(inv, 0, "id") },
	    { "tenant", req->tenant }, { "user", xv_val(r, 0, "id") }), &rc) ==
	    NULL)
		return xv_fail(req, rc, NULL, "cannot close the invitation");
	*user = r;
	return XV_OK;
}

enum xv_err
invite_accept(struct xv_req *req)
{
	const char	*pw = json_string_value(json_object_get(req->json,
			    "password"));
	json_t		*s, *v;
	PGresult	*inv, *user = NULL;
	enum xv_err	 rc;

	if (req->is_form && !xv_csrf_check(req, CSRF_PURPOSE,
	    json_string_value(json_object_get(req->json, "csrf"))))
		return xv_fail_code(req, XV_E_FORBIDDEN, "csrf", NULL,
		    "the form has expired; open the link again");
	if ((inv = by_token(req, &rc)) == NULL ||
	    (rc = usable(req, inv)) != XV_OK)
		return rc;
	s = tenant_settings(req, NULL);
	if (!domain_allowed(s, xv_val(inv, 0, "email")))
		return xv_fail_code(req, XV_E_UNPROCESSABLE,
		    "domain_not_allowed", NULL,
		    "the email's domain is no longer allowed in this tenant");
	v = xv_pw_policy(json_object_get(s, "password_policy"), pw);
	if (json_array_size(v) > 0) {
		if (xv_html_wants_json(req))
			return xv_pw_problem(req, v);
		rc = form_page(req, 422, inv, xv_keep_json(req, v));
		return rc;
	}
	json_decref(v);
	if ((rc = create_user(req, inv, pw, &user)) != XV_OK ||
	    (rc = xv_audit(req, req->tenant, "invitation.accepted",
	    "invitation", xv_val(inv, 0, "id"), NULL, NULL)) != XV_OK ||
	    (rc = xv_audit(req, req->tenant, "user.created", "user",
	    xv_val(user, 0, "id"), NULL, xv_keep_json(req,
	    xv_row_json(user, 0, user_cols)))) != XV_OK)
		return rc;
	if (!xv_html_wants_json(req)) {
		xv_resp_header(req, "Location", "/invite/accepted");
		return xv_resp_raw(req, 303, "text/plain; charset=utf-8",
		    "See /invite/accepted\n", 21);
	}
	return xv_resp_json(req, 201, xv_row_json(user, 0, user_cols));
}

enum xv_err
invite_done(struct xv_req *req)
{
	return xv_html_page(req, 200, "Your account is ready",
	    "<p role=\"status\">You have accepted the invitation. You can "
	    "now sign in with your email and the password you chose.</p>");
}

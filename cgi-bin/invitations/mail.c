/*
 * mail.c: an invitation's mail, written to the outbox in the request's
 * transaction (so it exists exactly when the invitation does), and its
 * cancellation when the token it carries dies.  The text holds "{link}"
 * where xavyo-mailer puts <public_url>/invite/<token>; the token itself
 * is sealed with outbox_key, which only this program and the sender
 * hold, so no table has it in the clear.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"
#include "invitations.h"

/* The mail's text (kept by the request). */
static char *
body(struct xv_req *req, PGresult *inv, const char *tenant)
{
	struct xv_buf	 b = { 0 };
	const char	*msg = xv_val(inv, 0, "message");

	xv_buf_addf(&b, "Hello,\n\nyou are invited to join %s.\n\n", tenant);
	if (*msg != '\0')
		xv_buf_addf(&b, "A message from the person who invited you:\n\n"
		    "%s\n\n", msg);
	xv_buf_addf(&b, "To accept, choose your password at:\n\n{link}\n\n"
	    "The link works once, and until %s (UTC).  If you did not expect "
	    "this invitation, ignore this message.\n",
	    xv_val(inv, 0, "expires_at"));
	return xv_keep_str(req, b.p);
}

enum xv_err
invitation_mail(struct xv_req *req, PGresult *inv, const char *token)
{
	unsigned char	 key[32];
	char		*tenant, *sealed = NULL, *subject = NULL;
	const char	*p[6];
	enum xv_err	 rc;

	if (xv_hex32(xv_conf_get("outbox_key", ""), key) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL,
		    "outbox_key is not configured");
	sealed = xv_keep_str(req, xv_seal(key, (const unsigned char *)token,
	    strlen(token)));
	explicit_bzero(key, sizeof(key));
	tenant_settings(req, &tenant);
	if (sealed == NULL || asprintf(&subject, "Invitation to join %s",
	    tenant) < 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot seal the token");
	p[0] = req->tenant;
	p[1] = xv_val(inv, 0, "id");
	p[2] = xv_val(inv, 0, "email");
	p[3] = xv_keep_str(req, subject);
	p[4] = body(req, inv, tenant);
	p[5] = sealed;
	if (p[4] == NULL || xv_req_run(req, ST_OUTBOX, 6, p, &rc) == NULL)
		return xv_fail(req, p[4] ? rc : XV_E_INTERNAL, NULL,
		    "cannot queue the mail");
	return XV_OK;
}

enum xv_err
invitation_mail_cancel(struct xv_req *req, const char *id)
{
	const char	*p[2] = { id, req->tenant };
	enum xv_err	 rc;

	if (xv_req_run(req, ST_OUTBOX_CANCEL, 2, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot cancel the mail");
	return XV_OK;
}

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

	/* xv_buf_addf cuts at 512 bytes: texts of any length go in whole. */
	XV_BUF_LIT(&b, "Hello,\n\nyou are invited to join ");
	xv_buf_add(&b, tenant, strlen(tenant));
	XV_BUF_LIT(&b, ".\n\n");
	if (*msg != '\0') {
		XV_BUF_LIT(&b, "A message from the person who invited you:\n\n");
		xv_buf_add(&b, msg, strlen(msg));
		XV_BUF_LIT(&b, "\n\n");
	}
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
	const char	*text;
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
	subject = xv_keep_str(req, subject);
	if ((text = body(req, inv, tenant)) == NULL)
		return xv_fail(req, XV_E_INTERNAL, NULL, "out of memory");
	if (xv_req_call(req, ST_OUTBOX, XV_ARGS({ "tenant", req->tenant },
	    { "invitation", xv_val(inv, 0, "id") },
	    { "recipient", xv_val(inv, 0, "email") }, { "subject", subject },
	    { "body", text }, { "sealed", sealed }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot queue the mail");
	return XV_OK;
}

enum xv_err
invitation_mail_cancel(struct xv_req *req, const char *id)
{
	enum xv_err	 rc;

	if (xv_req_call(req, ST_OUTBOX_CANCEL, XV_ARGS({ "invitation", id },
	    { "tenant", req->tenant }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot cancel the mail");
	return XV_OK;
}

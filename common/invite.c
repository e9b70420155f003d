/*
 * invite.c: invitation tokens and their credential resolver.
 *
 * A token is 256 random bits, base64url (43 characters), shown only in
 * the invitation's mail; the database keeps its HMAC-SHA-256 digest,
 * keyed from api_key_secret with a label of its own, as API keys are.
 * The public /invite/{token} names no tenant in a header: the resolver
 * (XV_CRED_INVITE) finds the tenant by the digest alone, through the
 * SECURITY DEFINER function xv_invitation_tenant (0006-invitations.sql),
 * before any transaction; the handler then reads the invitation under
 * that tenant's scope, where its state is decided.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "xv.h"

char *
xv_invite_new(void)
{
	unsigned char	 rnd[32];
	char		*tok = NULL;

	if (xv_random(rnd, sizeof(rnd)) == 0)
		tok = xv_b64url_encode(rnd, sizeof(rnd));
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return tok;
}

int
xv_invite_hash(const char *tok, char out[65])
{
	const char	*secret = xv_conf_get("api_key_secret", NULL);
	char		 key[160];
	size_t		 i;
	int		 rc;

	if (tok == NULL || strlen(tok) != XV_INVITE_LEN)
		return -1;
	for (i = 0; i < XV_INVITE_LEN; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_", tok[i]) == NULL)
			return -1;
	if (secret == NULL || strlen(secret) < 32 || strlen(secret) > 128)
		return -1;
	snprintf(key, sizeof(key), "%s:invitation-token", secret);
	rc = xv_hmac_sha256_hex(key, tok, out);
	OPENSSL_cleanse(key, sizeof(key));
	return rc == 0 ? 0 : -1;
}

enum xv_err
xv_auth_invite(struct xv_req *req)
{
	const char	*p[1];
	char		 hash[65];
	PGresult	*r;
	enum xv_err	 rc;

	req->cred_tenant[0] = '\0';
	if (xv_invite_hash(req->params[0], hash) != 0)
		return xv_fail_code(req, XV_E_NOT_FOUND, "invalid_invitation",
		    NULL, "no such invitation");
	p[0] = hash;
	if ((r = xv_db_lib(XV_ST_INVITE_TENANT, 1, p, &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot look the invitation up");
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0) ||
	    xv_uuid_canon(PQgetvalue(r, 0, 0), req->cred_tenant) != 0) {
		PQclear(r);
		req->cred_tenant[0] = '\0';
		return xv_fail_code(req, XV_E_NOT_FOUND, "invalid_invitation",
		    NULL, "no such invitation");
	}
	PQclear(r);
	return XV_OK;
}

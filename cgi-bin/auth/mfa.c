/*
 * mfa.c: auth.fcgi's passwords and second factor: the policy and history
 * of a new password, POST /auth/password (with a login token, or the
 * token-less path of an expired password), and TOTP setup, verification
 * (completing a login or an enrollment) and removal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xv.h"
#include "auth.h"

/*
 * The policy and the history (the current password and the N-1 before
 * it) for a new password; 422 naming what is wrong.
 */
enum xv_err
password_ok(struct xv_req *req, json_t *s, const char *uid, const char *pw)
{
	json_t		*pol = json_object_get(s, "password_policy");
	json_t		*v = xv_pw_policy(pol, pw);
	long		 n = setting(s, "password_policy",
			    "password_history_count", 5);
	PGresult	*r;
	enum xv_err	 rc;
	int		 i;

	if (json_array_size(v) > 0)
		return xv_pw_problem(req, v);
	json_decref(v);
	if (uid == NULL || n <= 0)
		return XV_OK;
	if ((r = xv_req_call(req, ST_HISTORY, XV_ARGS({ "user", uid },
	    { "tenant", req->tenant }, { "history_count", num(req, n) }),
	    &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot read the history");
	for (i = 0; i < PQntuples(r); i++)
		if (xv_pw_verify(xv_val(r, i, "password_hash"), pw))
			return xv_fail_code(req, XV_E_UNPROCESSABLE,
			    "password_reused", "new_password",
			    "the password was used recently");
	return XV_OK;
}

/* Stores a new password (and its history) for uid. */
enum xv_err
password_set(struct xv_req *req, const char *uid, const char *pw)
{
	char		*h = xv_keep_secret(req, xv_pw_hash(pw));
	enum xv_err	 rc;

	if (h == NULL)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot hash");
	if (xv_req_call(req, ST_PW_SET, XV_ARGS({ "user", uid },
	    { "tenant", req->tenant }, { "password_hash", h }), &rc) == NULL ||
	    xv_req_call(req, ST_HISTORY_ADD, XV_ARGS({ "user", uid },
	    { "tenant", req->tenant }, { "password_hash", h }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot store the password");
	return XV_OK;
}

/* The code of a user with TOTP: accepted once per step. */
enum xv_err
totp_ok(struct xv_req *req, const struct user *u, const char *code)
{
	unsigned char	 mk[32], *key = NULL;
	size_t		 n = 0;
	long long	 step = -1;
	enum xv_err	 rc;

	if (u->sealed != NULL && xv_master_key(mk) == 0 &&
	    (key = xv_unseal(mk, u->sealed, &n)) != NULL)
		step = xv_totp_check(key, n, code, time(NULL), u->last_step);
	explicit_bzero(mk, sizeof(mk));
	if (key != NULL) {
		explicit_bzero(key, n);
		free(key);
	}
	if (step < 0)
		return xv_fail_code(req, XV_E_UNAUTHORIZED, "invalid_code",
		    "code", "wrong or used code");
	if (xv_req_call(req, ST_MFA_STEP, XV_ARGS({ "user", u->id },
	    { "tenant", req->tenant }, { "step", num(req, (long)step) }),
	    &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot record the code");
	return XV_OK;
}

/*
 * With a login token: the user's own password.  Without: the expired
 * password path (email, and code for a user with TOTP), rate-limited.
 * A wrong current_password counts like a failed login.  Every other
 * session of the user ends (all of them on the token-less path).
 */
enum xv_err
auth_password(struct xv_req *req)
{
	json_t		*b = req->json, *s = settings(req);
	const char	*email = json_string_value(json_object_get(b, "email"));
	const char	*cur = json_string_value(json_object_get(b,
			    "current_password"));
	const char	*pw = json_string_value(json_object_get(b,
			    "new_password"));
	struct user	 u;
	enum xv_err	 rc;

	if (!req->authed && email == NULL)
		return xv_fail(req, XV_E_VALIDATION, "email",
		    "email is required without an access token");
	/* Without a token, every attempt counts, as a login's does. */
	if (!req->authed && (rc = rate_limit(req, email)) != XV_OK)
		return rc;
	if (req->authed)
		rc = check_password(req, s, ST_USER_SECRET, req->who.sub, cur, &u);
	else
		rc = check_password(req, s, ST_USER_BY_EMAIL, email, cur, &u);
	if (rc == XV_E_UNAUTHORIZED && req->authed && u.email != NULL) {
		/* A wrong current_password counts toward the rate limit. */
		if ((rc = rate_limit(req, u.email)) != XV_OK)
			return rc;
		return bad_credentials(req);
	}
	if (rc != XV_OK)
		return rc;
	if (!req->authed && !u.expired)
		return xv_fail(req, XV_E_FORBIDDEN, NULL,
		    "without a token, only an expired password can be changed");
	if (!req->authed && u.mfa && (rc = totp_ok(req, &u, json_string_value(
	    json_object_get(b, "code")))) != XV_OK)
		return rc;
	if ((rc = password_ok(req, s, u.id, pw)) != XV_OK ||
	    (rc = password_set(req, u.id, pw)) != XV_OK)
		return rc;
	if (xv_req_call(req, ST_SESSION_END_USER, XV_ARGS({ "user", u.id },
	    { "tenant", req->tenant }, { "reason", "password_changed" },
	    { "keep_session", req->authed ? req->who.sid : NULL }),
	    &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot end sessions");
	return xv_resp_empty(req, 204);
}

/* ---- MFA ---- */

/* The user an mfa_token names, locked; 401 invalid_token if none. */
static enum xv_err
mfa_user(struct xv_req *req, json_t *s, const char *tok, char hash[65],
    struct user *u)
{
	char		 t[XV_UUID_LEN + 1];
	PGresult	*r;
	enum xv_err	 rc;

	if (tok == NULL || xv_refresh_hash(tok, t, hash) != 0 ||
	    strcmp(t, req->tenant) != 0)
		return bad_token(req, "invalid or expired mfa_token");
	if ((r = xv_req_call(req, ST_MFA_GET, XV_ARGS({ "token_hash", hash },
	    { "tenant", req->tenant }), &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot read the mfa_token");
	if (PQntuples(r) != 1)
		return bad_token(req, "invalid or expired mfa_token");
	if ((rc = read_user(req, s, ST_USER_SECRET, xv_val(r, 0, "user_id"),
	    u)) != XV_OK && rc != XV_E_NOT_FOUND)
		return rc;
	if (rc != XV_OK || strcmp(u->status, "active") != 0)
		return bad_token(req, "invalid or expired mfa_token");
	return XV_OK;
}

/*
 * A new TOTP secret for u, not yet enabled (sealed in the user's row):
 * *b32 and *uri (otpauth://) are kept by the request.  409 when TOTP is
 * already enabled.
 */
enum xv_err
mfa_secret_new(struct xv_req *req, const struct user *u, const char **b32,
    const char **uri)
{
	unsigned char	 key[20], mk[32];
	char		*b = NULL, *sealed = NULL, *label, *x = NULL;
	PGresult	*r;
	enum xv_err	 rc = XV_OK;

	if (xv_random(key, sizeof(key)) != 0 || xv_master_key(mk) != 0 ||
	    (sealed = xv_seal(mk, key, sizeof(key))) == NULL ||
	    (b = xv_keep_secret(req, xv_base32_encode(key,
	    sizeof(key)))) == NULL) {
		rc = xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a secret");
		goto out;
	}
	if ((r = xv_req_call(req, ST_MFA_SECRET, XV_ARGS({ "user", u->id },
	    { "tenant", req->tenant }, { "sealed", sealed }), &rc)) == NULL) {
		rc = xv_fail(req, rc, NULL, "cannot store the secret");
		goto out;
	}
	if (strcmp(PQcmdTuples(r), "1") != 0) {
		rc = xv_fail(req, XV_E_CONFLICT, NULL, "TOTP is already enabled; "
		    "turn it off first");
		goto out;
	}
	if ((label = xv_keep_str(req, xv_urlencode(u->email))) != NULL &&
	    asprintf(&x, "otpauth://totp/xavyo:%s?secret=%s&issuer=xavyo"
	    "&algorithm=SHA1&digits=6&period=30", label, b) < 0)
		x = NULL;
	*b32 = b;
	*uri = xv_keep_secret(req, x);
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(mk, sizeof(mk));
	xv_free_secret(sealed);
	return rc;
}

/* Bearer (user) or {"mfa_token"} of a user not yet enrolled. */
enum xv_err
mfa_setup(struct xv_req *req)
{
	char		 hash[65];
	const char	*b32, *uri;
	struct user	 u;
	json_t		*s = settings(req);
	enum xv_err	 rc;

	memset(&u, 0, sizeof(u));
	if (req->authed && (rc = read_user(req, s, ST_USER_SECRET,
	    req->who.sub, &u)) != XV_OK)
		return rc == XV_E_NOT_FOUND ? bad_token(req, "no such user") : rc;
	if (!req->authed && (rc = mfa_user(req, s, json_string_value(
	    json_object_get(req->json, "mfa_token")), hash, &u)) != XV_OK)
		return rc;
	if (!req->authed && u.mfa)
		return bad_token(req, "already enrolled: verify a code instead");
	if ((rc = mfa_secret_new(req, &u, &b32, &uri)) != XV_OK)
		return rc;
	return xv_resp_json(req, 200, json_pack("{s:s, s:s?}", "secret", b32,
	    "otpauth_uri", uri));
}

/*
 * The second step of a sign-in, /auth/mfa/verify's and the sign-in
 * page's alike: the mfa_token's user and a TOTP code.  A wrong code
 * counts against the token (401 invalid_code); a right one enables TOTP
 * (completing an enrollment) and uses the token up.
 */
enum xv_err
mfa_login(struct xv_req *req, json_t *s, const char *tok, const char *code,
    struct user *u)
{
	char		 hash[65];
	enum xv_err	 rc;

	if ((rc = mfa_user(req, s, tok, hash, u)) != XV_OK)
		return rc;
	if ((rc = totp_ok(req, u, code)) != XV_OK) {
		xv_req_call(req, ST_MFA_FAIL, XV_ARGS({ "token_hash", hash },
		    { "tenant", req->tenant }), &rc);
		return xv_fail_code(req, XV_E_UNAUTHORIZED, "invalid_code",
		    "code", "wrong or used code");
	}
	if (xv_req_call(req, ST_MFA_ENABLE, XV_ARGS({ "user", u->id },
	    { "tenant", req->tenant }), &rc) == NULL ||
	    xv_req_call(req, ST_MFA_USED, XV_ARGS({ "token_hash", hash },
	    { "tenant", req->tenant }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot complete the login");
	return XV_OK;
}

/*
 * {"mfa_token", "code"}: completes the login (and the enrollment).
 * Bearer and {"code"}: confirms the enrollment.  A wrong code counts
 * against the mfa_token (committed with the 401).
 */
enum xv_err
mfa_verify(struct xv_req *req)
{
	const char	*code = json_string_value(json_object_get(req->json,
			    "code"));
	json_t		*s = settings(req);
	struct user	 u;
	enum xv_err	 rc;

	memset(&u, 0, sizeof(u));
	if (!req->authed) {
		if ((rc = mfa_login(req, s, json_string_value(json_object_get(
		    req->json, "mfa_token")), code, &u)) != XV_OK)
			return rc;
		return start_session(req, s, &u, "pwd otp");
	}
	if ((rc = read_user(req, s, ST_USER_SECRET, req->who.sub, &u)) != XV_OK)
		return rc == XV_E_NOT_FOUND ? bad_token(req, "no such user") : rc;
	if ((rc = totp_ok(req, &u, code)) != XV_OK)
		return rc;
	if (xv_req_call(req, ST_MFA_ENABLE, XV_ARGS({ "user", u.id },
	    { "tenant", req->tenant }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot enable TOTP");
	return xv_resp_json(req, 200, json_pack("{s:b}", "mfa_enabled", 1));
}

enum xv_err
mfa_delete(struct xv_req *req)
{
	json_t		*s = settings(req);
	struct user	 u;
	enum xv_err	 rc;

	if (json_is_true(json_object_get(s, "require_mfa")))
		return xv_fail_code(req, XV_E_FORBIDDEN, "mfa_required", NULL,
		    "the tenant requires MFA");
	if ((rc = read_user(req, s, ST_USER_SECRET, req->who.sub, &u)) !=
	    XV_OK && rc != XV_E_NOT_FOUND)
		return rc;
	if (u.id == NULL || !u.mfa)
		return xv_fail_code(req, XV_E_UNAUTHORIZED, "invalid_code",
		    "code", "TOTP is not enabled");
	if ((rc = totp_ok(req, &u, json_string_value(json_object_get(req->json,
	    "code")))) != XV_OK)
		return rc;
	if (xv_req_call(req, ST_MFA_OFF, XV_ARGS({ "user", req->who.sub },
	    { "tenant", req->tenant }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot turn TOTP off");
	return xv_resp_empty(req, 204);
}

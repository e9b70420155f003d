/*
 * login.c: auth.fcgi's login, refresh, logout and /auth/me, and what
 * they share with the other files: the tenant's settings, the problem
 * codes of /auth, the rate limit and the lockout, the password check
 * (as long for an unknown user as for a known one), sessions and the
 * tokens of a session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xv.h"
#include "auth.h"

static const struct xv_col secret_cols[] = {
	XV_COL(struct user, id, XV_C_TEXT),
	XV_COL(struct user, email, XV_C_TEXT),
	{ "password_hash", XV_C_NULLABLE, offsetof(struct user, hash) },
	XV_COL(struct user, status, XV_C_TEXT),
	XV_COL(struct user, roles, XV_C_TEXT),
	XV_COL(struct user, locked, XV_C_BOOL),
	{ "mfa_enabled", XV_C_BOOL, offsetof(struct user, mfa) },
	{ "mfa_secret_sealed", XV_C_NULLABLE, offsetof(struct user, sealed) },
	{ "mfa_last_step", XV_C_LONG, offsetof(struct user, last_step) },
	XV_COL(struct user, expired, XV_C_BOOL),
};

/* ---- the tenant's settings ---- */

/* The tenant's settings (kept by the request), defaults if it has none. */
json_t *
settings(struct xv_req *req)
{
	PGresult	*r;
	enum xv_err	 rc;
	json_t		*s = NULL;

	if ((r = xv_req_call(req, ST_SETTINGS, XV_ARGS({ "tenant",
	    req->tenant }), &rc)) != NULL &&
	    PQntuples(r) == 1)
		s = json_loads(xv_val(r, 0, "settings"), 0, NULL);
	if (s == NULL)
		s = xv_settings_default();
	return xv_keep_json(req, s);
}

long
setting(json_t *s, const char *obj, const char *key, long def)
{
	json_t *v = obj ? json_object_get(json_object_get(s, obj), key) :
	    json_object_get(s, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : def;
}

const char *
num(struct xv_req *req, long v)
{
	char *s = NULL;

	if (asprintf(&s, "%ld", v) < 0)
		return "0";
	return xv_keep_str(req, s);
}

/* ---- errors with their own codes ---- */

enum xv_err
bad_credentials(struct xv_req *req)
{
	return xv_fail_code(req, XV_E_UNAUTHORIZED, "invalid_credentials", NULL,
	    "invalid email or password");
}

enum xv_err
bad_token(struct xv_req *req, const char *what)
{
	return xv_fail_code(req, XV_E_UNAUTHORIZED, "invalid_token", NULL, what);
}

/* ---- the rate limit and the lockout ---- */

/* Counts the attempt; 429 with Retry-After when the window is full. */
enum xv_err
rate_limit(struct xv_req *req, const char *email)
{
	const char	*max = num(req, xv_conf_int("login_rate_limit",
			    LOGIN_WINDOW_MAX));
	PGresult	*r;
	enum xv_err	 rc;

	if (xv_req_call(req, ST_ASYNC, NULL, 0, &rc) == NULL ||
	    (r = xv_req_call(req, ST_ATTEMPT, XV_ARGS({ "tenant", req->tenant },
	    { "ip", xv_req_client_ip(req) }, { "email", email },
	    { "window_max", max }), &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot count the attempt");
	if (atol(xv_val(r, 0, "retry_after")) > 0) {
		xv_resp_header(req, "Retry-After", xv_val(r, 0, "retry_after"));
		return xv_fail_code(req, XV_E_RATE_LIMITED, "rate_limited",
		    NULL, "too many attempts; try again later");
	}
	return XV_OK;
}

/* A wrong password: one more failure toward the lockout. */
static enum xv_err
count_failure(struct xv_req *req, json_t *s, const char *uid)
{
	enum xv_err	 rc;

	if (xv_req_call(req, ST_ASYNC, NULL, 0, &rc) == NULL ||
	    xv_req_call(req, ST_FAIL, XV_ARGS({ "user", uid },
	    { "tenant", req->tenant },
	    { "reset_after_minutes", num(req, setting(s, "lockout_policy",
	    "reset_after_minutes", 60)) },
	    { "max_attempts", num(req, setting(s, "lockout_policy",
	    "max_attempts", 5)) },
	    { "lockout_duration_minutes", num(req, setting(s, "lockout_policy",
	    "lockout_duration_minutes", 15)) }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot count the failure");
	return bad_credentials(req);
}

/*
 * Reads the user by email (ST_USER_BY_EMAIL) or id (ST_USER_SECRET),
 * row locked, into *u (strings kept by the request).  XV_E_NOT_FOUND,
 * unrecorded, when there is none.
 */
enum xv_err
read_user(struct xv_req *req, json_t *s, int st, const char *key,
    struct user *u)
{
	const char	*max_age = num(req, setting(s, "password_policy",
			    "max_age_days", 90));
	PGresult	*r;
	enum xv_err	 rc;

	memset(u, 0, sizeof(*u));
	if (key == NULL || (st == ST_USER_SECRET && !xv_valid_uuid(key)))
		return XV_E_NOT_FOUND;
	if ((r = xv_req_call(req, st, XV_ARGS({ "tenant", req->tenant },
	    { st == ST_USER_SECRET ? "user" : "email", key },
	    { "max_age_days", max_age }), &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot read the user");
	if (PQntuples(r) != 1)
		return XV_E_NOT_FOUND;
	if (xv_row_decode(r, 0, secret_cols, XV_NELEM(secret_cols), u) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "bad user row");
	return XV_OK;
}

/*
 * Reads the user and checks the password, as long for an unknown,
 * disabled or locked user as for a known one: one Argon2id verification
 * each (of a dummy hash when there is none).  The hash runs between two
 * transactions (xv_req_pause): what came before (the attempt counted)
 * is committed, and no lock, snapshot or row is held while it runs.
 * Unknown, disabled, locked or wrong: 401 invalid_credentials, a wrong
 * password counted toward the lockout.  Right, of an active user, and
 * made with parameters below the current ones: u->fresh gets a new
 * hash, for the caller to store.
 */
enum xv_err
check_password(struct xv_req *req, json_t *s, int st, const char *key,
    const char *pw, struct user *u)
{
	enum xv_err	 rc;
	int		 ok, known, usable;

	if ((rc = read_user(req, s, st, key, u)) != XV_OK &&
	    rc != XV_E_NOT_FOUND)
		return rc;
	known = rc == XV_OK;
	usable = known && !u->locked && strcmp(u->status, "active") == 0;
	if ((rc = xv_req_pause(req)) != XV_OK)
		return rc;
	ok = xv_pw_verify(known && u->hash ? u->hash : xv_pw_dummy(), pw) &&
	    known && u->hash != NULL;
	if (ok && usable && xv_pw_stale(u->hash))
		u->fresh = xv_keep_secret(req, xv_pw_hash(pw));
	if ((rc = xv_req_resume(req)) != XV_OK)
		return rc;
	if (!usable)
		return bad_credentials(req);
	if (!ok)
		return count_failure(req, s, u->id);
	return XV_OK;
}

/* ---- tokens and sessions ---- */

static char *
mint_access(struct xv_req *req, const struct user *u, const char *sid,
    const char *amr, long ttl)
{
	char	*tok = NULL, *dup, *sp, *t;
	json_t	*a = json_array(), *x;

	for (sp = dup = strdup(amr); dup && (t = strsep(&sp, " ")) != NULL;)
		if (*t != '\0')
			json_array_append_new(a, json_string(t));
	free(dup);
	x = json_pack("{s:o?, s:s, s:s, s:o}", "roles",
	    json_loads(u->roles, 0, NULL), "email", u->email, "sid", sid,
	    "amr", a);
	if (x != NULL)
		tok = xv_access_token(u->id, XV_CLIENT_LOGIN, req->tenant, ttl, x);
	json_decref(x);
	return tok;
}

/* A new refresh token of the session, and the answer with the pair. */
static enum xv_err
answer_tokens(struct xv_req *req, const struct user *u, const char *sid,
    const char *amr)
{
	char		*rt, hash[65], *at;
	long		 ttl = xv_conf_int("access_token_ttl", 900);
	enum xv_err	 rc;

	if ((rt = xv_keep_secret(req, xv_refresh_new(req->tenant))) == NULL ||
	    xv_refresh_hash(rt, (char[XV_UUID_LEN + 1]){ 0 }, hash) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a token");
	if (xv_req_call(req, ST_RT_INSERT, XV_ARGS({ "token_hash", hash },
	    { "tenant", req->tenant }, { "session", sid }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot store the token");
	if ((at = xv_keep_secret(req, mint_access(req, u, sid, amr, ttl))) == NULL)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot sign the token");
	xv_resp_header(req, "Pragma", "no-cache");
	return xv_resp_json(req, 200, json_pack("{s:s, s:s, s:s, s:I}",
	    "access_token", at, "refresh_token", rt, "token_type", "Bearer",
	    "expires_in", (json_int_t)ttl));
}

/* Starts a session, ending the oldest beyond the cap; *sid is kept. */
enum xv_err
session_new(struct xv_req *req, json_t *s, const struct user *u,
    const char *amr, const char **sid)
{
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = xv_req_call(req, ST_SESSION_NEW, XV_ARGS({ "tenant",
	    req->tenant }, { "user", u->id }, { "amr", amr }), &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot start a session");
	*sid = xv_val(r, 0, "id");
	if (xv_req_call(req, ST_SESSION_EVICT, XV_ARGS({ "tenant",
	    req->tenant }, { "user", u->id }, { "max_sessions", num(req,
	    setting(s, NULL, "max_sessions_per_user", 10)) }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot end old sessions");
	return XV_OK;
}

/* Starts a session and answers its token pair. */
enum xv_err
start_session(struct xv_req *req, json_t *s, const struct user *u,
    const char *amr)
{
	const char	*sid;
	enum xv_err	 rc;

	if ((rc = session_new(req, s, u, amr, &sid)) != XV_OK)
		return rc;
	return answer_tokens(req, u, sid, amr);
}

/* A new mfa_token for u (kept by the request): the login's second step. */
enum xv_err
mfa_token_new(struct xv_req *req, const struct user *u, const char **tok)
{
	char		*t, hash[65];
	enum xv_err	 rc;

	if ((t = xv_keep_secret(req, xv_refresh_new(req->tenant))) == NULL ||
	    xv_refresh_hash(t, (char[XV_UUID_LEN + 1]){ 0 }, hash) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a token");
	if (xv_req_call(req, ST_MFA_NEW, XV_ARGS({ "token_hash", hash },
	    { "tenant", req->tenant }, { "user", u->id }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot store the token");
	*tok = t;
	return XV_OK;
}

/* {"mfa_required": true, "mfa_token", "mfa_enrolled", "expires_in"}. */
static enum xv_err
mfa_challenge(struct xv_req *req, const struct user *u)
{
	const char	*t;
	enum xv_err	 rc;

	if ((rc = mfa_token_new(req, u, &t)) != XV_OK)
		return rc;
	return xv_resp_json(req, 200, json_pack("{s:b, s:s, s:b, s:i}",
	    "mfa_required", 1, "mfa_token", t, "mfa_enrolled", u->mfa,
	    "expires_in", MFA_TTL));
}

/*
 * The first step of every sign-in, /auth/login's and the sign-in
 * page's alike (API.md 7): the attempt counted toward the rate limit
 * (429 when the window is full), the password checked (401
 * invalid_credentials, a failure counted toward the lockout), a stale
 * hash redone, the success recorded, an expired password refused (403
 * password_expired).  *mfa says whether a TOTP code must follow.
 */
enum xv_err
login_password(struct xv_req *req, json_t *s, const char *email,
    const char *pw, struct user *u, int *mfa)
{
	PGresult	*r;
	enum xv_err	 rc;

	*mfa = 0;
	if ((rc = rate_limit(req, email)) != XV_OK)
		return rc;
	if ((rc = check_password(req, s, ST_USER_BY_EMAIL, email, pw, u)) !=
	    XV_OK)
		return rc;
	/* The rehash, if any, replaces the hash just checked. */
	if ((r = xv_req_call(req, ST_LOGIN_OK, XV_ARGS({ "user", u->id },
	    { "tenant", req->tenant }, { "new_hash", u->fresh },
	    { "checked_hash", u->hash }), &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot record the login");
	if (PQntuples(r) != 1)		/* changed, disabled or locked meanwhile */
		return bad_credentials(req);
	if (u->expired)
		return xv_fail_code(req, XV_E_FORBIDDEN, "password_expired", NULL,
		    "the password has expired; change it with POST /auth/password");
	*mfa = u->mfa || json_is_true(json_object_get(s, "require_mfa"));
	return XV_OK;
}

/* ---- /auth routes ---- */

enum xv_err
auth_login(struct xv_req *req)
{
	json_t		*s = settings(req);
	struct user	 u;
	enum xv_err	 rc;
	int		 mfa;

	if ((rc = login_password(req, s, json_string_value(json_object_get(
	    req->json, "email")), json_string_value(json_object_get(req->json,
	    "password")), &u, &mfa)) != XV_OK)
		return rc;
	if (mfa)
		return mfa_challenge(req, &u);
	return start_session(req, s, &u, "pwd");
}

/* Reads a refresh token's row (locked); 401 unless it may be used. */
static enum xv_err
refresh_row(struct xv_req *req, json_t *s, const char *hash, PGresult **out)
{
	const char	*idle = num(req, setting(s, NULL,
			    "session_timeout_minutes", 30));
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = xv_req_call(req, ST_RT_GET, XV_ARGS({ "token_hash", hash },
	    { "tenant", req->tenant }, { "idle_minutes", idle }), &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot read the token");
	if (PQntuples(r) != 1)
		return bad_token(req, "invalid, expired or ended refresh token");
	*out = r;
	return XV_OK;
}

enum xv_err
end_session(struct xv_req *req, const char *sid, const char *why)
{
	enum xv_err	 rc;

	if (xv_req_call(req, ST_SESSION_END, XV_ARGS({ "session", sid },
	    { "tenant", req->tenant }, { "reason", why }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot end the session");
	return XV_OK;
}

/*
 * Rotation: the token presented dies, a new pair is answered.  A token
 * already rotated is a stolen copy or the thief's: its whole session
 * ends (committed with the 401: the route keeps errors).
 */
enum xv_err
auth_refresh(struct xv_req *req)
{
	const char	*tok = json_string_value(json_object_get(req->json,
			    "refresh_token"));
	char		 hash[65], t[XV_UUID_LEN + 1];
	json_t		*s = settings(req);
	PGresult	*r = NULL;
	struct user	 u;
	const char	*sid;
	enum xv_err	 rc;

	if (xv_refresh_hash(tok, t, hash) != 0)
		return bad_token(req, "invalid refresh token");
	if ((rc = refresh_row(req, s, hash, &r)) != XV_OK)
		return rc;
	sid = xv_val(r, 0, "session_id");
	if (xv_val(r, 0, "rotated")[0] == 't') {
		if ((rc = end_session(req, sid, "refresh_reuse")) != XV_OK)
			return rc;
		return bad_token(req, "refresh token reused: session ended");
	}
	if (xv_val(r, 0, "live")[0] != 't' || xv_val(r, 0, "fresh")[0] != 't' ||
	    strcmp(xv_val(r, 0, "status"), "active") != 0)
		return bad_token(req, "invalid, expired or ended refresh token");
	if (xv_req_call(req, ST_RT_ROTATE, XV_ARGS({ "token_hash", hash },
	    { "tenant", req->tenant }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot rotate the token");
	if (xv_req_call(req, ST_SESSION_TOUCH, XV_ARGS({ "session", sid },
	    { "tenant", req->tenant }), &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot touch the session");
	memset(&u, 0, sizeof(u));
	u.id = xv_val(r, 0, "user_id");
	u.email = xv_val(r, 0, "email");
	u.roles = xv_val(r, 0, "roles");
	return answer_tokens(req, &u, sid, xv_val(r, 0, "amr"));
}

/* Ends the session of the bearer token, or of the refresh token. */
enum xv_err
auth_logout(struct xv_req *req)
{
	const char	*tok = json_string_value(json_object_get(req->json,
			    "refresh_token"));
	char		 hash[65], t[XV_UUID_LEN + 1];
	PGresult	*r;
	enum xv_err	 rc;

	if (req->authed)
		rc = end_session(req, req->who.sid, "logout");
	else if (xv_refresh_hash(tok, t, hash) != 0)
		rc = bad_token(req, "invalid refresh token");
	else if ((rc = refresh_row(req, settings(req), hash, &r)) == XV_OK)
		rc = end_session(req, xv_val(r, 0, "session_id"), "logout");
	if (rc != XV_OK)
		return rc;
	return xv_resp_empty(req, 204);
}

enum xv_err
auth_me(struct xv_req *req)
{
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = xv_row_call(req, ST_USER_GET, XV_ARGS({ "user", req->who.sub },
	    { "tenant", req->tenant }), "user", &rc)) == NULL)
		return rc;
	return xv_resp_json(req, 200, user_json(r, 0));
}

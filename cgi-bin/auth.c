/*
 * auth.fcgi: a tenant's users and their sign-in.  Login with email and
 * password (Argon2id), sessions with rotating refresh tokens and reuse
 * detection, logout, password change, TOTP, and the users admin API.
 * The tenant's settings are in force: the login rate limit (kept in
 * PostgreSQL, shared by every process and server), lockout, the session
 * cap and idle timeout, the password policy, history and maximum age,
 * and require_mfa.  Access tokens are RFC 9068 JWTs of the first-party
 * client "xavyo-login" with the session's sid, which every program
 * checks on every request (auth.c, xv_session_alive).  See auth.fcgi(8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xv.h"

#define LOGIN_WINDOW_MAX	5	/* attempts per 60 s (API.md 7) */
#define MFA_TTL			300
#define MFA_FAILURES		5

enum stmt {
	ST_SETTINGS,
	ST_ATTEMPT,
	ST_USER_BY_EMAIL,
	ST_USER_SECRET,
	ST_FAIL,
	ST_LOGIN_OK,
	ST_SESSION_NEW,
	ST_SESSION_EVICT,
	ST_SESSION_TOUCH,
	ST_SESSION_END,
	ST_SESSION_END_USER,
	ST_RT_INSERT,
	ST_RT_GET,
	ST_RT_ROTATE,
	ST_USER_GET,
	ST_USER_LIST,
	ST_USER_INSERT,
	ST_USER_UPDATE,
	ST_USER_UNLOCK,
	ST_HISTORY,
	ST_HISTORY_ADD,
	ST_PW_SET,
	ST_MFA_NEW,
	ST_MFA_GET,
	ST_MFA_FAIL,
	ST_MFA_USED,
	ST_MFA_SECRET,
	ST_MFA_ENABLE,
	ST_MFA_STEP,
	ST_MFA_OFF,
	ST__MAX
};

/* A user as answers show it: never a hash or a secret. */
#define USER_COLS \
	"id, email, display_name, to_json(roles)::text AS roles, status, " \
	"mfa_enabled, xv_ts(created_at) AS created_at, " \
	"xv_ts(last_login_at) AS last_login_at"
/* What login and password changes read of a user, row locked. */
#define SECRET_COLS \
	"id, email, password_hash, status, to_json(roles)::text AS roles, " \
	"coalesce(locked_until > now(), false) AS locked, mfa_enabled, " \
	"mfa_secret_sealed, mfa_last_step, " \
	"($3::int > 0 AND password_changed_at < now() - " \
	"make_interval(days => $3::int)) AS expired"
#define JSON_ARRAY(n)	"ARRAY(SELECT json_array_elements_text($" #n "::json))"

static const struct xv_stmt stmts[ST__MAX] = {
	[ST_SETTINGS] = { "settings", 1,
	    "SELECT settings::text AS settings FROM tenant_settings "
	    "WHERE tenant_id = $1::uuid" },
	[ST_ATTEMPT] = { "attempt", 4,
	    "SELECT before, retry_after FROM xv_login_attempt($1::uuid, $2, "
	    "$3, $4::int)" },
	[ST_USER_BY_EMAIL] = { "user_by_email", 3,
	    "SELECT " SECRET_COLS " FROM users WHERE tenant_id = $1::uuid "
	    "AND lower(email) = lower($2) FOR UPDATE" },
	[ST_USER_SECRET] = { "user_secret", 3,
	    "SELECT " SECRET_COLS " FROM users WHERE tenant_id = $1::uuid "
	    "AND id = $2::uuid FOR UPDATE" },
	/*
	 * One more failure within reset_after_minutes ($3), else the first;
	 * the max_attempts-th ($4) locks for lockout_duration_minutes ($5)
	 * and starts the count again.
	 */
	[ST_FAIL] = { "fail", 5,
	    "UPDATE users u SET failed_attempts = CASE WHEN n.c >= $4::int "
	    "THEN 0 ELSE n.c END, first_failed_at = CASE WHEN n.c >= $4::int "
	    "THEN NULL ELSE n.f END, locked_until = CASE WHEN n.c >= $4::int "
	    "THEN now() + make_interval(mins => $5::int) ELSE u.locked_until "
	    "END FROM (SELECT id, CASE WHEN first_failed_at IS NULL OR "
	    "first_failed_at < now() - make_interval(mins => $3::int) THEN 1 "
	    "ELSE failed_attempts + 1 END AS c, CASE WHEN first_failed_at IS "
	    "NULL OR first_failed_at < now() - make_interval(mins => $3::int) "
	    "THEN now() ELSE first_failed_at END AS f FROM users "
	    "WHERE id = $1::uuid AND tenant_id = $2::uuid) n WHERE u.id = n.id" },
	[ST_LOGIN_OK] = { "login_ok", 3,
	    "UPDATE users SET failed_attempts = 0, first_failed_at = NULL, "
	    "last_login_at = now(), password_hash = coalesce($3, password_hash) "
	    "WHERE id = $1::uuid AND tenant_id = $2::uuid" },
	[ST_SESSION_NEW] = { "session_new", 3,
	    "INSERT INTO sessions (tenant_id, user_id, amr) VALUES ($1::uuid, "
	    "$2::uuid, string_to_array($3, ' ')) RETURNING id" },
	/* The newest $3 sessions stay; older live ones end. */
	[ST_SESSION_EVICT] = { "session_evict", 3,
	    "UPDATE sessions SET ended_at = now(), end_reason = 'evicted' "
	    "WHERE tenant_id = $1::uuid AND id IN (SELECT id FROM sessions "
	    "WHERE tenant_id = $1::uuid AND user_id = $2::uuid AND ended_at IS "
	    "NULL ORDER BY created_at DESC, id OFFSET $3::int)" },
	[ST_SESSION_TOUCH] = { "session_touch", 2,
	    "UPDATE sessions SET last_used_at = now() WHERE id = $1::uuid AND "
	    "tenant_id = $2::uuid" },
	[ST_SESSION_END] = { "session_end", 3,
	    "UPDATE sessions SET ended_at = now(), end_reason = $3 "
	    "WHERE id = $1::uuid AND tenant_id = $2::uuid AND ended_at IS NULL" },
	/* Every live session of the user but $4 (if any). */
	[ST_SESSION_END_USER] = { "session_end_user", 4,
	    "UPDATE sessions SET ended_at = now(), end_reason = $3 "
	    "WHERE user_id = $1::uuid AND tenant_id = $2::uuid AND ended_at "
	    "IS NULL AND id IS DISTINCT FROM $4::uuid" },
	[ST_RT_INSERT] = { "rt_insert", 3,
	    "INSERT INTO refresh_tokens (token_hash, tenant_id, session_id) "
	    "VALUES ($1, $2::uuid, $3::uuid)" },
	[ST_RT_GET] = { "rt_get", 3,
	    "SELECT rt.session_id, rt.rotated_at IS NOT NULL AS rotated, "
	    "s.ended_at IS NULL AS live, s.last_used_at > now() - "
	    "make_interval(mins => $3::int) AS fresh, s.user_id, "
	    "array_to_string(s.amr, ' ') AS amr, u.email, "
	    "to_json(u.roles)::text AS roles, u.status "
	    "FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id "
	    "AND s.tenant_id = rt.tenant_id JOIN users u ON u.id = s.user_id "
	    "AND u.tenant_id = s.tenant_id WHERE rt.token_hash = $1 AND "
	    "rt.tenant_id = $2::uuid FOR UPDATE OF rt, s" },
	[ST_RT_ROTATE] = { "rt_rotate", 2,
	    "UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1 "
	    "AND tenant_id = $2::uuid" },
	[ST_USER_GET] = { "user_get", 2,
	    "SELECT " USER_COLS " FROM users WHERE id = $1::uuid AND "
	    "tenant_id = $2::uuid" },
	/* Filters email, status, role ($2..$4, NULL: any); total last. */
	[ST_USER_LIST] = { "user_list", 6,
	    "WITH f AS (SELECT * FROM users WHERE tenant_id = $1::uuid AND "
	    "($2::text IS NULL OR lower(email) = lower($2)) AND "
	    "($3::text IS NULL OR status = $3) AND "
	    "($4::text IS NULL OR $4 = ANY (roles))) "
	    "SELECT p.id, p.email, p.display_name, to_json(p.roles)::text AS "
	    "roles, p.status, p.mfa_enabled, xv_ts(p.created_at) AS created_at, "
	    "xv_ts(p.last_login_at) AS last_login_at, t.total "
	    "FROM (SELECT count(*) FROM f) t(total) LEFT JOIN LATERAL "
	    "(SELECT * FROM f ORDER BY created_at, id LIMIT $5::int "
	    "OFFSET $6::bigint) p ON true" },
	[ST_USER_INSERT] = { "user_insert", 5,
	    "INSERT INTO users (tenant_id, email, display_name, roles, "
	    "password_hash) VALUES ($1::uuid, $2, $3, " JSON_ARRAY(4) ", $5) "
	    "RETURNING " USER_COLS },
	[ST_USER_UPDATE] = { "user_update", 5,
	    "UPDATE users SET display_name = coalesce($3, display_name), "
	    "roles = CASE WHEN $4::json IS NULL THEN roles ELSE " JSON_ARRAY(4)
	    " END, status = coalesce($5, status), updated_at = now() "
	    "WHERE id = $1::uuid AND tenant_id = $2::uuid RETURNING " USER_COLS },
	[ST_USER_UNLOCK] = { "user_unlock", 2,
	    "UPDATE users SET locked_until = NULL, failed_attempts = 0, "
	    "first_failed_at = NULL, updated_at = now() WHERE id = $1::uuid "
	    "AND tenant_id = $2::uuid RETURNING " USER_COLS },
	[ST_HISTORY] = { "history", 3,
	    "SELECT password_hash FROM password_history WHERE user_id = $1::uuid "
	    "AND tenant_id = $2::uuid ORDER BY created_at DESC, id DESC "
	    "LIMIT $3::int" },
	[ST_HISTORY_ADD] = { "history_add", 3,
	    "INSERT INTO password_history (tenant_id, user_id, password_hash) "
	    "VALUES ($1::uuid, $2::uuid, $3)" },
	[ST_PW_SET] = { "pw_set", 3,
	    "UPDATE users SET password_hash = $3, password_changed_at = now(), "
	    "updated_at = now() WHERE id = $1::uuid AND tenant_id = $2::uuid" },
	[ST_MFA_NEW] = { "mfa_new", 3,
	    "INSERT INTO mfa_challenges (token_hash, tenant_id, user_id, "
	    "expires_at) VALUES ($1, $2::uuid, $3::uuid, now() + interval "
	    "'300 seconds')" },
	[ST_MFA_GET] = { "mfa_get", 2,
	    "SELECT user_id FROM mfa_challenges WHERE token_hash = $1 AND "
	    "tenant_id = $2::uuid AND used_at IS NULL AND expires_at > now() "
	    "AND failures < 5 FOR UPDATE" },
	[ST_MFA_FAIL] = { "mfa_fail", 2,
	    "UPDATE mfa_challenges SET failures = failures + 1 "
	    "WHERE token_hash = $1 AND tenant_id = $2::uuid" },
	[ST_MFA_USED] = { "mfa_used", 2,
	    "UPDATE mfa_challenges SET used_at = now() "
	    "WHERE token_hash = $1 AND tenant_id = $2::uuid" },
	[ST_MFA_SECRET] = { "mfa_secret", 3,
	    "UPDATE users SET mfa_secret_sealed = $3, updated_at = now() "
	    "WHERE id = $1::uuid AND tenant_id = $2::uuid AND NOT mfa_enabled" },
	[ST_MFA_ENABLE] = { "mfa_enable", 2,
	    "UPDATE users SET mfa_enabled = true, updated_at = now() "
	    "WHERE id = $1::uuid AND tenant_id = $2::uuid" },
	[ST_MFA_STEP] = { "mfa_step", 3,
	    "UPDATE users SET mfa_last_step = $3::bigint "
	    "WHERE id = $1::uuid AND tenant_id = $2::uuid" },
	[ST_MFA_OFF] = { "mfa_off", 2,
	    "UPDATE users SET mfa_enabled = false, mfa_secret_sealed = NULL, "
	    "updated_at = now() WHERE id = $1::uuid AND tenant_id = $2::uuid" },
};

static const struct xv_jcol user_cols[] = {
	{ "id", XV_J_TEXT }, { "email", XV_J_TEXT },
	{ "display_name", XV_J_NULLABLE }, { "roles", XV_J_JSON },
	{ "status", XV_J_TEXT }, { "mfa_enabled", XV_J_BOOL },
	{ "created_at", XV_J_TEXT }, { "last_login_at", XV_J_NULLABLE },
	{ NULL, 0 }
};

static json_t *
user_json(PGresult *r, int i)
{
	return xv_row_json(r, i, user_cols);
}

/* A user row of SECRET_COLS, by name. */
struct user {
	const char	*id, *email, *hash, *status, *roles, *sealed;
	int		 locked, mfa, expired;
	long		 last_step;
};

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
static json_t *
settings(struct xv_req *req)
{
	const char	*p[1] = { req->tenant };
	PGresult	*r;
	enum xv_err	 rc;
	json_t		*s = NULL;

	if ((r = xv_req_run(req, ST_SETTINGS, 1, p, &rc)) != NULL &&
	    PQntuples(r) == 1)
		s = json_loads(xv_val(r, 0, "settings"), 0, NULL);
	if (s == NULL)
		s = xv_settings_default();
	return xv_keep_json(req, s);
}

static long
setting(json_t *s, const char *obj, const char *key, long def)
{
	json_t *v = obj ? json_object_get(json_object_get(s, obj), key) :
	    json_object_get(s, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : def;
}

static const char *
num(struct xv_req *req, long v)
{
	char *s = NULL;

	if (asprintf(&s, "%ld", v) < 0)
		return "0";
	return xv_keep_str(req, s);
}

/* ---- errors with their own codes ---- */

static enum xv_err
bad_credentials(struct xv_req *req)
{
	return xv_fail_code(req, XV_E_UNAUTHORIZED, "invalid_credentials", NULL,
	    "invalid email or password");
}

static enum xv_err
bad_token(struct xv_req *req, const char *what)
{
	return xv_fail_code(req, XV_E_UNAUTHORIZED, "invalid_token", NULL, what);
}

/* 422 password_policy with every rule broken (steals v). */
static enum xv_err
policy_problem(struct xv_req *req, json_t *v)
{
	json_t	*p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:o}", "type",
		    "urn:xavyo:error:password_policy", "title",
		    xv_err_title(XV_E_UNPROCESSABLE), "status", 422, "detail",
		    "the password breaks the tenant's password policy", "error",
		    "password_policy", "violations", v);
	char	*s = p ? json_dumps(p, JSON_COMPACT) : NULL;
	enum xv_err rc;

	json_decref(p);
	if (s == NULL)
		return xv_fail(req, XV_E_INTERNAL, NULL, "out of memory");
	rc = xv_resp_raw(req, 422, "application/problem+json", s, strlen(s));
	free(s);
	return rc == XV_OK ? XV_DONE : rc;
}

/* ---- the rate limit and the lockout ---- */

/* Counts the attempt; 429 with Retry-After when the window is full. */
static enum xv_err
rate_limit(struct xv_req *req, const char *email)
{
	const char	*p[4] = { req->tenant, xv_req_client_ip(req), email,
			    num(req, xv_conf_int("login_rate_limit",
			    LOGIN_WINDOW_MAX)) };
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = xv_req_run(req, ST_ATTEMPT, 4, p, &rc)) == NULL)
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
	const char	*p[5] = { uid, req->tenant,
			    num(req, setting(s, "lockout_policy",
			    "reset_after_minutes", 60)),
			    num(req, setting(s, "lockout_policy",
			    "max_attempts", 5)),
			    num(req, setting(s, "lockout_policy",
			    "lockout_duration_minutes", 15)) };
	enum xv_err	 rc;

	if (xv_req_run(req, ST_FAIL, 5, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot count the failure");
	return bad_credentials(req);
}

/*
 * Reads the user by email (ST_USER_BY_EMAIL) or id (ST_USER_SECRET),
 * row locked, into *u (strings kept by the request).  XV_E_NOT_FOUND,
 * unrecorded, when there is none.
 */
static enum xv_err
read_user(struct xv_req *req, json_t *s, int st, const char *key,
    struct user *u)
{
	const char	*p[3] = { req->tenant, key, num(req, setting(s,
			    "password_policy", "max_age_days", 90)) };
	PGresult	*r;
	enum xv_err	 rc;

	memset(u, 0, sizeof(*u));
	if (key == NULL || (st == ST_USER_SECRET && !xv_valid_uuid(key)))
		return XV_E_NOT_FOUND;
	if ((r = xv_req_run(req, st, 3, p, &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot read the user");
	if (PQntuples(r) != 1)
		return XV_E_NOT_FOUND;
	if (xv_row_decode(r, 0, secret_cols, XV_NELEM(secret_cols), u) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "bad user row");
	return XV_OK;
}

/*
 * Reads the user and checks the password, as long for an unknown user
 * as for a known one.  Unknown, disabled, locked or wrong: 401
 * invalid_credentials, a wrong password counted toward the lockout.
 */
static enum xv_err
check_password(struct xv_req *req, json_t *s, int st, const char *key,
    const char *pw, struct user *u)
{
	enum xv_err	 rc;
	int		 ok;

	if ((rc = read_user(req, s, st, key, u)) == XV_E_NOT_FOUND) {
		xv_pw_verify(xv_pw_dummy(), pw);
		return bad_credentials(req);
	}
	if (rc != XV_OK)
		return rc;
	ok = xv_pw_verify(u->hash ? u->hash : xv_pw_dummy(), pw) &&
	    u->hash != NULL;
	if (u->locked || strcmp(u->status, "active") != 0)
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
	struct xv_eckey	*k;
	char		*kid, jti[XV_UUID_LEN + 1], *tok = NULL, *dup, *sp, *t;
	json_t		*hdr, *cl, *a = json_array();
	time_t		 now = time(NULL);

	if ((k = xv_keys_signer(&kid)) == NULL || xv_uuid_new(jti) != 0) {
		json_decref(a);
		return NULL;
	}
	for (sp = dup = strdup(amr); dup && (t = strsep(&sp, " ")) != NULL;)
		if (*t != '\0')
			json_array_append_new(a, json_string(t));
	free(dup);
	hdr = json_pack("{s:s, s:s, s:s}", "alg", "ES256", "typ", "at+jwt",
	    "kid", kid);
	cl = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o?, s:s, s:s, s:o, "
	    "s:I, s:I, s:s}", "iss", xv_issuer(), "sub", u->id, "aud",
	    xv_audience(), "client_id", XV_CLIENT_LOGIN, "tid", req->tenant,
	    "roles", json_loads(u->roles, 0, NULL), "email", u->email,
	    "sid", sid, "amr", a, "iat", (json_int_t)now,
	    "exp", (json_int_t)(now + ttl), "jti", jti);
	if (hdr != NULL && cl != NULL)
		tok = xv_jws_sign(k, hdr, cl);
	json_decref(hdr);
	json_decref(cl);
	return tok;
}

/* A new refresh token of the session, and the answer with the pair. */
static enum xv_err
answer_tokens(struct xv_req *req, const struct user *u, const char *sid,
    const char *amr)
{
	char		*rt, hash[65], *at;
	const char	*p[3];
	long		 ttl = xv_conf_int("access_token_ttl", 900);
	enum xv_err	 rc;

	if ((rt = xv_keep_secret(req, xv_refresh_new(req->tenant))) == NULL ||
	    xv_refresh_hash(rt, (char[XV_UUID_LEN + 1]){ 0 }, hash) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a token");
	p[0] = hash;
	p[1] = req->tenant;
	p[2] = sid;
	if (xv_req_run(req, ST_RT_INSERT, 3, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot store the token");
	if ((at = xv_keep_secret(req, mint_access(req, u, sid, amr, ttl))) == NULL)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot sign the token");
	xv_resp_header(req, "Pragma", "no-cache");
	return xv_resp_json(req, 200, json_pack("{s:s, s:s, s:s, s:I}",
	    "access_token", at, "refresh_token", rt, "token_type", "Bearer",
	    "expires_in", (json_int_t)ttl));
}

/* Starts a session (ending the oldest beyond the cap) and answers. */
static enum xv_err
start_session(struct xv_req *req, json_t *s, const struct user *u,
    const char *amr)
{
	const char	*p[3] = { req->tenant, u->id, amr };
	PGresult	*r;
	enum xv_err	 rc;
	char		*sid;

	if ((r = xv_req_run(req, ST_SESSION_NEW, 3, p, &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot start a session");
	sid = (char *)xv_val(r, 0, "id");
	p[2] = num(req, setting(s, NULL, "max_sessions_per_user", 10));
	if (xv_req_run(req, ST_SESSION_EVICT, 3, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot end old sessions");
	return answer_tokens(req, u, sid, amr);
}

/* {"mfa_required": true, "mfa_token", "mfa_enrolled", "expires_in"}. */
static enum xv_err
mfa_challenge(struct xv_req *req, const struct user *u)
{
	char		*t, hash[65];
	const char	*p[3];
	enum xv_err	 rc;

	if ((t = xv_keep_secret(req, xv_refresh_new(req->tenant))) == NULL ||
	    xv_refresh_hash(t, (char[XV_UUID_LEN + 1]){ 0 }, hash) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a token");
	p[0] = hash;
	p[1] = req->tenant;
	p[2] = u->id;
	if (xv_req_run(req, ST_MFA_NEW, 3, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot store the token");
	return xv_resp_json(req, 200, json_pack("{s:b, s:s, s:b, s:i}",
	    "mfa_required", 1, "mfa_token", t, "mfa_enrolled", u->mfa,
	    "expires_in", MFA_TTL));
}

/* ---- /auth routes ---- */

static enum xv_err
auth_login(struct xv_req *req)
{
	const char	*email = json_string_value(json_object_get(req->json,
			    "email"));
	const char	*pw = json_string_value(json_object_get(req->json,
			    "password"));
	const char	*p[3];
	json_t		*s;
	struct user	 u;
	enum xv_err	 rc;
	char		*fresh = NULL;

	if ((rc = rate_limit(req, email)) != XV_OK)
		return rc;
	s = settings(req);
	if ((rc = check_password(req, s, ST_USER_BY_EMAIL, email, pw, &u)) !=
	    XV_OK)
		return rc;
	/* Parameters raised since this hash was made: redo it now. */
	if (xv_pw_stale(u.hash))
		fresh = xv_keep_secret(req, xv_pw_hash(pw));
	p[0] = u.id;
	p[1] = req->tenant;
	p[2] = fresh;
	if (xv_req_run(req, ST_LOGIN_OK, 3, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot record the login");
	if (u.expired)
		return xv_fail_code(req, XV_E_FORBIDDEN, "password_expired", NULL,
		    "the password has expired; change it with POST /auth/password");
	if (u.mfa || json_is_true(json_object_get(s, "require_mfa")))
		return mfa_challenge(req, &u);
	return start_session(req, s, &u, "pwd");
}

/* Reads a refresh token's row (locked); 401 unless it may be used. */
static enum xv_err
refresh_row(struct xv_req *req, json_t *s, const char *hash, PGresult **out)
{
	const char	*p[3] = { hash, req->tenant, num(req, setting(s, NULL,
			    "session_timeout_minutes", 30)) };
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = xv_req_run(req, ST_RT_GET, 3, p, &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot read the token");
	if (PQntuples(r) != 1)
		return bad_token(req, "invalid, expired or ended refresh token");
	*out = r;
	return XV_OK;
}

static enum xv_err
end_session(struct xv_req *req, const char *sid, const char *why)
{
	const char	*p[3] = { sid, req->tenant, why };
	enum xv_err	 rc;

	if (xv_req_run(req, ST_SESSION_END, 3, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot end the session");
	return XV_OK;
}

/*
 * Rotation: the token presented dies, a new pair is answered.  A token
 * already rotated is a stolen copy or the thief's: its whole session
 * ends (committed with the 401: the route keeps errors).
 */
static enum xv_err
auth_refresh(struct xv_req *req)
{
	const char	*tok = json_string_value(json_object_get(req->json,
			    "refresh_token"));
	char		 hash[65], t[XV_UUID_LEN + 1];
	const char	*p[2] = { hash, req->tenant };
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
	if (xv_req_run(req, ST_RT_ROTATE, 2, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot rotate the token");
	p[0] = sid;
	if (xv_req_run(req, ST_SESSION_TOUCH, 2, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot touch the session");
	memset(&u, 0, sizeof(u));
	u.id = xv_val(r, 0, "user_id");
	u.email = xv_val(r, 0, "email");
	u.roles = xv_val(r, 0, "roles");
	return answer_tokens(req, &u, sid, xv_val(r, 0, "amr"));
}

/* Ends the session of the bearer token, or of the refresh token. */
static enum xv_err
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

static enum xv_err
auth_me(struct xv_req *req)
{
	const char	*p[2] = { req->who.sub, req->tenant };
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = xv_row(req, ST_USER_GET, 2, p, "user", &rc)) == NULL)
		return rc;
	rc = xv_resp_json(req, 200, user_json(r, 0));
	PQclear(r);
	return rc;
}

/*
 * The policy and the history (the current password and the N-1 before
 * it) for a new password; 422 naming what is wrong.
 */
static enum xv_err
password_ok(struct xv_req *req, json_t *s, const char *uid, const char *pw)
{
	json_t		*pol = json_object_get(s, "password_policy");
	json_t		*v = xv_pw_policy(pol, pw);
	long		 n = setting(s, "password_policy",
			    "password_history_count", 5);
	const char	*p[3] = { uid, req->tenant, num(req, n) };
	PGresult	*r;
	enum xv_err	 rc;
	int		 i;

	if (json_array_size(v) > 0)
		return policy_problem(req, v);
	json_decref(v);
	if (uid == NULL || n <= 0)
		return XV_OK;
	if ((r = xv_req_run(req, ST_HISTORY, 3, p, &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot read the history");
	for (i = 0; i < PQntuples(r); i++)
		if (xv_pw_verify(xv_val(r, i, "password_hash"), pw))
			return xv_fail_code(req, XV_E_UNPROCESSABLE,
			    "password_reused", "new_password",
			    "the password was used recently");
	return XV_OK;
}

/* Stores a new password (and its history) for uid. */
static enum xv_err
password_set(struct xv_req *req, const char *uid, const char *pw)
{
	char		*h = xv_keep_secret(req, xv_pw_hash(pw));
	const char	*p[3] = { uid, req->tenant, h };
	const char	*q[3] = { req->tenant, uid, h };
	enum xv_err	 rc;

	if (h == NULL)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot hash");
	if (xv_req_run(req, ST_PW_SET, 3, p, &rc) == NULL ||
	    xv_req_run(req, ST_HISTORY_ADD, 3, q, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot store the password");
	return XV_OK;
}

/* The code of a user with TOTP: accepted once per step. */
static enum xv_err
totp_ok(struct xv_req *req, const struct user *u, const char *code)
{
	unsigned char	 mk[32], *key = NULL;
	size_t		 n = 0;
	long long	 step = -1;
	const char	*p[3] = { u->id, req->tenant, NULL };
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
	p[2] = num(req, (long)step);
	if (xv_req_run(req, ST_MFA_STEP, 3, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot record the code");
	return XV_OK;
}

/*
 * With a login token: the user's own password.  Without: the expired
 * password path (email, and code for a user with TOTP), rate-limited.
 * A wrong current_password counts like a failed login.  Every other
 * session of the user ends (all of them on the token-less path).
 */
static enum xv_err
auth_password(struct xv_req *req)
{
	json_t		*b = req->json, *s = settings(req);
	const char	*email = json_string_value(json_object_get(b, "email"));
	const char	*cur = json_string_value(json_object_get(b,
			    "current_password"));
	const char	*pw = json_string_value(json_object_get(b,
			    "new_password"));
	const char	*p[4];
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
	p[0] = u.id;
	p[1] = req->tenant;
	p[2] = "password_changed";
	p[3] = req->authed ? req->who.sid : NULL;
	if (xv_req_run(req, ST_SESSION_END_USER, 4, p, &rc) == NULL)
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
	const char	*p[2] = { hash, req->tenant };
	PGresult	*r;
	enum xv_err	 rc;

	if (tok == NULL || xv_refresh_hash(tok, t, hash) != 0 ||
	    strcmp(t, req->tenant) != 0)
		return bad_token(req, "invalid or expired mfa_token");
	if ((r = xv_req_run(req, ST_MFA_GET, 2, p, &rc)) == NULL)
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

/* RFC 3986 percent-encoding of all but the unreserved (caller frees). */
static char *
uri_escape(const char *s)
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

/* Bearer (user) or {"mfa_token"} of a user not yet enrolled. */
static enum xv_err
mfa_setup(struct xv_req *req)
{
	unsigned char	 key[20], mk[32];
	char		*b32 = NULL, *sealed = NULL, *uri = NULL, *label, hash[65];
	const char	*p[3] = { NULL, req->tenant, NULL };
	struct user	 u;
	json_t		*s = settings(req);
	PGresult	*r;
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
	p[0] = u.id;
	if (xv_random(key, sizeof(key)) != 0 || xv_master_key(mk) != 0 ||
	    (sealed = xv_seal(mk, key, sizeof(key))) == NULL ||
	    (b32 = xv_base32_encode(key, sizeof(key))) == NULL) {
		rc = xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a secret");
		goto out;
	}
	p[2] = sealed;
	if ((r = xv_req_run(req, ST_MFA_SECRET, 3, p, &rc)) == NULL) {
		rc = xv_fail(req, rc, NULL, "cannot store the secret");
		goto out;
	}
	if (strcmp(PQcmdTuples(r), "1") != 0) {
		rc = xv_fail(req, XV_E_CONFLICT, NULL, "TOTP is already enabled; "
		    "turn it off first");
		goto out;
	}
	if ((label = xv_keep_str(req, uri_escape(u.email))) == NULL ||
	    asprintf(&uri, "otpauth://totp/xavyo:%s?secret=%s&issuer=xavyo"
	    "&algorithm=SHA1&digits=6&period=30", label, b32) < 0)
		uri = NULL;
	rc = xv_resp_json(req, 200, json_pack("{s:s, s:s?}", "secret", b32,
	    "otpauth_uri", uri));
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(mk, sizeof(mk));
	xv_free_secret(b32);
	xv_free_secret(sealed);
	xv_free_secret(uri);
	return rc;
}

/*
 * {"mfa_token", "code"}: completes the login (and the enrollment).
 * Bearer and {"code"}: confirms the enrollment.  A wrong code counts
 * against the mfa_token (committed with the 401).
 */
static enum xv_err
mfa_verify(struct xv_req *req)
{
	const char	*code = json_string_value(json_object_get(req->json,
			    "code"));
	json_t		*s = settings(req);
	char		 hash[65];
	const char	*p[3] = { NULL, req->tenant, NULL };
	struct user	 u;
	enum xv_err	 rc;

	memset(&u, 0, sizeof(u));
	if (req->authed) {
		if ((rc = read_user(req, s, ST_USER_SECRET, req->who.sub, &u)) !=
		    XV_OK)
			return rc == XV_E_NOT_FOUND ? bad_token(req,
			    "no such user") : rc;
	} else if ((rc = mfa_user(req, s, json_string_value(json_object_get(
	    req->json, "mfa_token")), hash, &u)) != XV_OK)
		return rc;
	if ((rc = totp_ok(req, &u, code)) != XV_OK) {
		p[0] = hash;
		if (!req->authed)
			xv_req_run(req, ST_MFA_FAIL, 2, p, &rc);
		return xv_fail_code(req, XV_E_UNAUTHORIZED, "invalid_code",
		    "code", "wrong or used code");
	}
	p[0] = u.id;
	if (xv_req_run(req, ST_MFA_ENABLE, 2, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot enable TOTP");
	if (req->authed)
		return xv_resp_json(req, 200, json_pack("{s:b}", "mfa_enabled", 1));
	p[0] = hash;
	if (xv_req_run(req, ST_MFA_USED, 2, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot use the mfa_token");
	return start_session(req, s, &u, "pwd otp");
}

static enum xv_err
mfa_delete(struct xv_req *req)
{
	json_t		*s = settings(req);
	const char	*p[2] = { req->who.sub, req->tenant };
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
	if (xv_req_run(req, ST_MFA_OFF, 2, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot turn TOTP off");
	return xv_resp_empty(req, 204);
}

/* ---- /admin/users ---- */

static const char *const statuses[] = { "active", "disabled", NULL };

/* Nobody grants super_admin outside the system tenant (403). */
static enum xv_err
roles_ok(struct xv_req *req, json_t *roles)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(roles, i, v)
		if (strcmp(json_string_value(v), "super_admin") == 0 &&
		    (strcmp(req->tenant, XV_SYSTEM_TENANT) != 0 ||
		    !req->who.super_admin))
			return xv_fail(req, XV_E_FORBIDDEN, "roles",
			    "super_admin cannot be granted");
	return XV_OK;
}

static enum xv_err
user_list(struct xv_req *req)
{
	char		*f[3];
	const char	*p[4] = { req->tenant, NULL, NULL, NULL };
	enum xv_err	 rc;

	f[0] = xv_keep_str(req, xv_req_query(req, "email"));
	f[1] = xv_keep_str(req, xv_req_query(req, "status"));
	f[2] = xv_keep_str(req, xv_req_query(req, "role"));
	p[1] = f[0];
	p[2] = f[1];
	p[3] = f[2];
	rc = xv_resp_page(req, "users", ST_USER_LIST, -1, p, 4, user_json);
	return rc;
}

static enum xv_err
user_get(struct xv_req *req)
{
	const char	*p[2] = { req->params[0], req->tenant };
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = xv_row(req, ST_USER_GET, 2, p, "user", &rc)) == NULL)
		return rc;
	rc = xv_resp_json(req, 200, user_json(r, 0));
	PQclear(r);
	return rc;
}

static enum xv_err
user_create(struct xv_req *req)
{
	json_t		*b = req->json, *roles = json_object_get(b, "roles");
	const char	*pw = json_string_value(json_object_get(b, "password"));
	char		*rl = NULL, *h = NULL, loc[64];
	const char	*p[5];
	PGresult	*r;
	enum xv_err	 rc;

	if ((rc = roles_ok(req, roles)) != XV_OK)
		return rc;
	if (pw != NULL && ((rc = password_ok(req, settings(req), NULL, pw)) !=
	    XV_OK || (h = xv_keep_secret(req, xv_pw_hash(pw))) == NULL))
		return rc != XV_OK ? rc : xv_fail(req, XV_E_INTERNAL, NULL,
		    "cannot hash");
	rl = xv_keep_str(req, roles ? json_dumps(roles, JSON_COMPACT) :
	    strdup("[]"));
	p[0] = req->tenant;
	p[1] = json_string_value(json_object_get(b, "email"));
	p[2] = json_string_value(json_object_get(b, "display_name"));
	p[3] = rl;
	p[4] = h;
	if ((r = xv_req_run(req, ST_USER_INSERT, 5, p, &rc)) == NULL)
		return rc == XV_E_CONFLICT ? xv_fail_code(req, rc, "email_taken",
		    "email", "a user with this email exists") :
		    xv_fail(req, rc, NULL, "cannot create the user");
	if (h != NULL) {
		const char *q[3] = { req->tenant, xv_val(r, 0, "id"), h };

		if (xv_req_run(req, ST_HISTORY_ADD, 3, q, &rc) == NULL)
			return xv_fail(req, rc, NULL, "cannot store history");
	}
	if ((rc = xv_audit(req, req->tenant, "user.created", "user",
	    xv_val(r, 0, "id"), NULL, xv_keep_json(req, user_json(r, 0)))) !=
	    XV_OK)
		return rc;
	snprintf(loc, sizeof(loc), "/admin/users/%s", xv_val(r, 0, "id"));
	xv_resp_header(req, "Location", loc);
	return xv_resp_json(req, 201, user_json(r, 0));
}

/* Ends every session of the user (disabled). */
static enum xv_err
end_user_sessions(struct xv_req *req, const char *uid, const char *why)
{
	const char	*p[4] = { uid, req->tenant, why, NULL };
	enum xv_err	 rc;

	if (xv_req_run(req, ST_SESSION_END_USER, 4, p, &rc) == NULL)
		return xv_fail(req, rc, NULL, "cannot end sessions");
	return XV_OK;
}

static enum xv_err
user_change(struct xv_req *req, const char *dn, json_t *roles,
    const char *status, int answer)
{
	const char	*p[5] = { req->params[0], req->tenant, dn, NULL, status };
	PGresult	*old, *r;
	enum xv_err	 rc;

	if ((rc = roles_ok(req, roles)) != XV_OK)
		return rc;
	if ((old = xv_keep_result(req, xv_row(req, ST_USER_GET, 2, p, "user",
	    &rc))) == NULL)
		return rc;
	p[3] = roles ? xv_keep_str(req, json_dumps(roles, JSON_COMPACT)) : NULL;
	if ((r = xv_req_run(req, ST_USER_UPDATE, 5, p, &rc)) == NULL ||
	    PQntuples(r) != 1)
		return xv_fail(req, rc ? rc : XV_E_NOT_FOUND, NULL,
		    "cannot update the user");
	if (status != NULL && strcmp(status, "disabled") == 0 &&
	    (rc = end_user_sessions(req, req->params[0], "disabled")) != XV_OK)
		return rc;
	if ((rc = xv_audit(req, req->tenant, answer ? "user.updated" :
	    "user.disabled", "user", req->params[0],
	    xv_keep_json(req, user_json(old, 0)),
	    xv_keep_json(req, user_json(r, 0)))) != XV_OK)
		return rc;
	if (!answer)
		return xv_resp_empty(req, 204);
	return xv_resp_json(req, 200, user_json(r, 0));
}

static enum xv_err
user_update(struct xv_req *req)
{
	json_t *b = req->json;

	return user_change(req, json_string_value(json_object_get(b,
	    "display_name")), json_object_get(b, "roles"),
	    json_string_value(json_object_get(b, "status")), 1);
}

/* DELETE disables: the user stays listed, every session ends. */
static enum xv_err
user_delete(struct xv_req *req)
{
	return user_change(req, NULL, NULL, "disabled", 0);
}

static enum xv_err
user_unlock(struct xv_req *req)
{
	const char	*p[2] = { req->params[0], req->tenant };
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = xv_keep_result(req, xv_row(req, ST_USER_UNLOCK, 2, p, "user",
	    &rc))) == NULL)
		return rc;
	if ((rc = xv_audit(req, req->tenant, "user.unlocked", "user",
	    req->params[0], NULL, NULL)) != XV_OK)
		return rc;
	return xv_resp_json(req, 200, user_json(r, 0));
}

/* ---- the route table ---- */

static const struct xv_field login_fields[] = {
	{ "email", XV_F_STRING, 1, 1, 320, NULL, NULL, NULL },
	{ "password", XV_F_STRING, 1, 1, 1024, NULL, NULL, NULL },
	XV_FIELDS_END
};
static const struct xv_field refresh_fields[] = {
	{ "refresh_token", XV_F_STRING, 1, 1, 256, NULL, NULL, NULL },
	XV_FIELDS_END
};
static const struct xv_field logout_fields[] = {
	{ "refresh_token", XV_F_STRING, 0, 1, 256, NULL, NULL, NULL },
	XV_FIELDS_END
};
static const struct xv_field password_fields[] = {
	{ "email", XV_F_STRING, 0, 1, 320, NULL, NULL, NULL },
	{ "current_password", XV_F_STRING, 1, 1, 1024, NULL, NULL, NULL },
	{ "new_password", XV_F_STRING, 1, 1, 1024, NULL, NULL, NULL },
	{ "code", XV_F_STRING, 0, 1, 16, NULL, NULL, NULL },
	XV_FIELDS_END
};
static const struct xv_field mfa_setup_fields[] = {
	{ "mfa_token", XV_F_STRING, 0, 1, 256, NULL, NULL, NULL },
	XV_FIELDS_END
};
static const struct xv_field mfa_verify_fields[] = {
	{ "mfa_token", XV_F_STRING, 0, 1, 256, NULL, NULL, NULL },
	{ "code", XV_F_STRING, 1, 1, 16, NULL, NULL, NULL },
	XV_FIELDS_END
};
static const struct xv_field mfa_delete_fields[] = {
	{ "code", XV_F_STRING, 1, 1, 16, NULL, NULL, NULL },
	XV_FIELDS_END
};
static const struct xv_field user_create_fields[] = {
	{ "email", XV_F_STRING, 1, 3, 320, NULL, xv_valid_email, NULL },
	{ "display_name", XV_F_STRING, 0, 1, 200, NULL, NULL, NULL },
	{ "roles", XV_F_STRINGS, 0, 0, 20, NULL, NULL, NULL },
	{ "password", XV_F_STRING, 0, 1, 1024, NULL, NULL, NULL },
	XV_FIELDS_END
};
static const struct xv_field user_update_fields[] = {
	{ "display_name", XV_F_STRING, 0, 1, 200, NULL, NULL, NULL },
	{ "roles", XV_F_STRINGS, 0, 0, 20, NULL, NULL, NULL },
	{ "status", XV_F_STRING, 0, 0, 0, statuses, NULL, NULL },
	XV_FIELDS_END
};

#define USERS	.cred = XV_CRED_BEARER, .need = XV_NEED_ADMIN, \
		.tenancy = XV_TENANT_REQ
#define SELF	.cred = XV_CRED_USER, .need = XV_NEED_ANY, \
		.tenancy = XV_TENANT_CRED

static const struct xv_route routes[] = {
	{ XV_POST, "/auth/login", .cred = XV_CRED_NONE,
	    .tenancy = XV_TENANT_REQ, .body = XV_BODY_JSON,
	    .fields = login_fields, .keep_on_error = 1, .handler = auth_login },
	{ XV_POST, "/auth/refresh", .cred = XV_CRED_REFRESH,
	    .tenancy = XV_TENANT_CRED, .body = XV_BODY_JSON,
	    .fields = refresh_fields, .keep_on_error = 1,
	    .handler = auth_refresh },
	{ XV_POST, "/auth/logout", .cred = XV_CRED_SESSION,
	    .tenancy = XV_TENANT_CRED, .body = XV_BODY_JSON_OPT,
	    .fields = logout_fields, .handler = auth_logout },
	{ XV_POST, "/auth/password", .cred = XV_CRED_USER_OPT,
	    .tenancy = XV_TENANT_CRED, .body = XV_BODY_JSON,
	    .fields = password_fields, .keep_on_error = 1,
	    .handler = auth_password },
	{ XV_GET, "/auth/me", SELF, .handler = auth_me },
	{ XV_POST, "/auth/mfa/setup", .cred = XV_CRED_USER_OPT,
	    .tenancy = XV_TENANT_CRED, .body = XV_BODY_JSON_OPT,
	    .fields = mfa_setup_fields, .handler = mfa_setup },
	{ XV_POST, "/auth/mfa/verify", .cred = XV_CRED_USER_OPT,
	    .tenancy = XV_TENANT_CRED, .body = XV_BODY_JSON,
	    .fields = mfa_verify_fields, .keep_on_error = 1,
	    .handler = mfa_verify },
	{ XV_DELETE, "/auth/mfa", SELF, .body = XV_BODY_JSON,
	    .fields = mfa_delete_fields, .handler = mfa_delete },
	{ XV_GET, "/admin/users", USERS, .handler = user_list },
	{ XV_POST, "/admin/users", USERS, .body = XV_BODY_JSON,
	    .fields = user_create_fields, .handler = user_create },
	{ XV_GET, "/admin/users/{id}", USERS, .handler = user_get },
	{ XV_PUT, "/admin/users/{id}", USERS, .body = XV_BODY_JSON,
	    .fields = user_update_fields, .handler = user_update },
	{ XV_DELETE, "/admin/users/{id}", USERS, .handler = user_delete },
	{ XV_POST, "/admin/users/{id}/unlock", USERS, .handler = user_unlock },
};

int
main(int argc, char *argv[])
{
	static const struct xv_program prog = {
		"auth", routes, sizeof(routes) / sizeof(routes[0]),
		stmts, ST__MAX
	};

	/* Made before the first request, not during an unknown user's login. */
	xv_pw_dummy();
	return xv_main(&prog, argc, argv);
}

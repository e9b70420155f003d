/*
 * auth.fcgi: a tenant's users and their sign-in.  Login with email and
 * password (Argon2id), sessions with rotating refresh tokens and reuse
 * detection, logout, password change, TOTP, and the users admin API.
 * The tenant's settings are in force: the login rate limit (kept in
 * PostgreSQL, shared by every process and server), lockout, the session
 * cap and idle timeout, the password policy, history and maximum age,
 * and require_mfa.  Access tokens are RFC 9068 JWTs of the first-party
 * client "xavyo-login" with the session's sid, which every program
 * checks on every request (common/auth.c, xv_session_alive).  The
 * files: main.c (statements, routes), login.c, mfa.c, users.c; auth.h.
 * See auth.fcgi(8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xv.h"
#include "auth.h"

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
	/*
	 * A transaction that only counts (an attempt, a failure) commits
	 * without waiting for its WAL to reach the disk: a crash may forget
	 * the last few, and a refused login costs the same whether or not
	 * it counted a failure (auth.fcgi(8), Timing).
	 */
	[ST_ASYNC] = { "async", 0,
	    "SELECT set_config('synchronous_commit', 'off', true)" },
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
	/*
	 * The password was checked outside any transaction: it counts only
	 * if the user is as it was then ($4, the hash checked), still
	 * active and not locked.  $3: the rehash, or NULL.
	 */
	[ST_LOGIN_OK] = { "login_ok", 4,
	    "UPDATE users SET failed_attempts = 0, first_failed_at = NULL, "
	    "last_login_at = now(), password_hash = coalesce($3, password_hash) "
	    "WHERE id = $1::uuid AND tenant_id = $2::uuid AND password_hash = $4 "
	    "AND status = 'active' AND NOT coalesce(locked_until > now(), false) "
	    "RETURNING id" },
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
static const char *const statuses[] = { "active", "disabled", NULL };

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

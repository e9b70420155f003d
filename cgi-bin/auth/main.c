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
/* The filters of /admin/users: email, status, role (NULL: any). */
#define USER_FILTER \
	"WHERE tenant_id = :tenant::uuid AND " \
	"(:email::text IS NULL OR lower(email) = lower(:email)) AND " \
	"(:status::text IS NULL OR status = :status) AND " \
	"(:role::text IS NULL OR :role = ANY (roles))"
/* What login and password changes read of a user, row locked. */
#define SECRET_COLS \
	"id, email, password_hash, status, to_json(roles)::text AS roles, " \
	"coalesce(locked_until > now(), false) AS locked, mfa_enabled, " \
	"mfa_secret_sealed, mfa_last_step, " \
	"(:max_age_days::int > 0 AND password_changed_at < now() - " \
	"make_interval(days => :max_age_days::int)) AS expired"
/* A text[] of the JSON array in slot :name. */
#define JSON_ARRAY(name) \
	"ARRAY(SELECT json_array_elements_text(:" #name "::json))"

static const struct xv_stmt stmts[ST__MAX] = {
	[ST_SETTINGS] = { "settings", 0,
	    "SELECT settings::text AS settings FROM tenant_settings "
	    "WHERE tenant_id = :tenant::uuid" },
	/*
	 * A transaction that only counts (an attempt, a failure) commits
	 * without waiting for its WAL to reach the disk: a crash may forget
	 * the last few, and a refused login costs the same whether or not
	 * it counted a failure (auth.fcgi(8), Timing).
	 */
	[ST_ASYNC] = { "async", 0,
	    "SELECT set_config('synchronous_commit', 'off', true)" },
	[ST_ATTEMPT] = { "attempt", 0,
	    "SELECT before, retry_after FROM xv_login_attempt(:tenant::uuid, "
	    ":ip, :email, :window_max::int)" },
	[ST_USER_BY_EMAIL] = { "user_by_email", 0,
	    "SELECT " SECRET_COLS " FROM users WHERE tenant_id = :tenant::uuid "
	    "AND lower(email) = lower(:email) FOR UPDATE" },
	[ST_USER_SECRET] = { "user_secret", 0,
	    "SELECT " SECRET_COLS " FROM users WHERE tenant_id = :tenant::uuid "
	    "AND id = :user::uuid FOR UPDATE" },
	/*
	 * One more failure within reset_after_minutes, else the first; the
	 * max_attempts-th locks for lockout_duration_minutes and starts the
	 * count again.
	 */
	[ST_FAIL] = { "fail", 0,
	    "UPDATE users u SET failed_attempts = CASE WHEN n.c >= "
	    ":max_attempts::int THEN 0 ELSE n.c END, first_failed_at = CASE "
	    "WHEN n.c >= :max_attempts::int THEN NULL ELSE n.f END, "
	    "locked_until = CASE WHEN n.c >= :max_attempts::int THEN now() + "
	    "make_interval(mins => :lockout_duration_minutes::int) ELSE "
	    "u.locked_until END FROM (SELECT id, CASE WHEN first_failed_at IS "
	    "NULL OR first_failed_at < now() - make_interval(mins => "
	    ":reset_after_minutes::int) THEN 1 ELSE failed_attempts + 1 END AS "
	    "c, CASE WHEN first_failed_at IS NULL OR first_failed_at < now() - "
	    "make_interval(mins => :reset_after_minutes::int) THEN now() ELSE "
	    "first_failed_at END AS f FROM users WHERE id = :user::uuid AND "
	    "tenant_id = :tenant::uuid) n WHERE u.id = n.id" },
	/*
	 * The password was checked outside any transaction: it counts only
	 * if the user is as it was then (:checked_hash), still active and
	 * not locked.  :new_hash: the rehash, or NULL.
	 */
	[ST_LOGIN_OK] = { "login_ok", 0,
	    "UPDATE users SET failed_attempts = 0, first_failed_at = NULL, "
	    "last_login_at = now(), password_hash = coalesce(:new_hash, "
	    "password_hash) WHERE id = :user::uuid AND tenant_id = "
	    ":tenant::uuid AND password_hash = :checked_hash AND status = "
	    "'active' AND NOT coalesce(locked_until > now(), false) "
	    "RETURNING id" },
	[ST_SESSION_NEW] = { "session_new", 0,
	    "INSERT INTO sessions (tenant_id, user_id, amr) VALUES "
	    "(:tenant::uuid, :user::uuid, string_to_array(:amr, ' ')) "
	    "RETURNING id" },
	/* The newest :max_sessions sessions stay; older live ones end. */
	[ST_SESSION_EVICT] = { "session_evict", 0,
	    "UPDATE sessions SET ended_at = now(), end_reason = 'evicted' "
	    "WHERE tenant_id = :tenant::uuid AND id IN (SELECT id "
	    "FROM sessions WHERE tenant_id = :tenant::uuid AND "
	    "user_id = :user::uuid AND ended_at IS NULL "
	    "ORDER BY created_at DESC, id OFFSET :max_sessions::int)" },
	[ST_SESSION_TOUCH] = { "session_touch", 0,
	    "UPDATE sessions SET last_used_at = now() "
	    "WHERE id = :session::uuid AND tenant_id = :tenant::uuid" },
	[ST_SESSION_END] = { "session_end", 0,
	    "UPDATE sessions SET ended_at = now(), end_reason = :reason "
	    "WHERE id = :session::uuid AND tenant_id = :tenant::uuid "
	    "AND ended_at IS NULL" },
	/* Every live session of the user but :keep_session (if any). */
	[ST_SESSION_END_USER] = { "session_end_user", 0,
	    "UPDATE sessions SET ended_at = now(), end_reason = :reason "
	    "WHERE user_id = :user::uuid AND tenant_id = :tenant::uuid AND "
	    "ended_at IS NULL AND id IS DISTINCT FROM :keep_session::uuid" },
	[ST_RT_INSERT] = { "rt_insert", 0,
	    "INSERT INTO refresh_tokens (token_hash, tenant_id, session_id) "
	    "VALUES (:token_hash, :tenant::uuid, :session::uuid)" },
	/* A login's refresh token; an OAuth client's is bound to it. */
	[ST_RT_GET] = { "rt_get", 0,
	    "SELECT rt.session_id, rt.rotated_at IS NOT NULL AS rotated, "
	    "s.ended_at IS NULL AS live, s.last_used_at > now() - "
	    "make_interval(mins => :idle_minutes::int) AS fresh, s.user_id, "
	    "array_to_string(s.amr, ' ') AS amr, u.email, "
	    "to_json(u.roles)::text AS roles, u.status "
	    "FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id "
	    "AND s.tenant_id = rt.tenant_id JOIN users u ON u.id = s.user_id "
	    "AND u.tenant_id = s.tenant_id WHERE rt.token_hash = :token_hash "
	    "AND rt.tenant_id = :tenant::uuid AND rt.client_id IS NULL "
	    "FOR UPDATE OF rt, s" },
	[ST_RT_ROTATE] = { "rt_rotate", 0,
	    "UPDATE refresh_tokens SET rotated_at = now() "
	    "WHERE token_hash = :token_hash AND tenant_id = :tenant::uuid" },
	[ST_USER_GET] = { "user_get", 0,
	    "SELECT " USER_COLS " FROM users WHERE id = :user::uuid AND "
	    "tenant_id = :tenant::uuid" },
	/* Filters email, status, role (NULL: any); total last. */
	[ST_USER_LIST] = { "user_list", 0,
	    "WITH f AS (SELECT * FROM users " USER_FILTER ") "
	    "SELECT p.id, p.email, p.display_name, to_json(p.roles)::text AS "
	    "roles, p.status, p.mfa_enabled, xv_ts(p.created_at) AS created_at, "
	    "xv_ts(p.last_login_at) AS last_login_at, t.total "
	    "FROM (SELECT count(*) FROM f) t(total) LEFT JOIN LATERAL "
	    "(SELECT * FROM f ORDER BY created_at, id LIMIT :limit::int "
	    "OFFSET :offset::bigint) p ON true", .custom = 1 },
	/* The page after the cursor's user: users_tenant_created (0010). */
	[ST_USER_AFTER] = { "user_after", 0,
	    "SELECT " USER_COLS " FROM users " USER_FILTER " AND "
	    "(users.created_at, users.id) > (SELECT created_at, id FROM users "
	    "WHERE tenant_id = :tenant::uuid AND id = :after::uuid) "
	    "ORDER BY users.created_at, users.id LIMIT :limit::int",
	    .custom = 1 },
	[ST_USER_INSERT] = { "user_insert", 0,
	    "INSERT INTO users (tenant_id, email, display_name, roles, "
	    "password_hash) VALUES (:tenant::uuid, :email, :display_name, "
	    JSON_ARRAY(roles) ", :password_hash) RETURNING " USER_COLS },
	[ST_USER_UPDATE] = { "user_update", 0,
	    "UPDATE users SET display_name = coalesce(:display_name, "
	    "display_name), roles = CASE WHEN :roles::json IS NULL THEN roles "
	    "ELSE " JSON_ARRAY(roles) " END, status = coalesce(:status, "
	    "status), updated_at = now() WHERE id = :user::uuid AND "
	    "tenant_id = :tenant::uuid RETURNING " USER_COLS },
	[ST_USER_UNLOCK] = { "user_unlock", 0,
	    "UPDATE users SET locked_until = NULL, failed_attempts = 0, "
	    "first_failed_at = NULL, updated_at = now() WHERE id = :user::uuid "
	    "AND tenant_id = :tenant::uuid RETURNING " USER_COLS },
	[ST_HISTORY] = { "history", 0,
	    "SELECT password_hash FROM password_history "
	    "WHERE user_id = :user::uuid AND tenant_id = :tenant::uuid "
	    "ORDER BY created_at DESC, id DESC LIMIT :history_count::int" },
	[ST_HISTORY_ADD] = { "history_add", 0,
	    "INSERT INTO password_history (tenant_id, user_id, password_hash) "
	    "VALUES (:tenant::uuid, :user::uuid, :password_hash)" },
	[ST_PW_SET] = { "pw_set", 0,
	    "UPDATE users SET password_hash = :password_hash, "
	    "password_changed_at = now(), updated_at = now() "
	    "WHERE id = :user::uuid AND tenant_id = :tenant::uuid" },
	[ST_MFA_NEW] = { "mfa_new", 0,
	    "INSERT INTO mfa_challenges (token_hash, tenant_id, user_id, "
	    "expires_at) VALUES (:token_hash, :tenant::uuid, :user::uuid, "
	    "now() + interval '300 seconds')" },
	[ST_MFA_GET] = { "mfa_get", 0,
	    "SELECT user_id FROM mfa_challenges WHERE token_hash = :token_hash "
	    "AND tenant_id = :tenant::uuid AND used_at IS NULL AND "
	    "expires_at > now() AND failures < 5 FOR UPDATE" },
	[ST_MFA_FAIL] = { "mfa_fail", 0,
	    "UPDATE mfa_challenges SET failures = failures + 1 "
	    "WHERE token_hash = :token_hash AND tenant_id = :tenant::uuid" },
	[ST_MFA_USED] = { "mfa_used", 0,
	    "UPDATE mfa_challenges SET used_at = now() "
	    "WHERE token_hash = :token_hash AND tenant_id = :tenant::uuid" },
	[ST_MFA_SECRET] = { "mfa_secret", 0,
	    "UPDATE users SET mfa_secret_sealed = :sealed, updated_at = now() "
	    "WHERE id = :user::uuid AND tenant_id = :tenant::uuid "
	    "AND NOT mfa_enabled" },
	[ST_MFA_ENABLE] = { "mfa_enable", 0,
	    "UPDATE users SET mfa_enabled = true, updated_at = now() "
	    "WHERE id = :user::uuid AND tenant_id = :tenant::uuid" },
	[ST_MFA_STEP] = { "mfa_step", 0,
	    "UPDATE users SET mfa_last_step = :step::bigint "
	    "WHERE id = :user::uuid AND tenant_id = :tenant::uuid" },
	[ST_MFA_OFF] = { "mfa_off", 0,
	    "UPDATE users SET mfa_enabled = false, mfa_secret_sealed = NULL, "
	    "updated_at = now() WHERE id = :user::uuid AND "
	    "tenant_id = :tenant::uuid" },
	/* The browser sign-in (authorize.c): clients of any tenant by id. */
	[ST_CLIENT_AUTHZ] = { "client_authz", 0,
	    "SELECT tenant_id, client_type, grant_types, scopes, redirect_uris, "
	    "post_logout_redirect_uris, is_active, tenant_status "
	    "FROM xv_client_authorize(:client_id)" },
	[ST_SESSION_COOKIE] = { "session_cookie", 0,
	    "UPDATE sessions SET cookie_hash = :cookie_hash "
	    "WHERE id = :session::uuid AND tenant_id = :tenant::uuid" },
	/*
	 * The cookie's session: live, not idle :idle_minutes, its user
	 * active.
	 */
	[ST_SESSION_BY_COOKIE] = { "session_by_cookie", 0,
	    "SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id AND "
	    "u.tenant_id = s.tenant_id WHERE s.cookie_hash = :cookie_hash AND "
	    "s.tenant_id = :tenant::uuid AND s.ended_at IS NULL AND "
	    "s.last_used_at > now() - "
	    "make_interval(mins => :idle_minutes::int) "
	    "AND u.status = 'active' FOR UPDATE OF s" },
	[ST_SESSION_END_COOKIE] = { "session_end_cookie", 0,
	    "UPDATE sessions SET ended_at = now(), end_reason = :reason "
	    "WHERE cookie_hash = :cookie_hash AND tenant_id = :tenant::uuid "
	    "AND ended_at IS NULL" },
	[ST_SESSION_LIVE] = { "session_live", 0,
	    "SELECT s.user_id, u.email, u.display_name FROM sessions s JOIN "
	    "users u ON u.id = s.user_id AND u.tenant_id = s.tenant_id "
	    "WHERE s.id = :session::uuid AND s.tenant_id = :tenant::uuid AND "
	    "s.ended_at IS NULL AND u.status = 'active'" },
	[ST_CODE_INSERT] = { "code_insert", 0,
	    "INSERT INTO auth_codes (code_hash, tenant_id, client_id, session_id, "
	    "redirect_uri, scope, nonce, code_challenge) VALUES (:code_hash, "
	    ":tenant::uuid, :client_id, :session::uuid, :redirect_uri, :scope, "
	    ":nonce, :code_challenge)" },
	[ST_REVOKED] = { "revoked", 0,
	    "SELECT 1 FROM oauth_revocations WHERE jti = :jti AND "
	    "tenant_id = :tenant::uuid" },
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

/*
 * The browser's endpoints: the client, the token or the session names
 * the tenant, read by the handler, which enters it (xv_req_begin).
 */
#define BROWSER	.cred = XV_CRED_NONE, .tenancy = XV_TENANT_NONE, \
		.no_txn = 1
static const char *const authorize_params[] = { "client_id",
    "redirect_uri", "response_type", "scope", "state", "nonce",
    "code_challenge", "code_challenge_method", "prompt", "step", "csrf",
    "email", "password", "mfa_token", "code", NULL };

static const struct xv_route routes[] = {
	{ XV_GET | XV_POST, "/oauth/authorize", BROWSER, .body = XV_BODY_FORM,
	    .params = authorize_params, .style = XV_STYLE_PAGE,
	    .keep_on_error = 1, .handler = oauth_authorize },
	{ XV_GET | XV_POST, "/oauth/userinfo", BROWSER, .body = XV_BODY_FORM,
	    .style = XV_STYLE_OAUTH, .handler = oauth_userinfo },
	{ XV_GET, "/oauth/logout", BROWSER, .style = XV_STYLE_PAGE,
	    .handler = oauth_logout },
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
	{ XV_GET, "/auth/me", SELF, .one_read = 1, .handler = auth_me },
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

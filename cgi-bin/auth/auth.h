/*
 * auth.h: what the files of auth.fcgi share: the statement table's
 * indexes (main.c holds the table), a user row as login and password
 * changes read it, and the helpers and handlers of login.c (settings,
 * errors, the rate limit and lockout, sessions and tokens), mfa.c
 * (passwords and TOTP) and users.c (the users admin API).
 */
#ifndef AUTH_H
#define AUTH_H

#define LOGIN_WINDOW_MAX	5	/* attempts per 60 s (API.md 7) */
#define MFA_TTL			300

enum stmt {
	ST_SETTINGS,
	ST_ASYNC,
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
	ST_USER_AFTER,
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
	ST_CLIENT_AUTHZ,
	ST_SESSION_COOKIE,
	ST_SESSION_BY_COOKIE,
	ST_SESSION_END_COOKIE,
	ST_SESSION_LIVE,
	ST_CODE_INSERT,
	ST_REVOKED,
	ST__MAX
};


/* A user row of SECRET_COLS, by name. */
struct user {
	const char	*id, *email, *hash, *status, *roles, *sealed;
	const char	*fresh;		/* check_password's rehash, or NULL */
	int		 locked, mfa, expired;
	long		 last_step;
};

/* An authorization request (authorize.c), its strings kept by the request. */
struct authz {
	const char	*client_id, *redirect_uri, *response_type, *scope;
	const char	*state, *nonce, *challenge, *method, *prompt;
	const char	*granted;		/* the scope granted */
	const char	*tenant, *client_type;	/* the client's */
	int		 suspended;
	json_t		*grants, *scopes, *redirects, *logouts;
};

/* login.c */
json_t		*settings(struct xv_req *);
long		 setting(json_t *, const char *obj, const char *key, long def);
const char	*num(struct xv_req *, long);
enum xv_err	 bad_credentials(struct xv_req *);
enum xv_err	 bad_token(struct xv_req *, const char *what);
enum xv_err	 rate_limit(struct xv_req *, const char *email);
enum xv_err	 read_user(struct xv_req *, json_t *, int st, const char *key,
		    struct user *);
enum xv_err	 check_password(struct xv_req *, json_t *, int st,
		    const char *key, const char *pw, struct user *);
enum xv_err	 session_new(struct xv_req *, json_t *, const struct user *,
		    const char *amr, const char **sid);
enum xv_err	 start_session(struct xv_req *, json_t *, const struct user *,
		    const char *amr);
enum xv_err	 mfa_token_new(struct xv_req *, const struct user *,
		    const char **tok);
enum xv_err	 login_password(struct xv_req *, json_t *, const char *email,
		    const char *pw, struct user *, int *mfa);
enum xv_err	 end_session(struct xv_req *, const char *sid, const char *why);
enum xv_err	 auth_login(struct xv_req *);
enum xv_err	 auth_refresh(struct xv_req *);
enum xv_err	 auth_logout(struct xv_req *);
enum xv_err	 auth_me(struct xv_req *);

/* mfa.c */
enum xv_err	 password_ok(struct xv_req *, json_t *, const char *uid,
		    const char *pw);
enum xv_err	 password_set(struct xv_req *, const char *uid, const char *pw);
enum xv_err	 totp_ok(struct xv_req *, const struct user *, const char *code);
enum xv_err	 mfa_secret_new(struct xv_req *, const struct user *,
		    const char **b32, const char **uri);
enum xv_err	 mfa_login(struct xv_req *, json_t *, const char *tok,
		    const char *code, struct user *);
enum xv_err	 auth_password(struct xv_req *);
enum xv_err	 mfa_setup(struct xv_req *);
enum xv_err	 mfa_verify(struct xv_req *);
enum xv_err	 mfa_delete(struct xv_req *);

/* authorize.c */
const char	*authz_param(struct xv_req *, const char *name);
enum xv_err	 authz_client(struct xv_req *, const char *client_id,
		    struct authz *);
enum xv_err	 authz_error(struct xv_req *, const struct authz *,
		    const char *error, const char *desc);
enum xv_err	 authz_cookie(struct xv_req *, const char *sid);
enum xv_err	 authz_code(struct xv_req *, const struct authz *,
		    const char *sid);
const char	*cookie_name(struct xv_req *, const char *tenant);
enum xv_err	 oauth_authorize(struct xv_req *);
enum xv_err	 oauth_userinfo(struct xv_req *);
enum xv_err	 oauth_logout(struct xv_req *);

/* signin.c */
enum xv_err	 signin_form(struct xv_req *, const struct authz *, int status,
		    const char *msg);
enum xv_err	 signin_step(struct xv_req *, const struct authz *);

/* users.c */
json_t		*user_json(PGresult *, int);
enum xv_err	 user_list(struct xv_req *);
enum xv_err	 user_get(struct xv_req *);
enum xv_err	 user_create(struct xv_req *);
enum xv_err	 user_update(struct xv_req *);
enum xv_err	 user_delete(struct xv_req *);
enum xv_err	 user_unlock(struct xv_req *);

#endif /* AUTH_H */

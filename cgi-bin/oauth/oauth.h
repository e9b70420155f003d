/*
 * oauth.h: what the files of oauth.fcgi share: the statement table's
 * indexes (main.c holds the table) and the helpers and handlers of
 * main.c (clients, client_credentials, introspection, revocation,
 * published documents) and grants.c (the authorization_code and
 * refresh_token grants, and refresh tokens at introspection and
 * revocation).
 */
#ifndef OAUTH_H
#define OAUTH_H

enum stmt {
	ST_CLIENT_INSERT,
	ST_CLIENT_LIST,
	ST_CLIENT_COUNT,
	ST_CLIENT_AFTER,
	ST_CLIENT_GET,
	ST_CLIENT_LOCK,
	ST_CLIENT_UPDATE,
	ST_CLIENT_DEACTIVATE,
	ST_CLIENT_SECRET,
	ST_REVOKE,
	ST_PURGE,
	ST_JWKS,
	ST_SCOPES,
	ST_KEYS_LIST,
	ST_SETTINGS,
	ST_CODE_GET,
	ST_CODE_USE,
	ST_CODE_PURGE,
	ST_SESSION_END,
	ST_SESSION_TOUCH,
	ST_RT_INSERT,
	ST_RT_GET,
	ST_RT_ROTATE,
	ST_RT_DELETE,
	ST__MAX
};

/* main.c */
int		 has_string(json_t *, const char *);
enum xv_err	 oauth_err(struct xv_req *, enum xv_err, const char *code,
		    const char *detail);

/* grants.c */
enum xv_err	 grant_code(struct xv_req *);
enum xv_err	 grant_refresh(struct xv_req *);
int		 is_refresh_token(const char *tok);
enum xv_err	 refresh_introspect(struct xv_req *, const char *tok);
enum xv_err	 refresh_revoke(struct xv_req *, const char *tok);

#endif /* OAUTH_H */

/*
 * xv.h: the one header that every xavyo-idp program includes.
 *
 * The library in common/ carries what all FastCGI programs share: the
 * request and response (req.c, resp.c), the route table and main loop
 * (route.c), strict JSON bodies (json.c), validators (valid.c),
 * configuration (conf.c), logging (log.c), the database connection and
 * its statement table (db.c), cryptography (crypto.c), authentication by
 * bearer JWT or API key and the role and scope rules (auth.c), tenant
 * scoping (tenant.c), the audit log (audit.c), invitation tokens
 * (invite.c) and HTML pages with their CSRF tokens (html.c).
 *
 * Ownership: functions that return a heap pointer say so; everything a
 * request allocates through xv_req_* is released by xv_req_free().
 */
#ifndef XV_H
#define XV_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <libpq-fe.h>

#define XV_SYSTEM_TENANT	"00000000-0000-0000-0000-000000000001"
#define XV_BODY_MAX		(64 * 1024)
#define XV_UUID_LEN		36
#define XV_NELEM(a)		(sizeof(a) / sizeof((a)[0]))

/* One error enum for the library; xv_err_status() maps each to HTTP. */
enum xv_err {
	XV_OK = 0,
	XV_DONE,		/* handler answered itself */
	XV_E_BAD_REQUEST,	/* 400 invalid_request */
	XV_E_VALIDATION,	/* 400 validation_failed (field named) */
	XV_E_UNKNOWN_FIELD,	/* 400 unknown_field */
	XV_E_BAD_JSON,		/* 400 invalid_json */
	XV_E_TENANT_REQUIRED,	/* 400 tenant_required */
	XV_E_TENANT_INVALID,	/* 400 invalid_tenant_id */
	XV_E_UNAUTHORIZED,	/* 401 unauthorized */
	XV_E_FORBIDDEN,		/* 403 forbidden */
	XV_E_TENANT_MISMATCH,	/* 403 tenant_mismatch */
	XV_E_SUSPENDED,		/* 403 tenant_suspended */
	XV_E_INSUFFICIENT_SCOPE,/* 403 insufficient_scope */
	XV_E_NOT_FOUND,		/* 404 not_found */
	XV_E_TENANT_NOT_FOUND,	/* 404 tenant_not_found */
	XV_E_METHOD,		/* 405 method_not_allowed */
	XV_E_CONFLICT,		/* 409 conflict */
	XV_E_GONE,		/* 410 gone */
	XV_E_TOO_LARGE,		/* 413 payload_too_large */
	XV_E_MEDIA_TYPE,	/* 415 unsupported_media_type */
	XV_E_UNPROCESSABLE,	/* 422 unprocessable */
	XV_E_RATE_LIMITED,	/* 429 rate_limited */
	XV_E_INTERNAL,		/* 500 internal_error */
	XV_E_UNAVAILABLE,	/* 503 service_unavailable */
	XV_E__MAX
};

int		 xv_err_status(enum xv_err);
const char	*xv_err_code(enum xv_err);
const char	*xv_err_title(enum xv_err);

/* ---- configuration (conf.c) ---- */

/*
 * Reads the file named by $XAVYO_CONF (default SYSCONFDIR/xavyo.conf)
 * once; "key = value" lines, '#' comments.  A key "prog.key" overrides
 * "key" for program prog; the environment variable XAVYO_<KEY> (dots
 * and dashes as underscores, upper case) overrides both.
 */
int		 xv_conf_load(const char *prog);
const char	*xv_conf_get(const char *key, const char *def);
long		 xv_conf_int(const char *key, long def);
const char	*xv_conf_prog(void);
/*
 * The facts several programs need, with their one default: the issuer
 * (iss of every token, base of every URL we publish), the audience of
 * access tokens (default: the issuer), the longest lifetime any token may
 * have (token_max_ttl, default 3600 s), and how long a new signing key is
 * published before it signs (key_publish_delay, default 300 s: the
 * max-age of /.well-known/jwks.json).
 */
const char	*xv_issuer(void);
const char	*xv_audience(void);
long		 xv_token_max_ttl(void);
long		 xv_key_publish_delay(void);

/* ---- logging (log.c): one JSON object a line on stderr ---- */

void	xv_log_access(const char *, size_t);
void	xv_log_flush(void);
void	xv_log(const char *level, const char *func, const char *rid,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define XV_LOGE(req, ...) \
	xv_log("error", __func__, (req) ? (req)->request_id : NULL, __VA_ARGS__)

/* ---- validators (valid.c) ---- */

int	xv_valid_uuid(const char *);
/* Copies a valid UUID in canonical (lower) case; 0, or -1 if invalid. */
int	xv_uuid_canon(const char *, char out[XV_UUID_LEN + 1]);
/* Cuts s (in place) after the last complete UTF-8 character. */
void	xv_utf8_trim(char *s);
int	xv_valid_slug(const char *);
int	xv_valid_dns_name(const char *);
int	xv_valid_email(const char *);
int	xv_valid_rfc3339(const char *, time_t *);
int	xv_valid_request_id(const char *);
size_t	xv_utf8_len(const char *);	/* code points, or SIZE_MAX if invalid */
void	xv_time_rfc3339(time_t, char buf[32]);

/* ---- database (db.c) ---- */

/*
 * A statement of a program's table.  Its parameters are named slots,
 * ":name" in sql (not inside quotes, and "::type" is a cast), filled by
 * name with xv_db_call; xv_db_init numbers them ($1, $2, ...) in order of
 * first use, and refuses a program statement that has nparams.  Only
 * the library's own statements use $n and nparams (xv_db_lib).
 */
struct xv_stmt {
	const char	*name;
	int		 nparams;	/* library ($n) statements only; else 0 */
	const char	*sql;
	/*
	 * Planned for its values at each execution: a statement whose
	 * optional filters (":x IS NULL OR ...") choose its index.  The
	 * programs' roles plan every other statement once (roles.sql).
	 */
	int		 custom;
};

#define XV_MAX_PARAMS	16
#define XV_PARAM_NAME	32

/* One named argument; val NULL is SQL NULL. */
struct xv_arg {
	const char	*name;
	const char	*val;
};
/* XV_ARGS({"id", id}, {"reason", r}): an argument array and its length. */
#define XV_ARGS(...) ((const struct xv_arg[]){ __VA_ARGS__ }), \
	(sizeof((const struct xv_arg[]){ __VA_ARGS__ }) / sizeof(struct xv_arg))

/*
 * Rewrites sql's :name slots as $1, $2, ... into *out (caller frees) and
 * their names into names[]; returns how many (0, *out NULL, when sql has
 * none), or -1 if it mixes $n with names, has more than max slots, or a
 * name longer than XV_PARAM_NAME - 1.
 */
int	xv_sql_named(const char *sql, char **out,
	    char names[][XV_PARAM_NAME], int max);

/*
 * The connection of this process.  Statements of the library and of the
 * program are prepared once per connection; on a lost connection the
 * next request resets, re-prepares, and meanwhile requests answer 503.
 */
int		 xv_db_init(const struct xv_stmt *, size_t nstmt);
PGconn		*xv_db_conn(void);
int		 xv_db_ok(void);
/*
 * Runs a prepared statement: a library one by position (enum
 * xv_libstmt), a program one by its table index with its arguments by
 * name.  Returns the result (caller PQclears) or NULL on failure, in
 * which case *err is set (409 on unique violation, 503 on a lost
 * connection, else 500).  Every slot must get exactly one argument and
 * every argument must name a slot, else nothing runs and *err is 500.
 */
PGresult	*xv_db_lib(int libstmt, int nparams,
		    const char *const *params, enum xv_err *err);
PGresult	*xv_db_call(int stmt, const struct xv_arg *, size_t n,
		    enum xv_err *err);
enum xv_err	 xv_db_ensure(void);	/* reconnect if lost; 503 if not */
enum xv_err	 xv_db_begin(void);
void		 xv_db_one_read(void);
enum xv_err	 xv_db_ping(void);
typedef enum xv_err (*xv_db_check_fn)(void *, PGresult *);
int		 xv_db_defer(int, int, const char *const *, xv_db_check_fn,
		    void *);
enum xv_err	 xv_db_pending(void);
enum xv_err	 xv_db_commit(void);
void		 xv_db_rollback(void);
enum xv_err	 xv_db_classify(PGresult *);
const char	*xv_db_sqlstate(void);	/* of the last failure */
void		 xv_db_finish(void);

/* ---- crypto (crypto.c) ---- */

int	 xv_random(unsigned char *, size_t);
int	 xv_sha256(const void *, size_t, unsigned char out[32]);
char	*xv_b64url_encode(const unsigned char *, size_t);	/* caller frees */
/* RFC 7636, S256 only: a challenge's form; a verifier against it. */
int	 xv_pkce_challenge_valid(const char *);
int	 xv_pkce_ok(const char *verifier, const char *challenge);
unsigned char *xv_b64url_decode(const char *, size_t, size_t *outlen);
int	 xv_uuid_new(char out[XV_UUID_LEN + 1]);
int	 xv_ct_equal(const void *, const void *, size_t);
void	 xv_free_secret(char *);	/* wipe, then free; NULL-safe */
int	 xv_hmac_sha256_hex(const char *key, const char *msg,
	    char out[65]);
char	*xv_seal(const unsigned char *key32, const unsigned char *pt,
	    size_t ptlen);			/* base64url(iv|ct|tag), caller frees */
unsigned char *xv_unseal(const unsigned char *key32, const char *sealed,
	    size_t *ptlen);			/* caller frees (and wipes) */
int	 xv_master_key(unsigned char out[32]);	/* from conf master_key */
int	 xv_hex32(const char *hex, unsigned char out[32]); /* 64 hex digits */

struct xv_eckey;
struct xv_eckey	*xv_eckey_generate(void);
struct xv_eckey	*xv_eckey_from_pem(const char *priv_pem);
char		*xv_eckey_private_pem(const struct xv_eckey *);
char		*xv_eckey_public_pem(const struct xv_eckey *);
json_t		*xv_eckey_jwk(const char *public_pem, const char *kid);
struct xv_eckey	*xv_eckey_from_public_pem(const char *pub_pem);
int		 xv_eckey_verify(const struct xv_eckey *, const char *data,
		    size_t len, const unsigned char *sig, size_t siglen);
void		 xv_eckey_free(struct xv_eckey *);
/*
 * Signs header.claims with ES256 and returns the compact JWS (caller
 * frees).  header must hold "alg" and "kid"; "typ" is kept as given.
 */
char	*xv_jws_sign(const struct xv_eckey *, json_t *header, json_t *claims);

/* ---- signing keys (keys.c) ---- */

/* Loads the newest active key for signing; caller frees kid. */
struct xv_eckey	*xv_keys_signer(char **kid);
/*
 * Mints an RFC 9068 access token (typ at+jwt) with the signing key in
 * use: iss, sub, aud, client_id, tid, iat, exp = now + ttl, a fresh jti,
 * and the members of extra (borrowed; never replacing those).  Returns
 * the compact JWS (caller frees) or NULL.
 */
char		*xv_access_token(const char *sub, const char *client_id,
		    const char *tid, long ttl, json_t *extra);
/* An OpenID Connect ID token (typ JWT); see keys.c.  Caller frees. */
char		*xv_id_token(const char *sub, const char *aud, long ttl,
		    json_t *extra);
/* Public PEM for kid, cached per process (public keys never change). */
const char	*xv_keys_public(const char *kid);
/* The public key of kid, parsed and cached like its PEM (borrowed). */
const struct xv_eckey *xv_keys_verifier(const char *kid);
void		 xv_keys_cache_put(const char *kid, const char *pem);
/* 1 when the last xv_keys_public miss was the database's fault. */
int		 xv_keys_unavailable(void);
void		 xv_keys_unavailable_reset(void);	/* before a verification */
/*
 * Generates a key and stores it sealed, published at once and signing
 * from delay seconds on; every other key still signing then is retired
 * at that instant.  The first key takes delay 0; a rotation takes
 * xv_key_publish_delay(), or 0 when a key has leaked.  Runs in the
 * caller's transaction.  Returns the new kid (caller frees).
 */
char		*xv_keys_rotate(long delay, enum xv_err *);

/* ---- request (req.c), response (resp.c) ---- */

enum xv_method {
	XV_GET = 1 << 0, XV_POST = 1 << 1, XV_PUT = 1 << 2,
	XV_DELETE = 1 << 3, XV_PATCH = 1 << 4, XV_HEAD = 1 << 5,
	XV_OPTIONS = 1 << 6
};

struct xv_principal {
	char	 sub[64];
	char	 tid[XV_UUID_LEN + 1];
	int	 super_admin;
	int	 admin;
	int	 is_key;		/* authenticated by an API key */
	int	 is_client;		/* an OAuth client (client.c) */
	unsigned scopes;		/* XV_SCOPE_* for API keys */
	char	 key_id[XV_UUID_LEN + 1];
	char	 key_hash[65];		/* counts the key's use; never shown */
	long	 iat;
	char	 sid[XV_UUID_LEN + 1];	/* a login token's session, or "" */
	int	 is_user;		/* a login token: sub is a user id */
};

#define XV_PARAMS_MAX	4

/*
 * An OAuth client that authenticated (client.c), and the state of the
 * token it presented with its request, if it presented one.
 */
struct xv_client {
	char	 id[XV_UUID_LEN + 1];		/* record id: its tokens' sub */
	char	 client_id[64];
	char	 tenant[XV_UUID_LEN + 1];
	int	 active;
	int	 is_public;		/* authenticated by client_id alone */
	int	 suspended;		/* its tenant is */
	long	 valid_after;		/* its tenant's tokens issued before: void */
	int	 tok_state;		/* the token's state was read */
	int	 tok_tenant_active;
	long	 tok_after;		/* the token's tenant's void-before */
	int	 tok_client_active;	/* the token's client (none: 0) */
	int	 tok_revoked;
	json_t	*grants;		/* owned by the request's pool */
	json_t	*scopes;
};

/* What the request owns: released, last first, when it ends. */
struct xv_kept {
	void	 *p;
	void	(*release)(void *);
};

struct xv_buf {
	char	*p;
	size_t	 len, cap;
};
void	xv_buf_add(struct xv_buf *, const char *, size_t);
void	xv_buf_addf(struct xv_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	xv_buf_json_str(struct xv_buf *, const char *);	/* quoted, escaped */
#define XV_BUF_LIT(b, lit)	xv_buf_add((b), (lit), sizeof(lit) - 1)
void	xv_buf_free(struct xv_buf *);

struct xv_req {
	void		*fcgi;		/* FCGX_Request */
	enum xv_method	 method;
	const char	*method_str;
	char		*path;		/* path part of REQUEST_URI */
	char		*query;		/* after '?', or NULL */
	char		*body;		/* NUL-terminated, or NULL */
	size_t		 body_len;
	char		 request_id[65];
	char		 tenant[XV_UUID_LEN + 1];	/* scoped tenant or "" */
	long		 tenant_after;	/* tokens issued before: invalid */
	enum xv_err	 enter_rc;	/* xv_tenant_defer's check failed so */
	char		 enter_detail[256];
	/*
	 * A login token's session, checked with the transaction's first
	 * statement when the route has one (dispatch allows it: sess_may):
	 * sess_pending until then, sess_dead if it had ended.  A failure
	 * says sess_code (NULL: the default) and sess_detail.
	 */
	int		 sess_may, sess_pending, sess_dead;
	const char	*sess_code, *sess_detail;
	const char	*params[XV_PARAMS_MAX];		/* {param} captures */
	const struct xv_route *route;	/* the matched route */
	json_t		*json;		/* the checked JSON body (pool-owned) */
	struct xv_principal who;
	int		 authed;
	char		 cred_tenant[XV_UUID_LEN + 1];	/* the credential's */
	struct xv_client client;	/* XV_CRED_CLIENT */
	struct xv_kept	*kept;		/* the pool: xv_keep() */
	size_t		 nkept, capkept;
	/* response */
	int		 status;
	struct xv_buf	 headers;
	struct xv_buf	 out;
	int		 answered;
	/* error detail for the main loop's problem body */
	char		 err_detail[256];
	char		 err_field[128];
	const char	*err_code;	/* overrides xv_err_code */
	struct timespec	 t0;
	int		 txn;		/* xv_req_begin opened the transaction */
	int		 is_form;	/* the body is a form (XV_BODY_JSON_OR_FORM too) */
	int		 own_csp;	/* a page set its own CSP (html.c) */
	const char	*form_action;	/* an origin a page's form may reach */
};

const char	*xv_req_header(struct xv_req *, const char *cgi_name);
const char	*xv_req_env(struct xv_req *, const char *);
/* Value of ?name= (percent-decoded, caller frees) or NULL. */
char		*xv_req_query(struct xv_req *, const char *name);
enum xv_err	 xv_req_query_check(struct xv_req *);
/* Parses the body as a JSON object; XV_E_BAD_JSON etc. on failure. */
enum xv_err	 xv_req_json(struct xv_req *, json_t **out);
const char	*xv_req_client_ip(struct xv_req *);
/* ?limit= (1..100, default 20) and ?offset= (>= 0); 400 if malformed. */
enum xv_err	 xv_req_page(struct xv_req *, long *limit, long *offset);
/* Percent-decodes n bytes ('+' as space); caller frees; NULL if bad. */
char		*xv_urldecode(const char *, size_t n);
/* RFC 3986 percent-encoding of all but the unreserved; caller frees. */
char		*xv_urlencode(const char *);
/* Occurrences of name in a form string; first value to *val (freed by caller). */
int		 xv_form_get(const char *form, const char *name, char **val);

void	xv_resp_header(struct xv_req *, const char *name, const char *value);
/* Steals body; sets Content-Type application/json. */
enum xv_err	xv_resp_json(struct xv_req *, int status, json_t *body);
enum xv_err	xv_resp_empty(struct xv_req *, int status);
enum xv_err	xv_resp_raw(struct xv_req *, int status, const char *ctype,
		    const char *body, size_t len);
/* Records a failure for the main loop's problem body; returns e. */
enum xv_err	xv_fail(struct xv_req *, enum xv_err e, const char *field,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
enum xv_err	xv_fail_code(struct xv_req *, enum xv_err e, const char *code,
		    const char *field, const char *detail);
void		xv_resp_problem(struct xv_req *, enum xv_err);
/* RFC 6749 section 5.2 error body {"error", "error_description"}. */
void		xv_resp_oauth_error(struct xv_req *, enum xv_err);

/* ---- the request's pool (req.c) ---- */

/*
 * Gives p to the request, which releases it with release when it ends
 * (NULL p is fine).  Returns p, so a handler can keep what it makes as
 * it makes it and read straight down without a list of frees.  If the
 * pool cannot grow, p is released at once and NULL returned.
 */
void		*xv_keep(struct xv_req *, void *p, void (*release)(void *));
json_t		*xv_keep_json(struct xv_req *, json_t *);
PGresult	*xv_keep_result(struct xv_req *, PGresult *);
char		*xv_keep_str(struct xv_req *, char *);		/* free() */
char		*xv_keep_secret(struct xv_req *, char *);	/* wiped first */
/* xv_db_call whose result the request keeps. */
PGresult	*xv_req_call(struct xv_req *, int st, const struct xv_arg *,
		    size_t n, enum xv_err *);
void		 xv_req_release(struct xv_req *);
/*
 * Inside a handler: commit the request's transaction before slow work
 * that needs no database (a password hash), then begin the next one in
 * the same tenant (route.c).  Each answers XV_OK or the failure it
 * recorded.
 */
enum xv_err	 xv_req_pause(struct xv_req *);
enum xv_err	 xv_req_resume(struct xv_req *);

/* ---- rows by column name (rows.c) ---- */

enum xv_ctype {
	XV_C_TEXT,		/* const char *, never NULL ("" for SQL NULL) */
	XV_C_NULLABLE,		/* const char *, NULL for SQL NULL */
	XV_C_BOOL,		/* int: 't' is 1, else (NULL too) 0 */
	XV_C_LONG		/* long; SQL NULL is 0 */
};

struct xv_col {
	const char	*name;
	enum xv_ctype	 type;
	size_t		 off;		/* offsetof the field in the row struct */
};
#define XV_COL(type, field, ctype)	{ #field, ctype, offsetof(type, field) }

/*
 * Decodes row i of r into the struct at out, finding each column by its
 * name (PQfnumber), so that a reordered SELECT list cannot shift fields.
 * Strings are borrowed from r.  Returns 0, or -1 (logged) when a column
 * is missing or i is out of range.
 */
int		 xv_row_decode(PGresult *r, int i, const struct xv_col *,
		    size_t ncols, void *out);

/* Column col of row i by name (borrowed), or "" if NULL or missing. */
const char	*xv_val(PGresult *r, int i, const char *col);
int		 xv_val_null(PGresult *r, int i, const char *col);

/*
 * An answer object made of a row: each key from the column of the same
 * name (the SELECT list names them so), as text, text or null, boolean
 * ('t'), integer, or JSON text parsed.  The table ends with a NULL key.
 */
enum xv_jkind { XV_J_TEXT, XV_J_NULLABLE, XV_J_BOOL, XV_J_INT, XV_J_JSON };
struct xv_jcol {
	const char	*key;		/* and the column's name */
	enum xv_jkind	 kind;
};
json_t		*xv_row_json(PGresult *r, int i, const struct xv_jcol *);

/* ---- answers made of rows (rows.c) ---- */

/* The path's {id} row (a[0]), kept by the request; a page of a list. */
PGresult	*xv_row_call(struct xv_req *, int st, const struct xv_arg *,
		    size_t n, const char *what, enum xv_err *rc);
/* By ?offset= (list_st, count_st) or by the ?after= cursor (after_st). */
enum xv_err	 xv_resp_page_call(struct xv_req *, const char *plural,
		    int list_st, int count_st, int after_st,
		    const struct xv_arg *, size_t n,
		    json_t *(*row)(PGresult *, int));

/* ---- strict JSON bodies (json.c) ---- */

enum xv_ftype {
	XV_F_STRING, XV_F_INT, XV_F_BOOL, XV_F_OBJECT, XV_F_STRINGS,
	XV_F_ANY
};

struct xv_field {
	const char		*name;
	enum xv_ftype		 type;
	int			 required;
	long			 min, max;	/* int range or string/array length */
	const char *const	*oneof;		/* NULL-terminated, strings */
	int			(*valid)(const char *);	/* strings, each item */
	const struct xv_field	*sub;		/* XV_F_OBJECT: its fields */
};
#define XV_FIELDS_END	{ NULL, 0, 0, 0, 0, NULL, NULL, NULL }

/*
 * Checks obj against fields: unknown keys, missing required keys, types,
 * ranges, enumerations and validators.  On failure records the error
 * (with the JSON path of the field) in req and returns it.
 */
enum xv_err	xv_json_check(struct xv_req *, json_t *obj,
		    const struct xv_field *, const char *prefix);
/* Merges src into dst field by field, recursing into objects. */
void		xv_json_merge(json_t *dst, json_t *src);

/* ---- routes and the main loop (route.c) ---- */

/*
 * A route is data.  xv_main's dispatch runs the same steps for every
 * route, whatever it is: (1) read the body and check it against the
 * route's field table, (2) resolve the credential the route names,
 * (3) check X-Tenant-ID against it, (4) begin the transaction and enter
 * the tenant, (5) run the handler, (6) commit or roll back, (7) render
 * any failure in the route's error style.  No handler opens a
 * transaction, reads a tenant header or chooses an error format.
 */

/* The credential a route takes; each is a resolver in common/. */
enum xv_cred {
	XV_CRED_NONE,		/* public */
	XV_CRED_BEARER,		/* bearer JWT or API key (auth.c) */
	XV_CRED_CLIENT,		/* OAuth client, Basic or POST (client.c) */
	XV_CRED_USER,		/* a login token: a signed-in user (session.c) */
	XV_CRED_USER_OPT,	/* the same if sent, else X-Tenant-ID names the tenant */
	XV_CRED_REFRESH,	/* "refresh_token" of the JSON body (session.c) */
	XV_CRED_SESSION,	/* a login token, or else a refresh_token */
	XV_CRED_INVITE		/* the path's invitation token (invite.c) */
};

/* What the caller must be, once resolved (auth.c xv_auth_check). */
enum xv_need {
	XV_NEED_NONE,
	XV_NEED_ANY,		/* any authenticated principal */
	XV_NEED_ADMIN,		/* admin of the tenant, or a super admin */
	XV_NEED_SUPER		/* super admin only, never an API key */
};

/*
 * API key scopes; a route declares the ones it needs.  The scope named
 * xv_scope_names[k] is the bit 1 << k.
 */
#define XV_SCOPE_READ	0x01
#define XV_SCOPE_WRITE	0x02
#define XV_SCOPE_ADMIN	0x04
extern const char *const xv_scope_names[];	/* NULL-terminated */

/* Where the request's tenant comes from (tenant.c). */
enum xv_tenancy {
	XV_TENANT_NONE,		/* none: no transaction is scoped */
	XV_TENANT_REQ,		/* X-Tenant-ID, or an API key's own tenant */
	XV_TENANT_SYS,		/* system context; if sent must be system */
	XV_TENANT_CRED		/* the credential's (X-Tenant-ID, if sent, must match) */
};

enum xv_body {
	XV_BODY_NONE,		/* none: a body is refused (400 invalid_request) */
	XV_BODY_JSON,		/* a JSON object, checked against .fields */
	XV_BODY_JSON_OPT,	/* the same, or no body at all */
	XV_BODY_FORM,		/* application/x-www-form-urlencoded */
	XV_BODY_JSON_OR_FORM	/* either; a form becomes the JSON object of its
				   fields (each once), checked against .fields */
};

enum xv_style {
	XV_STYLE_PROBLEM,	/* RFC 9457 problem JSON */
	XV_STYLE_OAUTH,		/* RFC 6749 section 5.2 error JSON */
	XV_STYLE_PAGE		/* an HTML page, or problem JSON to a client
				   that asks for JSON (html.c) */
};

struct xv_route {
	unsigned		 methods;
	const char		*pattern;	/* "/admin/tenants/{id}/settings" */
	enum xv_cred		 cred;
	enum xv_need		 need;
	unsigned		 scopes;	/* API keys; 0: read for GET, else write */
	enum xv_tenancy		 tenancy;
	enum xv_body		 body;
	const struct xv_field	*fields;	/* JSON bodies: the field table */
	const char *const	*params;	/* form bodies: each at most once */
	enum xv_style		 style;
	int			 no_txn;	/* read-only: the resolver's lookup is all */
	int			 keep_on_error;	/* commit an error answer too (counters) */
	/*
	 * The handler runs one read-only statement at most: BEGIN READ ONLY,
	 * the scoping, it and COMMIT go in one round trip (xv_db_one_read).
	 */
	int			 one_read;
	enum xv_err		(*handler)(struct xv_req *);
};

struct xv_program {
	const char		*name;
	const struct xv_route	*routes;
	size_t			 nroutes;
	const struct xv_stmt	*stmts;
	size_t			 nstmts;
};

/*
 * Returns the index of the matching route, -1 (404) or -2 (405, with the
 * methods the path allows in *allowed).  *resource, if not NULL, gets the
 * first route whose pattern matches whatever the method, or -1.
 */
int	xv_route_match(const struct xv_route *, size_t, const char *path,
	    enum xv_method, const char *params[XV_PARAMS_MAX],
	    unsigned *allowed, int *resource);
/*
 * For the routes whose tenant is known only once the handler has read
 * something (the client of /oauth/authorize, the grant of /oauth/token):
 * sets req->tenant to tenant, begins the request's transaction and
 * enters the tenant, as dispatch does before other handlers; dispatch
 * commits or rolls it back by the same rules.  A suspended or unknown
 * tenant fails as xv_tenant_enter says.
 */
enum xv_err	xv_req_begin(struct xv_req *, const char *tenant);
/* The FastCGI main loop; returns the process exit status. */
int	xv_main(const struct xv_program *, int argc, char *argv[]);

/* ---- authentication (auth.c), tenant scoping (tenant.c) ---- */

enum xv_err	xv_auth_bearer(struct xv_req *);
/*
 * What a signed token is presented for.  Each use accepts only its own
 * kind, so that no token can stand in for another:
 *  - XV_USE_BEARER, the admin and user API: an RFC 9068 access token
 *    (typ at+jwt, aud the audience) of a first-party client, xavyoctl's
 *    operator tokens (XV_CLIENT_CTL) or login tokens (XV_CLIENT_LOGIN);
 *  - XV_USE_ACCESS, introspection and revocation: an access token of any
 *    client (at+jwt, aud the audience, a client_id);
 *  - XV_USE_ID_HINT, id_token_hint: an ID token (typ JWT or none, aud a
 *    client, never the audience of access tokens).
 */
enum xv_tok_use {
	XV_USE_BEARER,
	XV_USE_ACCESS,
	XV_USE_ID_HINT
};
#define XV_CLIENT_CTL	"xavyoctl"	/* client_id of operator tokens */
#define XV_CLIENT_LOGIN	"xavyo-login"	/* client_id of login tokens */
/*
 * Verifies a compact ES256 JWS against the platform's keys (by kid):
 * header (alg, kid, typ for the use, no crit), signature, iss, exp, iat,
 * nbf, exp - iat <= token_max_ttl, and aud and client_id for the use.
 * Returns its claims (caller decrefs) or NULL.
 */
json_t		*xv_jwt_verify(const char *token, enum xv_tok_use);
/* The claims unverified (caller decrefs), to look state up; see auth.c. */
json_t		*xv_jwt_peek(const char *token);
enum xv_err	xv_auth_session_now(struct xv_req *, enum xv_err);
enum xv_err	xv_auth_session_dead(struct xv_req *);
enum xv_err	xv_auth_jwt(struct xv_req *, const char *token,
		    struct xv_principal *);
/* The role and scope rules of API.md section 2 for route r. */
enum xv_err	xv_auth_check(struct xv_req *, const struct xv_route *r);
/*
 * The resolvers of session.c: XV_CRED_USER, _USER_OPT, _REFRESH and
 * _SESSION (see enum xv_cred).  A refresh token is "<tenant>.<43
 * base64url characters>": the tenant part only tells where to look, the
 * token's digest is what is checked, under that tenant's scope.
 */
enum xv_err	xv_auth_session(struct xv_req *, enum xv_cred);
/* The digest of a refresh token (HMAC-SHA-256, hex); 0 or -1 if malformed. */
int		xv_refresh_hash(const char *tok, char tenant[XV_UUID_LEN + 1],
		    char out[65]);
/* A new refresh token of tenant (caller frees with xv_free_secret). */
char		*xv_refresh_new(const char *tenant);
/* The XV_CRED_CLIENT resolver (client.c); see there. */
enum xv_err	xv_auth_client(struct xv_req *);
/* HMAC-SHA-256 (hex) of an OAuth client secret, keyed from master_key. */
int		xv_client_secret_hash(const char *secret, char out[65]);
/* Standard base64 text, strictly padded, decoded (caller frees), or NULL. */
char		*xv_b64_decode_text(const char *);

/* API keys: "xavyo_ak_" and 43 base64url characters (256 bits). */
#define XV_APIKEY_PREFIX	"xavyo_ak_"
/* RFC 6750 3.1: the challenge of a 401 for a token that does not hold. */
#define XV_CHALLENGE_INVALID	"Bearer realm=\"xavyo\", error=\"invalid_token\""
#define XV_APIKEY_LEN		(9 + 43)
#define XV_APIKEY_SHARDS	16	/* usage rows per key and day */
/*
 * The stored form of an API key: hex HMAC-SHA-256 keyed with
 * api_key_secret.  Returns 0, -1 if key is not shaped like an API key,
 * -2 if api_key_secret is missing or shorter than 32 characters.
 */
int		xv_auth_key_hash(const char *key, char out[65]);
/* Authenticates an API key into req->who; 401 if unknown or expired. */
enum xv_err	xv_auth_key(struct xv_req *, const char *key);
/*
 * Counts one use of req's API key in memory; call after the answer has
 * gone, then xv_auth_key_flush(idle), which writes the counts when idle
 * (no other request waiting) or enough have gathered.
 */
void		xv_auth_key_count(struct xv_req *);
void		xv_auth_key_flush(int idle);

/*
 * Opens the request's transaction scoped to req->tenant (or to the
 * system context when sys is set) and refuses a suspended or unknown
 * tenant and tokens issued before its last suspension.
 */
enum xv_err	xv_tenant_enter(struct xv_req *, int sys);
enum xv_err	xv_tenant_defer(struct xv_req *);
/*
 * Sets req->tenant from the route's tenancy: X-Tenant-ID (or an API
 * key's tenant), the system tenant, or the credential's tenant, which an
 * X-Tenant-ID, when sent, must name (else XV_E_TENANT_MISMATCH).
 */
enum xv_err	xv_tenant_header(struct xv_req *, const struct xv_route *);

/* A new tenant's settings and WebAuthn policy (caller decrefs). */
json_t		*xv_settings_default(void);
json_t		*xv_webauthn_default(void);

/* ---- passwords and one-time codes (password.c) ---- */

/* Argon2id, OWASP parameters, PHC encoded form; caller frees, NULL on failure. */
char		*xv_pw_hash(const char *pw);
/* 1 when pw matches the encoded hash (NULL or not Argon2id: 0). */
int		 xv_pw_verify(const char *encoded, const char *pw);
/* 1 when the hash's parameters are below today's: rehash it. */
int		 xv_pw_stale(const char *encoded);
/* A hash to verify against for unknown users (borrowed, per process). */
const char	*xv_pw_dummy(void);
/* The names of the policy's rules that pw breaks (caller decrefs). */
json_t		*xv_pw_policy(json_t *policy, const char *pw);
/* Answers 422 password_policy naming every rule broken (steals v). */
enum xv_err	 xv_pw_problem(struct xv_req *, json_t *violations);
/* A rule of the policy in words, for people (caller frees). */
char		*xv_pw_rule_words(json_t *policy, const char *rule);
/* RFC 6238 TOTP (HMAC-SHA-1, 6 digits) of a 30 s step; 0 or -1. */
int		 xv_totp(const unsigned char *key, size_t keylen,
		    uint64_t step, char out[7]);
/* The step accepted (now, one either way, after last), or -1. */
long long	 xv_totp_check(const unsigned char *key, size_t keylen,
		    const char *code, time_t now, long long last);
/* RFC 4648 base32 without padding; caller frees. */
char		*xv_base32_encode(const unsigned char *, size_t);

/* ---- invitation tokens (invite.c) ---- */

/* An invitation token: 43 base64url characters (256 random bits). */
#define XV_INVITE_LEN	43
/* A new token (caller frees with xv_free_secret), or NULL. */
char		*xv_invite_new(void);
/*
 * The stored form of a token: hex HMAC-SHA-256 keyed from
 * api_key_secret.  0, or -1 if tok is not shaped like a token or the
 * key is missing.
 */
int		 xv_invite_hash(const char *tok, char out[65]);
/*
 * The XV_CRED_INVITE resolver: the token of the route's first {param}
 * names its tenant (cred_tenant), found by its digest alone; no header
 * counts.  404 if no invitation has that token.
 */
enum xv_err	 xv_auth_invite(struct xv_req *);

/* ---- HTML pages (html.c) ---- */

/* Appends s to b with &, <, >, " and ' escaped. */
void		 xv_html_esc(struct xv_buf *b, const char *s);
/*
 * Answers status with a complete page: title (escaped) and main (HTML,
 * as given) in the one page shell, with its stylesheet inline and a
 * Content-Security-Policy that allows that stylesheet alone, forms to
 * this origin (and req->form_action, if set), and no framing.
 */
enum xv_err	 xv_html_page(struct xv_req *, int status, const char *title,
		    const char *main);
/* 1 when the client speaks JSON: Accept names it, or it sent a JSON body. */
int		 xv_html_wants_json(struct xv_req *);
/* Renders the failure e as a page (XV_STYLE_PAGE). */
void		 xv_html_problem(struct xv_req *, enum xv_err e);
/*
 * CSRF, signed double submit: xv_csrf_issue sets a cookie (HttpOnly,
 * SameSite=Strict, Path the request's path, Secure when the issuer is
 * https) holding a random value and returns the form field's value, the
 * value's HMAC for purpose (kept by the request).  xv_csrf_check is 1
 * when field matches the cookie sent with the request, for purpose.
 */
const char	*xv_csrf_issue(struct xv_req *, const char *purpose);
int		 xv_csrf_check(struct xv_req *, const char *purpose,
		    const char *field);
/* The value of cookie name (caller frees), or NULL. */
char		*xv_req_cookie(struct xv_req *, const char *name);
/* Cookie name's value in a Cookie header (caller frees), or NULL. */
char		*xv_cookie_get(const char *header, const char *name);
/*
 * Set-Cookie: HttpOnly, SameSite=Lax, Secure unless the issuer is http
 * on loopback; max_age < 0: a browser-session cookie, 0: deletes it.
 */
void		 xv_resp_cookie(struct xv_req *, const char *name,
		    const char *value, const char *path, long max_age);

/* ---- audit (audit.c) ---- */

/* Writes an audit event in the current transaction; old/new borrowed. */
enum xv_err	xv_audit(struct xv_req *, const char *tenant,
		    const char *action, const char *rtype, const char *rid,
		    json_t *oldv, json_t *newv);

/* The library's own statements, prepared on every connection. */
enum xv_libstmt {
	XV_ST_ENTER,
	XV_ST_AUDIT,
	XV_ST_KEY_PUBLIC,
	XV_ST_KEY_SIGNER,
	XV_ST_KEY_INSERT,
	XV_ST_KEY_RETIRE,
	XV_ST_APIKEY_LOOKUP,
	XV_ST_CUSTOM_PLANS,
	XV_ST_APIKEY_COUNT,
	XV_ST_CLIENT_LOOKUP,
	XV_ST_CLIENT_TOKEN,
	XV_ST_SESSION_ALIVE,
	XV_ST_INVITE_TENANT,
	XV_ST_ENTER_SESSION,
	XV_ST__MAX
};

#endif /* XV_H */

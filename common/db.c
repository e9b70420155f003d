/*
 * db.c: this process's one PostgreSQL connection and its statements.
 *
 * The program connects as its own role (configuration: database, and
 * db_user/db_password, usually per program).  The library's statements
 * and the program's are prepared once per connection.  A lost connection
 * is reset at the next transaction; until that succeeds requests answer
 * 503, and the program never has to be restarted.
 *
 * Behind a pooler in transaction mode (PgBouncer 1.18, Debian 12's), the
 * server connection changes from one transaction to the next, and a
 * statement prepared on one is unknown to the others: db_prepare = 0
 * sends each statement's text with its parameters instead, as libpq's
 * unnamed statement, which lives only as long as its own execution.
 * Either way the SQL and the values travel apart.  Nothing else here
 * depends on the session: the tenant is set with set_config(..., true)
 * inside each request's transaction (xv_enter, sql/0001-platform.sql).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"

static const struct xv_stmt libstmts[XV_ST__MAX] = {
	[XV_ST_ENTER] = { "l_enter", 2,
	    "SELECT status, tokens_valid_after FROM xv_enter($1, $2::boolean)" },
	[XV_ST_AUDIT] = { "l_audit", 9,
	    "SELECT xv_audit_write($1::uuid, $2, $3::uuid, $4, $5, $6, "
	    "$7::jsonb, $8::jsonb, $9)" },
	[XV_ST_KEY_PUBLIC] = { "l_key_public", 2,
	    "SELECT public_pem FROM signing_keys WHERE kid = $1 AND "
	    "(retired_at IS NULL OR retired_at > now() - "
	    "make_interval(secs => $2::int))" },
	/* The key that started signing last (0004-key-publication.sql). */
	[XV_ST_KEY_SIGNER] = { "l_key_signer", 0,
	    "SELECT kid, private_sealed FROM signing_keys "
	    "WHERE signs_from <= now() AND (retired_at IS NULL OR "
	    "retired_at > now()) ORDER BY signs_from DESC, created_at DESC "
	    "LIMIT 1" },
	[XV_ST_KEY_INSERT] = { "l_key_insert", 4,
	    "INSERT INTO signing_keys (kid, public_pem, private_sealed, "
	    "signs_from) VALUES ($1, $2, $3, now() + "
	    "make_interval(secs => $4::int))" },
	/* The keys that sign until the new one does stop then. */
	[XV_ST_KEY_RETIRE] = { "l_key_retire", 2,
	    "UPDATE signing_keys SET retired_at = now() + "
	    "make_interval(secs => $2::int) WHERE kid <> $1 AND "
	    "(retired_at IS NULL OR retired_at > now() + "
	    "make_interval(secs => $2::int))" },
	[XV_ST_APIKEY_LOOKUP] = { "l_apikey_lookup", 1,
	    "SELECT id, tenant_id, scopes FROM xv_api_key_lookup($1)" },
	/* A client by its client_id, across tenants (0002-oauth.sql). */
	[XV_ST_CLIENT_LOOKUP] = { "l_client_lookup", 1,
	    "SELECT id, tenant_id, client_type, grant_types, scopes, secret_hash, "
	    "is_active, "
	    "tenant_status, tokens_valid_after FROM xv_client_lookup($1)" },
	/* The same, and the state of the token it presents. */
	[XV_ST_CLIENT_TOKEN] = { "l_client_token", 4,
	    "SELECT id, tenant_id, client_type, grant_types, scopes, secret_hash, "
	    "is_active, "
	    "tenant_status, tokens_valid_after, token_tenant_status, "
	    "token_valid_after, token_client_active, revoked "
	    "FROM xv_client_token($1, $2::uuid, $3, $4)" },
	/* Whether a login token's session still holds (0005-users.sql). */
	[XV_ST_SESSION_ALIVE] = { "l_session_alive", 2,
	    "SELECT xv_session_alive($1::uuid, $2::uuid)" },
	/* The tenant of an invitation token's digest (0006-invitations.sql). */
	[XV_ST_INVITE_TENANT] = { "l_invite_tenant", 1,
	    "SELECT xv_invitation_tenant($1) AS tenant_id" },
	/*
	 * XV_ST_ENTER with a login token's session (XV_ST_SESSION_ALIVE):
	 * one row, alive first; a tenant that does not exist has NULLs.
	 */
	[XV_ST_ENTER_SESSION] = { "l_enter_session", 4,
	    "SELECT s.alive, e.status, e.tokens_valid_after FROM "
	    "xv_session_alive($3::uuid, $4::uuid) AS s(alive) "
	    "LEFT JOIN xv_enter($1, $2::boolean) AS e ON true" },
	/* Its own transaction: the local setting holds until its commit. */
	/* For the rest of the transaction (see struct xv_stmt's custom). */
	[XV_ST_CUSTOM_PLANS] = { "l_custom_plans", 0,
	    "SELECT set_config('plan_cache_mode', 'auto', true)" },
	[XV_ST_APIKEY_COUNT] = { "l_apikey_count", 5,
	    "SELECT xv_api_key_count($1, $2::int, $3::date, $4::int, "
	    "to_timestamp($5::bigint)), "
	    "set_config('synchronous_commit', 'off', true)" },
};

static PGconn			*conn;
static const struct xv_stmt	*pstmts;
static size_t			 npstmts;
/* The program's statements as prepared: named slots made $n. */
struct prepared {
	char	*sql;			/* NULL: pstmts[i].sql as it is */
	int	 n;
	char	 names[XV_MAX_PARAMS][XV_PARAM_NAME];
};
static struct prepared		*pprep;
static char			 lastsqlstate[6];
static int			 prepared = -1;	/* db_prepare, once read */

/* Whether statements are prepared by name on each connection. */
static int
use_prepared(void)
{
	if (prepared < 0)
		prepared = xv_conf_int("db_prepare", 1) != 0;
	return prepared;
}

static int
prepare_all(void)
{
	PGresult	*r;
	char		 name[32];
	size_t		 i;
	int		 ok = 1;

	if (!use_prepared())
		return 0;
	for (i = 0; ok && i < XV_ST__MAX; i++) {
		if (libstmts[i].name == NULL)
			continue;
		r = PQprepare(conn, libstmts[i].name, libstmts[i].sql,
		    libstmts[i].nparams, NULL);
		/* Statements on tables this role may not read fail: fine. */
		if (PQresultStatus(r) != PGRES_COMMAND_OK &&
		    PQstatus(conn) != CONNECTION_OK)
			ok = 0;
		PQclear(r);
	}
	for (i = 0; ok && i < npstmts; i++) {
		snprintf(name, sizeof(name), "p%zu", i);
		r = PQprepare(conn, name, pprep[i].sql ? pprep[i].sql :
		    pstmts[i].sql, pprep[i].n, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			xv_log("error", __func__, NULL,
			    "cannot prepare %s: %s", pstmts[i].name,
			    PQresultErrorMessage(r));
			ok = 0;
		}
		PQclear(r);
	}
	return ok ? 0 : -1;
}

static int
connect_db(void)
{
	const char *keys[] = { "dbname", "user", "password",
	    "fallback_application_name", "connect_timeout", NULL };
	const char *vals[6];
	char user[64];

	snprintf(user, sizeof(user), "xavyo_%s", xv_conf_prog());
	vals[0] = xv_conf_get("database", "dbname=xavyo");
	vals[1] = xv_conf_get("db_user", user);
	vals[2] = xv_conf_get("db_password", NULL);
	vals[3] = xv_conf_prog();
	vals[4] = "5";
	vals[5] = NULL;
	if (conn != NULL)
		PQfinish(conn);
	conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(conn) != CONNECTION_OK) {
		xv_log("error", __func__, NULL, "cannot connect: %s",
		    PQerrorMessage(conn));
		return -1;
	}
	return prepare_all();
}

static int
is_name(int c, int first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (!first && c >= '0' && c <= '9');
}

int
xv_sql_named(const char *sql, char **out, char names[][XV_PARAM_NAME],
    int max)
{
	size_t	 len = strlen(sql), o = 0, i, k;
	char	*b;
	char	 quote = 0;
	int	 n = 0, dollar = 0, j;

	*out = NULL;
	/* "$16" is no longer than the shortest slot, ":a" plus a digit. */
	if ((b = malloc(len * 2 + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		char c = sql[i];

		if (quote) {
			if (c == quote)
				quote = 0;
			b[o++] = c;
		} else if (c == '\'' || c == '"') {
			quote = c;
			b[o++] = c;
		} else if (c == '$' && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
			dollar = 1;
			b[o++] = c;
		} else if (c == ':' && sql[i + 1] == ':') {
			b[o++] = c;
			b[o++] = sql[++i];
		} else if (c == ':' && is_name((unsigned char)sql[i + 1], 1)) {
			for (k = i + 1; is_name((unsigned char)sql[k], 0); k++)
				;
			if (k - i - 1 >= XV_PARAM_NAME)
				goto bad;
			for (j = 0; j < n; j++)
				if (strlen(names[j]) == k - i - 1 &&
				    memcmp(names[j], sql + i + 1, k - i - 1) == 0)
					break;
			if (j == n) {
				if (n == max)
					goto bad;
				memcpy(names[n], sql + i + 1, k - i - 1);
				names[n][k - i - 1] = '\0';
				n++;
			}
			o += (size_t)sprintf(b + o, "$%d", j + 1);
			i = k - 1;
		} else
			b[o++] = c;
	}
	b[o] = '\0';
	if (n == 0 || dollar) {
		free(b);
		return dollar && n > 0 ? -1 : 0;
	}
	*out = b;
	return n;
bad:
	free(b);
	return -1;
}

int
xv_db_init(const struct xv_stmt *s, size_t n)
{
	size_t	i;
	int	k;

	for (i = 0; pprep != NULL && i < npstmts; i++)
		free(pprep[i].sql);
	free(pprep);
	pstmts = s;
	npstmts = n;
	if ((pprep = calloc(n ? n : 1, sizeof(*pprep))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i].name == NULL)
			continue;
		k = xv_sql_named(s[i].sql, &pprep[i].sql, pprep[i].names,
		    XV_MAX_PARAMS);
		/* Program statements are run by name only (xv_db_call). */
		if (k < 0 || s[i].nparams != 0) {
			xv_log("error", __func__, NULL, "statement %s: bad "
			    "parameter slots", s[i].name);
			return -1;
		}
		pprep[i].n = k;
	}
	return connect_db();
}

PGconn *
xv_db_conn(void)
{
	return conn;
}

int
xv_db_ok(void)
{
	return conn != NULL && PQstatus(conn) == CONNECTION_OK;
}

const char *
xv_db_sqlstate(void)
{
	return lastsqlstate;
}

/* Maps a failed result to the error it means for the client. */
enum xv_err
xv_db_classify(PGresult *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	snprintf(lastsqlstate, sizeof(lastsqlstate), "%s", st ? st : "");
	if (PQstatus(conn) != CONNECTION_OK)
		return XV_E_UNAVAILABLE;
	if (st == NULL)
		return XV_E_INTERNAL;
	if (strcmp(st, "23505") == 0)
		return XV_E_CONFLICT;
	if (strncmp(st, "08", 2) == 0 || strcmp(st, "57P01") == 0)
		return XV_E_UNAVAILABLE;
	if (strcmp(st, "22P02") == 0 || strcmp(st, "23514") == 0)
		return XV_E_BAD_REQUEST;
	return XV_E_INTERNAL;
}

/*
 * Runs the statement prepared as name (what, for the log), or with
 * db_prepare = 0 its text sql, with its n parameters p.
 */
/*
 * A transaction begun by xv_db_begin is opened only with its first
 * statement, and a statement deferred by xv_db_defer (the request's
 * tenant, entered and checked) goes with it too: BEGIN, the deferred
 * statement and the first statement travel in one pipeline, one round
 * trip instead of three.  A transaction in which nothing ran commits or
 * rolls back without a word to the server.
 */
static int			 begin_pending;
/* plan_cache_mode is auto in this transaction (XV_ST_CUSTOM_PLANS). */
static int			 custom_plans;
/*
 * xv_db_one_read: the transaction is READ ONLY and its COMMIT goes in
 * the pipeline of its first statement (one_read); once that committed
 * (one_done), any other statement of the request is refused.
 */
static int			 one_read, one_done;
static struct {
	int		 on;
	int		 stmt;		/* enum xv_libstmt */
	int		 n;
	char		 val[4][64];
	xv_db_check_fn	 check;
	void		*arg;
} pre;
/* The deferred statement's check failed: so does all the transaction. */
static enum xv_err		 pre_err;

/* Drops a connection whose pipeline could not be ended cleanly. */
static void
drop_conn(void)
{
	PQfinish(conn);
	conn = NULL;
}

static int
send_one(const char *name, const char *sql, int n, const char *const *p)
{
	if (use_prepared() && name != NULL)
		return PQsendQueryPrepared(conn, name, n, p, NULL, NULL, 0);
	return PQsendQueryParams(conn, sql, n, NULL, p, NULL, NULL, 0);
}

/* The next result of a pipeline, and the NULL that ends it. */
static PGresult *
next_result(void)
{
	PGresult *r = PQgetResult(conn), *x;

	if (r != NULL)
		while ((x = PQgetResult(conn)) != NULL)
			PQclear(x);
	return r;
}

/*
 * Sends what is pending (BEGIN, the deferred statement) and, if name or
 * sql is set, the statement, in one pipeline.  Returns the statement's
 * result, or the first failure before it (what follows a failure is
 * skipped by the server), or NULL: the connection was lost (it is then
 * dropped, and nothing pending is lost with it) or the deferred check
 * failed (*chk says how).
 */
static PGresult *
exec_pipe(const char *name, const char *sql, int n, const char *const *p,
    enum xv_err *chk)
{
	const char	*pv[4] = { pre.val[0], pre.val[1], pre.val[2],
			    pre.val[3] };
	PGresult	*b = NULL, *d = NULL, *r = NULL, *c = NULL, *x;
	PGresult	*fail = NULL;
	int		 ok, main = name != NULL || sql != NULL;
	int		 want_b = begin_pending, want_d = pre.on;
	int		 want_c = want_b && one_read;

	*chk = XV_OK;
	if (PQenterPipelineMode(conn) != 1)
		return NULL;
	ok = (!want_b || PQsendQueryParams(conn, want_c ? "BEGIN READ ONLY" :
	    "BEGIN", 0, NULL, NULL, NULL, NULL, 0) == 1) &&
	    (!want_d || send_one(libstmts[pre.stmt].name, libstmts[pre.stmt].sql,
	    pre.n, pv) == 1) &&
	    (!main || send_one(name, sql, n, p) == 1) &&
	    (!want_c || PQsendQueryParams(conn, "COMMIT", 0, NULL, NULL, NULL,
	    NULL, 0) == 1) &&
	    PQpipelineSync(conn) == 1;
	if (ok && want_b && (b = next_result()) == NULL)
		ok = 0;
	if (ok && want_d && (d = next_result()) == NULL)
		ok = 0;
	if (ok && main && (r = next_result()) == NULL)
		ok = 0;
	if (ok && want_c && (c = next_result()) == NULL)
		ok = 0;
	if (ok) {
		if ((x = PQgetResult(conn)) == NULL ||
		    PQresultStatus(x) != PGRES_PIPELINE_SYNC)
			ok = 0;
		PQclear(x);
	}
	if (PQexitPipelineMode(conn) != 1 || !ok) {
		/* Lost mid-way: all of it starts again on a new connection. */
		PQclear(b);
		PQclear(d);
		PQclear(r);
		PQclear(c);
		drop_conn();
		return NULL;
	}
	if (want_b && PQresultStatus(b) != PGRES_COMMAND_OK)
		fail = b;
	else if (want_b) {
		begin_pending = 0;
		PQclear(b);
		b = NULL;
	}
	if (want_d && fail == NULL) {
		pre.on = 0;
		if (PQresultStatus(d) != PGRES_TUPLES_OK) {
			fail = d;
			pre_err = xv_db_classify(d);
			d = NULL;
		} else if ((*chk = pre.check(pre.arg, d)) != XV_OK)
			pre_err = *chk;
	}
	PQclear(d);
	if (fail != NULL || *chk != XV_OK) {
		if (fail != b)
			PQclear(b);
		PQclear(r);
		PQclear(c);
		return fail;
	}
	if (want_c) {
		ExecStatusType st = r ? PQresultStatus(r) : PGRES_COMMAND_OK;

		/* The statement failed: COMMIT was skipped, rollback follows. */
		if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
			PQclear(c);
			return r;
		}
		if (PQresultStatus(c) != PGRES_COMMAND_OK) {
			PQclear(r);
			return c;
		}
		PQclear(c);
		one_done = 1;
	}
	return r;
}

/*
 * Sends statement stmt (enum xv_libstmt) with the transaction's first
 * statement; check judges its result then, and a failure there fails
 * that statement and every later one of the transaction (xv_db_pending
 * runs it alone if no other came).  At most four parameters.
 */
int
xv_db_defer(int stmt, int n, const char *const *p, xv_db_check_fn check,
    void *arg)
{
	int i;

	if (n > 4 || pre.on)
		return -1;
	for (i = 0; i < n; i++)
		if (snprintf(pre.val[i], sizeof(pre.val[i]), "%s", p[i]) >=
		    (int)sizeof(pre.val[i]))
			return -1;
	pre.stmt = stmt;
	pre.n = n;
	pre.check = check;
	pre.arg = arg;
	pre.on = 1;
	return 0;
}

/*
 * Runs what is still deferred (nothing came to carry it), and answers
 * how the deferred check went: XV_OK, its failure, or the database's.
 */
enum xv_err
xv_db_pending(void)
{
	PGresult	*r;
	enum xv_err	 chk;
	int		 tries = 0;

	/* A connection lost under it is replaced once, as run() does. */
	while (pre.on && pre_err == XV_OK) {
		if (tries++ == 2 || (conn == NULL && xv_db_ensure() != XV_OK))
			return XV_E_UNAVAILABLE;
		if ((r = exec_pipe(NULL, NULL, 0, NULL, &chk)) != NULL) {
			PQclear(r);
			break;
		}
		if (chk != XV_OK)
			break;
	}
	return pre_err;
}

static PGresult *
run(const char *name, const char *what, const char *sql, int n,
    const char *const *p, enum xv_err *err)
{
	PGresult	*r;
	ExecStatusType	 st;
	int		 alone, tries = 0;

	*err = XV_OK;
again:
	if (conn == NULL) {
		*err = XV_E_UNAVAILABLE;
		return NULL;
	}
	if (pre_err != XV_OK) {
		*err = pre_err;
		return NULL;
	}
	/* A one-read route's transaction is over: nothing more runs. */
	if (one_done) {
		xv_log("error", __func__, NULL, "%s after the one statement "
		    "of a one-read route", what);
		*err = XV_E_INTERNAL;
		return NULL;
	}
	/* Not inside a transaction: the statement stands alone. */
	alone = PQtransactionStatus(conn) == PQTRANS_IDLE;
	if (begin_pending || pre.on) {
		enum xv_err chk;

		r = exec_pipe(name, sql, n, p, &chk);
		if (chk != XV_OK) {
			*err = chk;
			return NULL;
		}
	} else if (use_prepared())
		r = PQexecPrepared(conn, name, n, p, NULL, NULL, 0);
	else
		r = PQexecParams(conn, sql, n, NULL, p, NULL, NULL, 0);
	st = PQresultStatus(r);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return r;
	if (conn == NULL) {
		/* The connection was dropped under the pipeline. */
		*err = XV_E_UNAVAILABLE;
		if (alone && tries++ == 0 && xv_db_ensure() == XV_OK) {
			PQclear(r);
			goto again;
		}
		PQclear(r);
		return NULL;
	}
	*err = xv_db_classify(r);
	/*
	 * A connection the server dropped (a restart) is found only now; a
	 * statement that stood alone is run once more on a new one, so that
	 * the request need not fail.  One inside a transaction is not: the
	 * transaction is gone, and the request answers 503.
	 */
	if (*err == XV_E_UNAVAILABLE && alone && tries++ == 0 &&
	    xv_db_ensure() == XV_OK) {
		PQclear(r);
		goto again;
	}
	if (*err != XV_E_CONFLICT && *err != XV_E_BAD_REQUEST)
		xv_log("error", __func__, NULL, "%s failed: %s", what,
		    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) ?
		    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : "no result");
	PQclear(r);
	return NULL;
}

/* Runs named program statement i with its arguments by name. */
PGresult *
xv_db_call(int i, const struct xv_arg *a, size_t n, enum xv_err *err)
{
	const struct prepared	*s = &pprep[i];
	const char		*p[XV_MAX_PARAMS];
	PGresult		*r;
	unsigned char		 set[XV_MAX_PARAMS] = { 0 };
	char			 name[32];
	size_t			 k;
	int			 j;

	for (k = 0; k < n; k++) {
		for (j = 0; j < s->n; j++)
			if (strcmp(s->names[j], a[k].name) == 0)
				break;
		if (s->sql == NULL || j == s->n || set[j]) {
			xv_log("error", __func__, NULL, "statement %s: "
			    "argument %s fills no slot", pstmts[i].name,
			    a[k].name);
			*err = XV_E_INTERNAL;
			return NULL;
		}
		set[j] = 1;
		p[j] = a[k].val;
	}
	for (j = 0; j < s->n; j++)
		if (!set[j]) {
			xv_log("error", __func__, NULL, "statement %s: no "
			    "argument for :%s", pstmts[i].name, s->names[j]);
			*err = XV_E_INTERNAL;
			return NULL;
		}
	/* Once a transaction, before the first statement that wants it. */
	if (pstmts[i].custom && !custom_plans && conn != NULL &&
	    (begin_pending || PQtransactionStatus(conn) != PQTRANS_IDLE)) {
		if ((r = run(libstmts[XV_ST_CUSTOM_PLANS].name,
		    libstmts[XV_ST_CUSTOM_PLANS].name,
		    libstmts[XV_ST_CUSTOM_PLANS].sql, 0, NULL, err)) == NULL)
			return NULL;
		PQclear(r);
		custom_plans = 1;
	}
	snprintf(name, sizeof(name), "p%d", i);
	return run(name, pstmts[i].name, s->sql ? s->sql : pstmts[i].sql, s->n,
	    p, err);
}

/* Runs library statement i (enum xv_libstmt). */
PGresult *
xv_db_lib(int i, int n, const char *const *p, enum xv_err *err)
{
	return run(libstmts[i].name, libstmts[i].name, libstmts[i].sql, n, p,
	    err);
}

static enum xv_err
simple(const char *sql)
{
	PGresult	*r = PQexec(conn, sql);
	enum xv_err	 e = XV_OK;

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		e = xv_db_classify(r);
	PQclear(r);
	return e;
}

/* Reconnects (and re-prepares) if the connection was lost. */
enum xv_err
xv_db_ensure(void)
{
	if (conn != NULL && PQstatus(conn) == CONNECTION_OK)
		return XV_OK;
	if (conn != NULL)
		PQreset(conn);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
		return connect_db() == 0 ? XV_OK : XV_E_UNAVAILABLE;
	return prepare_all() == 0 ? XV_OK : XV_E_UNAVAILABLE;
}

/*
 * Starts the request's transaction, reconnecting first if need be: BEGIN
 * goes with the transaction's first statement (exec_pipe).
 */
enum xv_err
xv_db_begin(void)
{
	enum xv_err e;

	if ((e = xv_db_ensure()) != XV_OK)
		return e;
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		return XV_E_INTERNAL;
	begin_pending = 1;
	custom_plans = 0;
	one_read = one_done = 0;
	pre.on = 0;
	pre_err = XV_OK;
	return XV_OK;
}

/*
 * Makes the transaction xv_db_begin opened READ ONLY, and commits it in
 * the round trip of its first statement: for handlers that run one
 * read-only statement (a route's one_read).  A statement after it fails
 * (500) rather than run outside the transaction and its tenant's scope;
 * a write in it fails as PostgreSQL refuses it.
 */
void
xv_db_one_read(void)
{
	if (begin_pending)
		one_read = 1;
}

/* Whether the database answers now: a round trip, reconnecting once. */
enum xv_err
xv_db_ping(void)
{
	enum xv_err e;

	if ((e = xv_db_ensure()) != XV_OK)
		return e;
	/* A connection that died since its last use shows only now. */
	if ((e = simple("SELECT 1")) == XV_E_UNAVAILABLE && connect_db() == 0)
		e = simple("SELECT 1");
	return e;
}

enum xv_err
xv_db_commit(void)
{
	enum xv_err e;

	if ((e = xv_db_pending()) != XV_OK) {
		xv_db_rollback();
		return e;
	}
	custom_plans = 0;
	one_read = 0;
	if (one_done) {
		one_done = 0;
		return XV_OK;
	}
	if (begin_pending) {
		begin_pending = 0;
		return XV_OK;
	}
	if (conn == NULL)
		return XV_E_UNAVAILABLE;
	return simple("COMMIT");
}

void
xv_db_rollback(void)
{
	begin_pending = 0;
	custom_plans = 0;
	one_read = one_done = 0;
	pre.on = 0;
	pre_err = XV_OK;
	if (conn != NULL && PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
}

void
xv_db_finish(void)
{
	if (conn != NULL)
		PQfinish(conn);
	conn = NULL;
}

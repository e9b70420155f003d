/*
 * xavyoctl: the operator's command.  It connects as the owner role
 * (configuration section "owner") and runs migrations, bootstraps the
 * system tenant's super admin and first signing key, mints short-lived
 * access tokens for operators and tests, and rotates signing keys.
 * See xavyoctl(8).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xv.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/share/xavyo-idp"
#endif

static PGresult *
q(const char *sql, int n, const char *const *p)
{
	PGresult	*r = PQexecParams(xv_db_conn(), sql, n, NULL, p, NULL,
			    NULL, 0);
	ExecStatusType	 st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	fprintf(stderr, "xavyoctl: %s", PQresultErrorMessage(r));
	PQclear(r);
	return NULL;
}

/* Runs a script of statements without parameters (migrations). */
static int
exec_ok(const char *sql)
{
	PGresult	*r = PQexec(xv_db_conn(), sql);
	ExecStatusType	 st = PQresultStatus(r);
	int		 ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "xavyoctl: %s", PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf = NULL;
	long	 n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(n + 1)) != NULL) {
		if (fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else
			buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

static int
is_migration(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 9 && d->d_name[0] >= '0' && d->d_name[0] <= '9' &&
	    strcmp(d->d_name + n - 4, ".sql") == 0;
}

/*
 * Applies migration file name of dir unless it is applied: one
 * transaction that first takes the migrations' lock, so that two
 * migrators apply each file once.  The lock is the transaction's, not
 * the session's: behind a pooler in transaction mode the next
 * transaction may run on another server connection, and a session lock
 * would stay behind on this one.  1 if it applied the file, 0 if it was
 * applied already, -1 on failure (rolled back).
 */
static int
migrate_one(const char *dir, const char *name)
{
	char		 path[4096], *sql = NULL;
	const char	*p[1] = { name };
	PGresult	*r = NULL;
	int		 rc = -1;

	if (exec_ok("BEGIN") != 0 ||
	    exec_ok("SELECT pg_advisory_xact_lock(7236001)") != 0 ||
	    (r = q("SELECT 1 FROM schema_migrations WHERE version = $1",
	    1, p)) == NULL)
		goto out;
	if (PQntuples(r) > 0) {
		rc = 0;
		goto out;
	}
	PQclear(r);
	r = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((sql = slurp(path)) == NULL) {
		fprintf(stderr, "xavyoctl: cannot read %s\n", path);
		goto out;
	}
	if (exec_ok(sql) != 0 ||
	    (r = q("INSERT INTO schema_migrations (version) VALUES ($1)",
	    1, p)) == NULL) {
		fprintf(stderr, "xavyoctl: migration %s failed\n", name);
		goto out;
	}
	rc = 1;
out:
	PQclear(r);
	free(sql);
	if (rc >= 0 && exec_ok("COMMIT") != 0)
		rc = -1;
	if (rc < 0)
		exec_ok("ROLLBACK");
	return rc;
}

/* Applies each numbered migration not yet applied, each in its transaction. */
static int
cmd_migrate(const char *dir)
{
	struct dirent	**ents = NULL;
	int		 i, n, rc = 1, applied = 0, one;

	if ((n = scandir(dir, &ents, is_migration, alphasort)) < 0) {
		fprintf(stderr, "xavyoctl: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (exec_ok("BEGIN") != 0 ||
	    exec_ok("SELECT pg_advisory_xact_lock(7236001)") != 0 ||
	    exec_ok("CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version text PRIMARY KEY, applied_at timestamptz NOT NULL "
	    "DEFAULT now())") != 0 || exec_ok("COMMIT") != 0) {
		exec_ok("ROLLBACK");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((one = migrate_one(dir, ents[i]->d_name)) < 0)
			goto out;
		if (one == 1) {
			printf("applied %s\n", ents[i]->d_name);
			applied++;
		}
	}
	printf("migrations up to date (%d applied now)\n", applied);
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return rc;
}

static const char *const scope_system =
    "SELECT set_config('app.tenant_id', '" XV_SYSTEM_TENANT "', true), "
    "set_config('app.system', 'on', true)";

/* Runs sql with doc (stolen) as its JSON parameter; 0 or -1. */
static int
insert_doc(const char *sql, json_t *doc)
{
	char		*s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	const char	*p[1] = { s };
	PGresult	*r = s ? q(sql, 1, p) : NULL;

	json_decref(doc);
	free(s);
	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

/*
 * The first super admin's password: the first line of pwfile, or 192
 * random bits (and one character of each class the default policy asks
 * for), printed once.  Returns its Argon2id hash (caller frees) or NULL.
 */
static char *
bootstrap_password(const char *pwfile, int *generated)
{
	unsigned char	 rnd[24];
	char		*pw = NULL, *b, *h;

	*generated = pwfile == NULL;
	if (pwfile != NULL) {
		if ((pw = slurp(pwfile)) == NULL) {
			fprintf(stderr, "xavyoctl: cannot read %s\n", pwfile);
			return NULL;
		}
		pw[strcspn(pw, "\r\n")] = '\0';
		if (strlen(pw) < 8) {
			fprintf(stderr, "xavyoctl: the password in %s is "
			    "shorter than 8 characters\n", pwfile);
			xv_free_secret(pw);
			return NULL;
		}
	} else {
		if (xv_random(rnd, sizeof(rnd)) != 0 ||
		    (b = xv_b64url_encode(rnd, sizeof(rnd))) == NULL)
			return NULL;
		explicit_bzero(rnd, sizeof(rnd));
		if (asprintf(&pw, "%s.Aa1", b) < 0)
			pw = NULL;
		xv_free_secret(b);
		if (pw == NULL)
			return NULL;
	}
	h = xv_pw_hash(pw);
	if (h != NULL && *generated)
		printf("super admin password (shown once): %s\n", pw);
	xv_free_secret(pw);
	return h;
}

/* System tenant documents, first super admin, first signing key. */
static int
cmd_bootstrap(const char *email, const char *pwfile)
{
	const char	*p[2] = { email, NULL };
	PGresult	*r;
	char		*kid, *hash = NULL;
	enum xv_err	 e;
	int		 generated;

	if (exec_ok("BEGIN") != 0 || exec_ok(scope_system) != 0)
		return 1;
	if (insert_doc("INSERT INTO tenant_settings (tenant_id, settings) "
	    "VALUES ('" XV_SYSTEM_TENANT "', $1::jsonb) ON CONFLICT DO NOTHING",
	    xv_settings_default()) != 0 ||
	    insert_doc("INSERT INTO webauthn_policies (tenant_id, policy) "
	    "VALUES ('" XV_SYSTEM_TENANT "', $1::jsonb) ON CONFLICT DO NOTHING",
	    xv_webauthn_default()) != 0)
		goto fail;
	if ((r = q("SELECT id FROM users WHERE tenant_id = '" XV_SYSTEM_TENANT
	    "' AND 'super_admin' = ANY (roles) LIMIT 1", 0, NULL)) == NULL)
		goto fail;
	if (PQntuples(r) == 0) {
		PQclear(r);
		if ((hash = bootstrap_password(pwfile, &generated)) == NULL)
			goto fail;
		p[1] = hash;
		if ((r = q("WITH u AS (INSERT INTO users (tenant_id, email, "
		    "roles, password_hash) VALUES ('" XV_SYSTEM_TENANT "', $1, "
		    "'{super_admin}', $2) RETURNING id, tenant_id, password_hash) "
		    "INSERT INTO password_history (tenant_id, user_id, "
		    "password_hash) SELECT tenant_id, id, password_hash FROM u "
		    "RETURNING user_id", 2, p)) == NULL)
			goto fail;
		printf("created super admin %s (%s)\n", email,
		    PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	if ((r = q("SELECT 1 FROM signing_keys WHERE retired_at IS NULL",
	    0, NULL)) == NULL)
		goto fail;
	if (PQntuples(r) == 0) {
		if ((kid = xv_keys_rotate(0, &e)) == NULL) {
			PQclear(r);
			fprintf(stderr, "xavyoctl: cannot create a signing key "
			    "(is master_key set?)\n");
			goto fail;
		}
		printf("created signing key %s\n", kid);
		free(kid);
	}
	PQclear(r);
	free(hash);
	if (exec_ok("COMMIT") != 0)
		return 1;
	printf("bootstrap complete\n");
	return 0;
fail:
	free(hash);
	exec_ok("ROLLBACK");
	return 1;
}

/*
 * Prints an ES256 access token for an operator or a tenant admin: an
 * RFC 9068 token of the first-party client "xavyoctl", the only kind
 * (with login tokens) that the admin API takes as a bearer token.
 */
static int
cmd_token(const char *tenant, const char *roles, const char *sub, long ttl)
{
	char		*tok;
	char		 subbuf[64] = "";
	json_t		*extra, *rl;
	PGresult	*r;
	const char	*tok_roles;

	if (sub == NULL && strcmp(tenant, XV_SYSTEM_TENANT) == 0) {
		if (exec_ok("BEGIN") != 0 || exec_ok(scope_system) != 0 ||
		    (r = q("SELECT id FROM users WHERE 'super_admin' = ANY (roles) "
		    "ORDER BY created_at LIMIT 1", 0, NULL)) == NULL)
			return 1;
		if (PQntuples(r) == 1)
			snprintf(subbuf, sizeof(subbuf), "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		exec_ok("COMMIT");
		if (subbuf[0] == '\0') {
			fprintf(stderr, "xavyoctl: no super admin; run "
			    "xavyoctl bootstrap\n");
			return 1;
		}
		sub = subbuf;
	}
	if (sub == NULL)
		sub = "xavyoctl";

	tok_roles = roles ? roles : (strcmp(tenant, XV_SYSTEM_TENANT) == 0 ?
	    "super_admin" : "admin");
	rl = json_array();
	{
		char *dup = strdup(tok_roles), *s = dup, *t;

		while ((t = strsep(&s, ",")) != NULL)
			if (*t != '\0')
				json_array_append_new(rl, json_string(t));
		free(dup);
	}
	extra = json_pack("{s:o}", "roles", rl);
	tok = extra ? xv_access_token(sub, XV_CLIENT_CTL, tenant, ttl, extra) :
	    NULL;
	json_decref(extra);
	if (tok == NULL) {
		fprintf(stderr, "xavyoctl: no signing key (run bootstrap; is "
		    "master_key set?)\n");
		return 1;
	}
	printf("%s\n", tok);
	free(tok);
	return 0;
}

/*
 * keys list, or keys rotate: a new key published now that signs after
 * key_publish_delay seconds, or at once with -i (a leaked key).
 */
static int
cmd_keys(const char *what, int immediate)
{
	PGresult	*r;
	char		*kid;
	enum xv_err	 e;
	int		 i;

	if (strcmp(what, "list") == 0) {
		if ((r = q("SELECT kid, xv_ts(created_at), xv_ts(signs_from), "
		    "coalesce(xv_ts(retired_at), '-') FROM signing_keys "
		    "ORDER BY created_at", 0, NULL)) == NULL)
			return 1;
		for (i = 0; i < PQntuples(r); i++)
			printf("%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0),
			    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
			    PQgetvalue(r, i, 3));
		PQclear(r);
		return 0;
	}
	if (strcmp(what, "rotate") != 0)
		return 2;
	if (exec_ok("BEGIN") != 0)
		return 1;
	if ((kid = xv_keys_rotate(immediate ? 0 : xv_key_publish_delay(),
	    &e)) == NULL) {
		exec_ok("ROLLBACK");
		fprintf(stderr, "xavyoctl: cannot create a key\n");
		return 1;
	}
	if (exec_ok("COMMIT") != 0) {
		free(kid);
		return 1;
	}
	printf("%s\n", kid);
	free(kid);
	return 0;
}

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static void
usage(void)
{
	fprintf(stderr, "usage: xavyoctl migrate [-d dir]\n"
	    "       xavyoctl bootstrap [-e email] [--password-file file]\n"
	    "       xavyoctl token [-t tenant] [-r roles] [-s sub] [-l seconds]\n"
	    "       xavyoctl keys rotate [-i] | list\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char	*cmd, *dir, *email, *tenant = XV_SYSTEM_TENANT;
	const char	*roles = NULL, *sub = NULL, *pwfile = NULL;
	static const struct option longopts[] = {
		{ "password-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	long		 ttl = 900;
	int		 ch, immediate = 0;

	if (argc < 2)
		usage();
	cmd = argv[1];
	argc--;
	argv++;
	if (xv_conf_load("owner") != 0) {
		fprintf(stderr, "xavyoctl: cannot read configuration\n");
		return 1;
	}
	dir = xv_conf_get("sql_dir", PKGDATADIR "/sql");
	email = xv_conf_get("bootstrap_email", "admin@localhost");
	while ((ch = getopt_long(argc, argv, "d:e:it:r:s:l:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'p': pwfile = optarg; break;
		case 'i': immediate = 1; break;
		case 'd': dir = optarg; break;
		case 'e': email = optarg; break;
		case 't': tenant = optarg; break;
		case 'r': roles = optarg; break;
		case 's': sub = optarg; break;
		case 'l': ttl = strtol(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (strcmp(cmd, "token") == 0 && (!xv_valid_uuid(tenant) || ttl < 1 ||
	    ttl > xv_token_max_ttl())) {
		fprintf(stderr, "xavyoctl: bad tenant or lifetime (1..%ld s)\n",
		    xv_token_max_ttl());
		return 2;
	}
	xv_db_init(NULL, 0);
	if (!xv_db_ok()) {
		fprintf(stderr, "xavyoctl: cannot connect to the database\n");
		return 1;
	}
	PQsetNoticeProcessor(xv_db_conn(), quiet, NULL);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(dir);
	if (strcmp(cmd, "bootstrap") == 0)
		return cmd_bootstrap(email, pwfile);
	if (strcmp(cmd, "token") == 0)
		return cmd_token(tenant, roles, sub, ttl);
	if (strcmp(cmd, "keys") == 0 && optind < argc &&
	    (strcmp(argv[optind], "rotate") == 0 ||
	    strcmp(argv[optind], "list") == 0))
		return cmd_keys(argv[optind], immediate);
	usage();
	return 2;
}

/*
 * conf.c: configuration from xavyo.conf with environment overrides.
 *
 * The file is "key = value" lines; '#' starts a comment line.  A key
 * "prog.key" (prog being the program's name, such as "tenants") applies
 * to that program only and wins over plain "key".  XAVYO_<KEY> in the
 * environment, with dots and dashes as underscores and in upper case,
 * wins over both: XAVYO_DATABASE, XAVYO_TENANTS_DB_PASSWORD.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define CONF_MAX 128

static struct {
	char	*key;
	char	*val;
} conf[CONF_MAX];
static size_t	nconf;
static char	prog[32];
static char	envbuf[256];

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Reads "key = value" lines of path; each key gets prefix (the program's
 * name and a dot, for a secrets file) in front.  0, or -1 if the file
 * exists but cannot be read.
 */
static int
load_file(const char *path, const char *prefix)
{
	FILE	*f;
	char	 line[1024], *eq, *k, *v;

	if ((f = fopen(path, "r")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof(line), f) != NULL && nconf < CONF_MAX) {
		k = trim(line);
		if (*k == '#' || *k == '\0' || (eq = strchr(k, '=')) == NULL)
			continue;
		*eq = '\0';
		v = trim(eq + 1);
		k = trim(k);
		if (asprintf(&conf[nconf].key, "%s%s", prefix, k) < 0) {
			conf[nconf].key = NULL;
			break;
		}
		conf[nconf].val = strdup(v);
		nconf++;
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return 0;
}

/*
 * Loads xavyo.conf, then the program's own secrets: the file
 * <secrets_dir>/<prog>.conf (secrets_dir defaults to SYSCONFDIR/secrets),
 * readable by the program's user alone, whose keys apply to this
 * program only.  Neither file need exist; one that exists but cannot be
 * read is an error.
 */
int
xv_conf_load(const char *name)
{
	const char	*path, *dir;
	char		 sp[512], prefix[40];

	snprintf(prog, sizeof(prog), "%s", name);
	if ((path = getenv("XAVYO_CONF")) == NULL)
		path = SYSCONFDIR "/xavyo.conf";
	if (load_file(path, "") != 0)
		return -1;
	if ((dir = xv_conf_get("secrets_dir", NULL)) == NULL)
		dir = SYSCONFDIR "/secrets";
	snprintf(sp, sizeof(sp), "%s/%s.conf", dir, prog);
	snprintf(prefix, sizeof(prefix), "%s.", prog);
	return load_file(sp, prefix);
}

const char *
xv_conf_prog(void)
{
	return prog;
}

static const char *
lookup(const char *key)
{
	size_t i;

	for (i = 0; i < nconf; i++)
		if (strcmp(conf[i].key, key) == 0)
			return conf[i].val;
	return NULL;
}

static const char *
env_lookup(const char *key)
{
	size_t i, n;

	n = snprintf(envbuf, sizeof(envbuf), "XAVYO_%s", key);
	if (n >= sizeof(envbuf))
		return NULL;
	for (i = 6; envbuf[i] != '\0'; i++)
		envbuf[i] = (envbuf[i] == '.' || envbuf[i] == '-') ? '_' :
		    toupper((unsigned char)envbuf[i]);
	return getenv(envbuf);
}

static const char *
resolve(const char *key)
{
	char		 pk[160];
	const char	*v;

	snprintf(pk, sizeof(pk), "%s.%s", prog, key);
	if ((v = env_lookup(pk)) != NULL || (v = env_lookup(key)) != NULL)
		return v;
	if ((v = lookup(pk)) != NULL || (v = lookup(key)) != NULL)
		return v;
	return NULL;
}

/*
 * Returns the value (borrowed, valid for the process) or def.  Values
 * do not change once loaded, so each key is resolved once and then
 * served from a small memo: request paths read several keys per request.
 */
const char *
xv_conf_get(const char *key, const char *def)
{
	static struct {
		const char	*key;
		const char	*val;
	} memo[64];
	static size_t	 nmemo;
	const char	*v;
	size_t		 i;

	for (i = 0; i < nmemo; i++)
		if (strcmp(memo[i].key, key) == 0)
			return memo[i].val ? memo[i].val : def;
	v = resolve(key);
	if (nmemo < sizeof(memo) / sizeof(memo[0]) &&
	    (memo[nmemo].key = strdup(key)) != NULL)
		memo[nmemo++].val = v;
	return v ? v : def;
}

long
xv_conf_int(const char *key, long def)
{
	const char	*v = xv_conf_get(key, NULL);
	char		*end;
	long		 n;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return def;
	return n;
}

const char *
xv_issuer(void)
{
	return xv_conf_get("issuer", "http://127.0.0.1");
}

const char *
xv_audience(void)
{
	return xv_conf_get("audience", xv_issuer());
}

long
xv_token_max_ttl(void)
{
	return xv_conf_int("token_max_ttl", 3600);
}

long
xv_key_publish_delay(void)
{
	long d = xv_conf_int("key_publish_delay", 300);

	return d < 0 ? 0 : d;
}

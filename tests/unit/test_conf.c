/*
 * test_conf.c: configuration (conf.c).  A temporary file holds plain
 * and program-prefixed keys; XAVYO_* variables override both.  This
 * unit runs first and loads the configuration of the program "test"
 * once for the whole process, since conf.c reads its file only once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xv.h"
#include "test_unit.h"

static const char conf_text[] =
    "# a comment line\n"
    "   # an indented comment = not a key\n"
    "plain = one\n"
    "test.plain = two\n"
    "other.plain = three\n"
    "only_plain = p\n"
    "other.solo = x\n"
    "   spaced   =   a value with spaces   \n"
    "tight=t\n"
    "url = postgresql://h/db?sslmode=require\n"
    "num = 42\n"
    "neg = -7\n"
    "junk_num = 12abc\n"
    "float_num = 1.5\n"
    "big = 99999999999999999999999\n"
    "empty =\n"
    "a line without an equals sign\n"
    "envplain = file\n"
    "test.envprog = file\n"
    "test.envboth = file\n"
    "envint = 1\n"
    "\n";

static const struct {
	const char	*name, *value;
} env[] = {
	{ "XAVYO_ENVPLAIN", "env" },		/* beats the plain file key */
	{ "XAVYO_ENVPROG", "env" },		/* beats test.envprog in file */
	{ "XAVYO_ENVBOTH", "env-plain" },
	{ "XAVYO_TEST_ENVBOTH", "env-prog" },	/* beats XAVYO_ENVBOTH */
	{ "XAVYO_DASHED_KEY", "dash" },
	{ "XAVYO_ENVINT", "5" },
	{ "XAVYO_ENVJUNK", "5 " },
};

static int
load(void)
{
	char	 path[] = "/tmp/xv-unit-conf.XXXXXX";
	char	 sdir[] = "/tmp/xv-unit-secrets.XXXXXX", spath[64], other[64];
	FILE	*f;
	int	 fd, rc;
	size_t	 i;

	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL)
		return -1;
	fputs(conf_text, f);
	fclose(f);
	for (i = 0; i < NELEM(env); i++)
		setenv(env[i].name, env[i].value, 1);
	setenv("XAVYO_CONF", path, 1);
	/* The program's own secrets file, in secrets_dir. */
	if (mkdtemp(sdir) == NULL)
		return -1;
	snprintf(spath, sizeof(spath), "%s/test.conf", sdir);
	if ((f = fopen(spath, "w")) == NULL)
		return -1;
	fputs("# test's secrets\nsecret_one = s1\nonly_plain = from-secrets\n", f);
	fclose(f);
	snprintf(other, sizeof(other), "%s/other.conf", sdir);
	if ((f = fopen(other, "w")) == NULL)
		return -1;
	fputs("secret_two = not-for-test\n", f);
	fclose(f);
	setenv("XAVYO_SECRETS_DIR", sdir, 1);
	rc = xv_conf_load("test");
	unsetenv("XAVYO_SECRETS_DIR");
	unlink(path);
	unlink(spath);
	unlink(other);
	rmdir(sdir);
	return rc;
}

void
test_conf(void)
{
	static const struct {
		const char	*key, *def, *want;
	} gets[] = {
		{ "plain", "def", "two" },
		{ "only_plain", "def", "from-secrets" },	/* its secrets win */
		{ "secret_one", "def", "s1" },
		{ "secret_two", "def", "def" },		/* another program's */
		{ "solo", "def", "def" },
		{ "other.solo", "def", "x" },
		{ "spaced", "def", "a value with spaces" },
		{ "tight", "def", "t" },
		{ "url", "def", "postgresql://h/db?sslmode=require" },
		{ "empty", "def", "" },
		{ "missing", "def", "def" },
		{ "missing", NULL, NULL },
		{ "# a comment line", "def", "def" },
		{ "# an indented comment", "def", "def" },
		{ "a line without an equals sign", "def", "def" },
		{ "envplain", "def", "env" },
		{ "envprog", "def", "env" },
		{ "envboth", "def", "env-prog" },
		{ "dashed-key", "def", "dash" },
		{ "dashed.key", "def", "dash" },
	};
	static const struct {
		const char	*key;
		long		 def, want;
	} ints[] = {
		{ "num", 1, 42 },
		{ "neg", 1, -7 },
		{ "envint", 1, 5 },
		{ "junk_num", 9, 9 },
		{ "float_num", 9, 9 },
		{ "big", 9, 9 },
		{ "empty", 9, 9 },
		{ "spaced", 9, 9 },
		{ "missing", 9, 9 },
		{ "envjunk", 9, 9 },
	};
	size_t	i;

	t_begin("conf", "xv_conf_load reads the file named by XAVYO_CONF");
	EXPECT(load() == 0, "xv_conf_load failed");
	EXPECT(t_streq(xv_conf_prog(), "test"), "program %s",
	    t_show(xv_conf_prog()));

	for (i = 0; i < NELEM(gets); i++) {
		const char *got;

		t_begin("conf_get", "%s", t_show(gets[i].key));
		got = xv_conf_get(gets[i].key, gets[i].def);
		EXPECT(t_streq(got, gets[i].want), "got %s, want %s",
		    t_show(got), t_show(gets[i].want));
	}
	for (i = 0; i < NELEM(ints); i++) {
		long got;

		t_begin("conf_int", "%s", ints[i].key);
		got = xv_conf_int(ints[i].key, ints[i].def);
		EXPECT(got == ints[i].want, "got %ld, want %ld", got,
		    ints[i].want);
	}

	t_begin("conf", "a missing file is no error");
	{
		char *old = strdup(getenv("XAVYO_CONF"));

		setenv("XAVYO_CONF", "/nonexistent/xavyo-unit.conf", 1);
		EXPECT(xv_conf_load("test") == 0, "missing file refused");
		EXPECT(t_streq(xv_conf_get("plain", NULL), "two"),
		    "values of the first load were lost");
		setenv("XAVYO_CONF", old, 1);
		free(old);
	}
	for (i = 0; i < NELEM(env); i++)
		unsetenv(env[i].name);
	t_begin("conf", "a value once read stays for the process");
	EXPECT(t_streq(xv_conf_get("envplain", NULL), "env"), "envplain %s",
	    t_show(xv_conf_get("envplain", NULL)));
	EXPECT(t_streq(xv_conf_get("envboth", NULL), "env-prog"), "envboth %s",
	    t_show(xv_conf_get("envboth", NULL)));
}

/*
 * test_db.c: named statement slots (xv_sql_named): what becomes $n,
 * what stays (casts, quoted text), and what is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "xv.h"
#include "test_unit.h"

static const struct {
	const char	*sql;
	int		 n;		/* -1: refused */
	const char	*out;		/* NULL: left as it is */
	const char	*names;		/* the slots, space-separated */
} cases[] = {
	{ "SELECT 1", 0, NULL, "" },
	{ "SELECT $1::uuid", 0, NULL, "" },
	{ "SELECT :id::uuid", 1, "SELECT $1::uuid", "id" },
	{ "UPDATE t SET r = :reason WHERE id = :id", 2,
	    "UPDATE t SET r = $1 WHERE id = $2", "reason id" },
	/* A name used twice is one slot. */
	{ "SELECT :a, :b, :a", 2, "SELECT $1, $2, $1", "a b" },
	/* Casts, quoted text and identifiers are not slots. */
	{ "SELECT ':x', \":y\", z::text, :w", 1,
	    "SELECT ':x', \":y\", z::text, $1", "w" },
	{ "SELECT 'it''s :x', :y", 1, "SELECT 'it''s :x', $1", "y" },
	{ "SELECT :tenant_id_2::uuid", 1, "SELECT $1::uuid", "tenant_id_2" },
	/* An array slice's bound is no name. */
	{ "SELECT a[1:2] FROM t WHERE x = :x", 1,
	    "SELECT a[1:2] FROM t WHERE x = $1", "x" },
	/* Mixing the two kinds is refused. */
	{ "SELECT $1, :x", -1, NULL, "" },
	{ "SELECT :x, $1", -1, NULL, "" },
	/* A name of 32 characters or more is refused. */
	{ "SELECT :abcdefghijklmnopqrstuvwxyz012345", -1, NULL, "" },
	/* More than 16 slots are refused; 16 are fine. */
	{ "SELECT :a,:b,:c,:d,:e,:f,:g,:h,:i,:j,:k,:l,:m,:n,:o,:p", 16,
	    "SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16",
	    "a b c d e f g h i j k l m n o p" },
	{ "SELECT :a,:b,:c,:d,:e,:f,:g,:h,:i,:j,:k,:l,:m,:n,:o,:p,:q", -1,
	    NULL, "" },
	/* A slot right at the end, and one after a cast's colon pair. */
	{ "x::int=:v", 1, "x::int=$1", "v" },
};

void
test_db(void)
{
	char	 names[XV_MAX_PARAMS][XV_PARAM_NAME], joined[600];
	char	*out;
	size_t	 i;
	int	 n, j;

	for (i = 0; i < NELEM(cases); i++) {
		t_begin("db", "named slots of %s", t_show(cases[i].sql));
		n = xv_sql_named(cases[i].sql, &out, names, XV_MAX_PARAMS);
		EXPECT(n == cases[i].n, "got %d slots, want %d", n,
		    cases[i].n);
		EXPECT(t_streq(out, cases[i].out), "got %s, want %s",
		    t_show(out), t_show(cases[i].out));
		joined[0] = '\0';
		for (j = 0; j < n; j++) {
			if (j > 0)
				strcat(joined, " ");
			strcat(joined, names[j]);
		}
		if (n >= 0)
			EXPECT(strcmp(joined, cases[i].names) == 0,
			    "names %s, want %s", t_show(joined),
			    t_show(cases[i].names));
		free(out);
		t_end();
	}
}

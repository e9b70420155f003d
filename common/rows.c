/*
 * rows.c: the two shapes most handlers answer with: the one row that the
 * path's {id} names (404 when the id is no UUID or matches nothing), and
 * a page of a list with its total, as API.md section 1 describes lists.
 */
#include <stdio.h>
#include <stdlib.h>

#include "xv.h"

/*
 * Runs statement st with p[0..n), p[0] being the path's id, and returns
 * its one row (caller PQclears), or NULL with *rc set: 404 "no such
 * <what>" when p[0] is not a UUID or no row matched.
 */
PGresult *
xv_row(struct xv_req *req, int st, int n, const char *const *p,
    const char *what, enum xv_err *rc)
{
	PGresult *r;

	if (!xv_valid_uuid(p[0])) {
		*rc = xv_fail(req, XV_E_NOT_FOUND, NULL, "no such %s", what);
		return NULL;
	}
	if ((r = xv_db_run(st, n, p, rc)) == NULL) {
		*rc = xv_fail(req, *rc, NULL, "cannot read the %s", what);
		return NULL;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		*rc = xv_fail(req, XV_E_NOT_FOUND, NULL, "no such %s", what);
		return NULL;
	}
	return r;
}

/*
 * Answers {"<plural>": [...], "total", "limit", "offset"} from ?limit=
 * and ?offset=.  list_st takes p[0..n) then limit and offset; count_st
 * takes p[0..n) and returns the total.  With count_st < 0, list_st
 * returns the total in its last column instead, and a row whose first
 * column is NULL only carries it (an empty page).
 */
enum xv_err
xv_resp_page(struct xv_req *req, const char *plural, int list_st,
    int count_st, const char *const *p, int n,
    json_t *(*row)(PGresult *, int))
{
	const char	*q[XV_PAGE_PARAMS + 2];
	char		 l[24], o[24];
	long		 limit, offset;
	json_int_t	 total = 0;
	PGresult	*r = NULL, *c = NULL;
	json_t		*arr;
	enum xv_err	 rc;
	int		 i;

	if (n > XV_PAGE_PARAMS)
		return xv_fail(req, XV_E_INTERNAL, NULL, "too many parameters");
	if ((rc = xv_req_page(req, &limit, &offset)) != XV_OK)
		return rc;
	snprintf(l, sizeof(l), "%ld", limit);
	snprintf(o, sizeof(o), "%ld", offset);
	for (i = 0; i < n; i++)
		q[i] = p[i];
	q[n] = l;
	q[n + 1] = o;
	if ((r = xv_db_run(list_st, n + 2, q, &rc)) == NULL ||
	    (count_st >= 0 && (c = xv_db_run(count_st, n, q, &rc)) == NULL)) {
		PQclear(r);
		return xv_fail(req, rc, NULL, "cannot list %s", plural);
	}
	if (c != NULL)
		total = strtoll(PQgetvalue(c, 0, 0), NULL, 10);
	else if (PQntuples(r) > 0)
		total = strtoll(PQgetvalue(r, 0, PQnfields(r) - 1), NULL, 10);
	arr = json_array();
	for (i = 0; i < PQntuples(r); i++)
		if (!PQgetisnull(r, i, 0))
			json_array_append_new(arr, row(r, i));
	PQclear(r);
	PQclear(c);
	return xv_resp_json(req, 200, json_pack("{s:o, s:I, s:I, s:I}",
	    plural, arr, "total", total, "limit", (json_int_t)limit,
	    "offset", (json_int_t)offset));
}

/*
 * rows.c: the two shapes most handlers answer with: the one row that the
 * path's {id} names (404 when the id is no UUID or matches nothing), and
 * a page of a list, by offset with its total or by cursor (after).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xv.h"

/*
 * Runs statement st with a[0..n), a[0] being the path's id, and returns
 * its one row (kept by the request), or NULL with *rc set: 404 "no such
 * <what>" when a[0] is not a UUID or no row matched.
 */
PGresult *
xv_row_call(struct xv_req *req, int st, const struct xv_arg *a, size_t n,
    const char *what, enum xv_err *rc)
{
	PGresult *r;

	if (!xv_valid_uuid(a[0].val)) {
		*rc = xv_fail(req, XV_E_NOT_FOUND, NULL, "no such %s", what);
		return NULL;
	}
	if ((r = xv_req_call(req, st, a, n, rc)) == NULL) {
		*rc = xv_fail(req, *rc, NULL, "cannot read the %s", what);
		return NULL;
	}
	if (PQntuples(r) != 1) {
		*rc = xv_fail(req, XV_E_NOT_FOUND, NULL, "no such %s", what);
		return NULL;
	}
	return r;
}

/*
 * ?after=: the cursor of a page (the id of the item before it, a UUID),
 * to *after (kept by the request) or NULL when absent; 400 naming after
 * if it is no UUID (or not decodable, or given twice), or naming offset
 * if both are given.
 */
static enum xv_err
page_after(struct xv_req *req, long offset, const char **after)
{
	char	*v = NULL;
	int	 n;

	*after = NULL;
	if (req->query == NULL ||
	    (n = xv_form_get(req->query, "after", &v)) == 0)
		return XV_OK;
	*after = xv_keep_str(req, v);
	if (n != 1 || *after == NULL || !xv_valid_uuid(*after))
		return xv_fail(req, XV_E_VALIDATION, "after",
		    "after must be the next of an earlier page");
	if (offset != 0)
		return xv_fail(req, XV_E_VALIDATION, "offset",
		    "offset cannot be combined with after");
	return XV_OK;
}

/*
 * Answers a page of a list, as API.md section 1 describes lists, with
 * "next": the id of the page's last item when the page is full (there
 * may be more), else null.
 *
 * Without ?after=: {"<plural>", "total", "limit", "offset", "next"}.
 * list_st takes a[0..n) and :limit and :offset; count_st takes a[0..n)
 * and returns the total.  With count_st < 0, list_st returns the total
 * in its last column instead, and a row whose first column is NULL only
 * carries it (an empty page).  Both cost O(offset + limit) rows read
 * plus a count of every matching row.
 *
 * With ?after=<next>: {"<plural>", "limit", "next"}, no total (a count
 * reads every matching row).  after_st takes a[0..n), :limit and :after
 * and returns the items that follow the one :after names, in list_st's
 * order, reading about limit rows of an index however deep the page.
 * An id the tenant cannot see (RLS) names nothing: an empty page.
 */
enum xv_err
xv_resp_page_call(struct xv_req *req, const char *plural, int list_st,
    int count_st, int after_st, const struct xv_arg *a, size_t na,
    json_t *(*rowf)(PGresult *, int))
{
	struct xv_arg	 qa[XV_MAX_PARAMS];
	char		 l[24], o[24];
	const char	*after, *last = NULL;
	long		 limit, offset;
	json_int_t	 total = 0;
	PGresult	*r = NULL, *c = NULL;
	json_t		*arr, *out, *next;
	enum xv_err	 rc;
	size_t		 k;
	int		 i;

	if (na + 2 > XV_MAX_PARAMS)
		return xv_fail(req, XV_E_INTERNAL, NULL, "too many parameters");
	if ((rc = xv_req_page(req, &limit, &offset)) != XV_OK ||
	    (rc = page_after(req, offset, &after)) != XV_OK)
		return rc;
	snprintf(l, sizeof(l), "%ld", limit);
	snprintf(o, sizeof(o), "%ld", offset);
	for (k = 0; k < na; k++)
		qa[k] = a[k];
	qa[na] = (struct xv_arg){ "limit", l };
	if (after != NULL) {
		qa[na + 1] = (struct xv_arg){ "after", after };
		r = xv_db_call(after_st, qa, na + 2, &rc);
	} else {
		qa[na + 1] = (struct xv_arg){ "offset", o };
		if ((r = xv_db_call(list_st, qa, na + 2, &rc)) != NULL &&
		    count_st >= 0)
			c = xv_db_call(count_st, qa, na, &rc);
	}
	if (r == NULL || (after == NULL && count_st >= 0 && c == NULL)) {
		PQclear(r);
		return xv_fail(req, rc, NULL, "cannot list %s", plural);
	}
	if (c != NULL)
		total = strtoll(PQgetvalue(c, 0, 0), NULL, 10);
	else if (after == NULL && PQntuples(r) > 0)
		total = strtoll(PQgetvalue(r, 0, PQnfields(r) - 1), NULL, 10);
	arr = json_array();
	for (i = 0; i < PQntuples(r); i++)
		if (!PQgetisnull(r, i, 0))
			json_array_append_new(arr, rowf(r, i));
	if (json_array_size(arr) == (size_t)limit)
		last = xv_val(r, PQntuples(r) - 1, "id");
	next = last != NULL ? json_string(last) : json_null();
	PQclear(c);
	if (after != NULL)
		out = json_pack("{s:o, s:I, s:o}", plural, arr,
		    "limit", (json_int_t)limit, "next", next);
	else
		out = json_pack("{s:o, s:I, s:I, s:I, s:o}", plural, arr,
		    "total", total, "limit", (json_int_t)limit,
		    "offset", (json_int_t)offset, "next", next);
	PQclear(r);
	return xv_resp_json(req, 200, out);
}

int
xv_row_decode(PGresult *r, int i, const struct xv_col *cols, size_t n,
    void *out)
{
	char	*base = out;
	size_t	 k;
	int	 c;

	if (r == NULL || i < 0 || i >= PQntuples(r))
		return -1;
	for (k = 0; k < n; k++) {
		if ((c = PQfnumber(r, cols[k].name)) < 0) {
			xv_log("error", __func__, NULL, "no column %s",
			    cols[k].name);
			return -1;
		}
		switch (cols[k].type) {
		case XV_C_TEXT:
			*(const char **)(base + cols[k].off) =
			    PQgetvalue(r, i, c);
			break;
		case XV_C_NULLABLE:
			*(const char **)(base + cols[k].off) =
			    PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c);
			break;
		case XV_C_BOOL:
			*(int *)(base + cols[k].off) = !PQgetisnull(r, i, c) &&
			    PQgetvalue(r, i, c)[0] == 't';
			break;
		case XV_C_LONG:
			*(long *)(base + cols[k].off) = PQgetisnull(r, i, c) ?
			    0 : strtol(PQgetvalue(r, i, c), NULL, 10);
			break;
		}
	}
	return 0;
}

const char *
xv_val(PGresult *r, int i, const char *col)
{
	int c = PQfnumber(r, col);

	if (c < 0) {
		xv_log("error", __func__, NULL, "no column %s", col);
		return "";
	}
	return PQgetvalue(r, i, c);
}

int
xv_val_null(PGresult *r, int i, const char *col)
{
	int c = PQfnumber(r, col);

	return c < 0 || PQgetisnull(r, i, c);
}

json_t *
xv_row_json(PGresult *r, int i, const struct xv_jcol *cols)
{
	json_t		*o = json_object(), *v;
	const char	*name, *s;
	int		 c;

	for (; o != NULL && cols->key != NULL; cols++) {
		name = cols->key;
		if ((c = PQfnumber(r, name)) < 0) {
			xv_log("error", __func__, NULL, "no column %s", name);
			json_decref(o);
			return NULL;
		}
		s = PQgetvalue(r, i, c);
		if (PQgetisnull(r, i, c) && cols->kind != XV_J_BOOL)
			v = json_null();
		else switch (cols->kind) {
		case XV_J_BOOL:
			v = json_boolean(s[0] == 't');
			break;
		case XV_J_INT:
			v = json_integer(strtoll(s, NULL, 10));
			break;
		case XV_J_JSON:
			if ((v = json_loads(s, JSON_DECODE_ANY, NULL)) == NULL)
				v = json_null();
			break;
		default:
			v = json_string(s);
		}
		json_object_set_new(o, cols->key, v);
	}
	return o;
}

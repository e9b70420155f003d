/*
 * audit.c: audit events, written in the caller's transaction so that a
 * change and its record commit or roll back together.  Values passed in
 * must never hold a secret: callers audit settings and states, not
 * credentials.
 */
#include <stdlib.h>

#include "xv.h"

enum xv_err
xv_audit(struct xv_req *req, const char *tenant, const char *action,
    const char *rtype, const char *rid, json_t *oldv, json_t *newv)
{
	char		*o = NULL, *n = NULL;
	const char	*p[9];
	PGresult	*r;
	enum xv_err	 e;

	if (oldv != NULL)
		o = json_dumps(oldv, JSON_COMPACT);
	if (newv != NULL)
		n = json_dumps(newv, JSON_COMPACT);
	p[0] = tenant;
	p[1] = req->authed ? req->who.sub : "anonymous";
	p[2] = req->authed && req->who.tid[0] ? req->who.tid : NULL;
	p[3] = action;
	p[4] = rtype;
	p[5] = rid;
	p[6] = o;
	p[7] = n;
	p[8] = req->request_id;
	r = xv_db_lib(XV_ST_AUDIT, 9, p, &e);
	PQclear(r);
	free(o);
	free(n);
	if (r == NULL)
		return xv_fail(req, e == XV_E_UNAVAILABLE ? e : XV_E_INTERNAL,
		    NULL, "cannot write the audit event");
	return XV_OK;
}

/*
 * apikeys.fcgi: a tenant's API keys: create (the key is shown once and
 * only its keyed digest is stored), list, get, delete (revokes at once,
 * in every process), introspect, and daily usage.  Every route needs the
 * admin role, or an API key with the admin scope; a key never creates a
 * key with a scope it lacks.  Authentication by key, and the counting of
 * each use, live in the library (auth.c), since every admin program
 * accepts keys.  See apikeys.fcgi(8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xv.h"

#define PREFIX_LEN	(9 + 8)		/* "xavyo_ak_" and 8 characters */
#define USAGE_DAYS_MAX	90
#define USAGE_DAYS_DEF	30
#define DAY		86400L

enum stmt {
	ST_KEY_INSERT,
	ST_KEY_LIST,
	ST_KEY_AFTER,
	ST_KEY_GET,
	ST_KEY_DELETE,
	ST_KEY_INTROSPECT,
	ST_USAGE,
	ST__MAX
};

/* Columns of a key as answers show it; never key_hash. */
#define KEY_COLS \
	"id, name, key_prefix, to_json(scopes)::text AS scopes, " \
	"xv_ts(expires_at) AS expires_at, xv_ts(created_at) AS created_at"
#define KEY_LIVE	"revoked_at IS NULL"

static const struct xv_stmt stmts[ST__MAX] = {
	[ST_KEY_INSERT] = { "key_insert", 0,
	    "INSERT INTO api_keys (tenant_id, name, key_prefix, key_hash, "
	    "scopes, expires_at, created_by) VALUES (:tenant::uuid, :name, "
	    ":prefix, :hash, string_to_array(:scopes, ' '), "
	    ":expires_at::timestamptz, :created_by) RETURNING " KEY_COLS },
	/* One row even past the last page, so that total is always there. */
	[ST_KEY_LIST] = { "key_list", 0,
	    "WITH k AS (SELECT id, name, key_prefix, scopes, expires_at, "
	    "created_at FROM api_keys WHERE tenant_id = :tenant::uuid AND "
	    KEY_LIVE ") "
	    "SELECT p.id, p.name, p.key_prefix, to_json(p.scopes)::text AS scopes, "
	    "xv_ts(p.expires_at) AS expires_at, xv_ts(p.created_at) AS created_at, "
	    "t.total "
	    "FROM (SELECT count(*) FROM k) t(total) LEFT JOIN LATERAL "
	    "(SELECT * FROM k ORDER BY created_at, id LIMIT :limit::int "
	    "OFFSET :offset::bigint) p ON true" },
	/* The page after the cursor's key: api_keys_tenant_live (0010). */
	[ST_KEY_AFTER] = { "key_after", 0,
	    "SELECT id, name, key_prefix, to_json(scopes)::text AS scopes, "
	    "xv_ts(expires_at) AS expires_at, xv_ts(created_at) AS created_at "
	    "FROM api_keys WHERE tenant_id = :tenant::uuid AND " KEY_LIVE " AND "
	    "(api_keys.created_at, api_keys.id) > (SELECT created_at, id FROM "
	    "api_keys WHERE tenant_id = :tenant::uuid AND id = :after::uuid) "
	    "ORDER BY api_keys.created_at, api_keys.id LIMIT :limit::int" },
	[ST_KEY_GET] = { "key_get", 0,
	    "SELECT " KEY_COLS " FROM api_keys WHERE id = :id::uuid AND "
	    "tenant_id = :tenant::uuid AND " KEY_LIVE },
	[ST_KEY_DELETE] = { "key_delete", 0,
	    "UPDATE api_keys SET revoked_at = now() WHERE id = :id::uuid AND "
	    "tenant_id = :tenant::uuid AND " KEY_LIVE " RETURNING " KEY_COLS },
	[ST_KEY_INTROSPECT] = { "key_introspect", 0,
	    "SELECT true AS active, id, name, to_json(scopes)::text AS scopes, "
	    "tenant_id, xv_ts(expires_at) AS expires_at, "
	    "xv_ts(created_at) AS created_at FROM api_keys "
	    "WHERE key_hash = :hash AND tenant_id = :tenant::uuid AND " KEY_LIVE
	    " AND (expires_at IS NULL OR expires_at > now())" },
	/* Every day of [:since, :until], the shards added up; last use ever. */
	[ST_USAGE] = { "usage", 0,
	    "SELECT to_char(d, 'YYYY-MM-DD') AS date, "
	    "coalesce(sum(u.requests), 0) AS requests, "
	    "(SELECT xv_ts(max(last_used_at)) FROM api_key_usage "
	    "WHERE key_id = :id::uuid AND tenant_id = :tenant::uuid) "
	    "AS last_used_at "
	    "FROM generate_series(:since::date, :until::date, interval '1 day') d "
	    "LEFT JOIN api_key_usage u ON u.key_id = :id::uuid AND "
	    "u.tenant_id = :tenant::uuid AND u.day = d::date "
	    "GROUP BY d ORDER BY d" },
};


static int
valid_time(const char *s)
{
	return xv_valid_rfc3339(s, NULL);
}

static const struct xv_field create_fields[] = {
	{ "name", XV_F_STRING, 1, 1, 200, NULL, NULL, NULL },
	{ "scopes", XV_F_STRINGS, 1, 1, 3, xv_scope_names, NULL, NULL },
	{ "expires_at", XV_F_STRING, 0, 0, 0, NULL, valid_time, NULL },
	XV_FIELDS_END
};

static const struct xv_field introspect_fields[] = {
	{ "key", XV_F_STRING, 1, 1, 1024, NULL, NULL, NULL },
	XV_FIELDS_END
};

/* A key as answers show it, from a KEY_COLS row. */
static const struct xv_jcol key_cols[] = {
	{ "id", XV_J_TEXT }, { "name", XV_J_TEXT }, { "key_prefix", XV_J_TEXT },
	{ "scopes", XV_J_JSON }, { "expires_at", XV_J_NULLABLE },
	{ "created_at", XV_J_TEXT }, { NULL, 0 }
};
/* What audit rows keep of a key: neither the key, its digest nor prefix. */
static const struct xv_jcol key_audit_cols[] = {
	{ "id", XV_J_TEXT }, { "name", XV_J_TEXT }, { "scopes", XV_J_JSON },
	{ "expires_at", XV_J_NULLABLE }, { NULL, 0 }
};
/* An introspected key (ST_KEY_INTROSPECT). */
static const struct xv_jcol key_live_cols[] = {
	{ "active", XV_J_BOOL }, { "id", XV_J_TEXT }, { "name", XV_J_TEXT },
	{ "scopes", XV_J_JSON }, { "tenant_id", XV_J_TEXT },
	{ "expires_at", XV_J_NULLABLE }, { "created_at", XV_J_TEXT }, { NULL, 0 }
};

static json_t *
key_json(PGresult *r, int row)
{
	return xv_row_json(r, row, key_cols);
}

static json_t *
key_audit_json(PGresult *r, int row)
{
	return xv_row_json(r, row, key_audit_cols);
}

/*
 * The requested scopes as bits and as the space-separated list that
 * the INSERT takes; a repeated scope is refused.
 */
static enum xv_err
scopes_parse(struct xv_req *req, json_t *arr, unsigned *bits, char *list,
    size_t listsz)
{
	json_t	*v;
	size_t	 i, k;

	*bits = 0;
	list[0] = '\0';
	json_array_foreach(arr, i, v) {
		for (k = 0; xv_scope_names[k] != NULL; k++)
			if (strcmp(json_string_value(v), xv_scope_names[k]) == 0)
				break;
		if (xv_scope_names[k] == NULL || (*bits & (1u << k)))
			return xv_fail(req, XV_E_VALIDATION, "scopes",
			    "scopes must not repeat a scope");
		*bits |= 1u << k;
		snprintf(list + strlen(list), listsz - strlen(list), "%s%s",
		    i ? " " : "", xv_scope_names[k]);
	}
	return XV_OK;
}

/* Checks what the field table cannot: repeats, the future, the creator. */
static enum xv_err
create_check(struct xv_req *req, json_t *body, char *list, size_t listsz)
{
	const char	*exp = json_string_value(json_object_get(body,
			    "expires_at"));
	time_t		 t;
	unsigned	 bits;
	enum xv_err	 rc;

	if ((rc = scopes_parse(req, json_object_get(body, "scopes"), &bits,
	    list, listsz)) != XV_OK)
		return rc;
	if (exp != NULL && (!xv_valid_rfc3339(exp, &t) || t <= time(NULL)))
		return xv_fail(req, XV_E_VALIDATION, "expires_at",
		    "expires_at must be in the future");
	if (req->who.is_key && (bits & req->who.scopes) != bits)
		return xv_fail(req, XV_E_INSUFFICIENT_SCOPE, "scopes",
		    "an API key cannot create a key with a scope it lacks");
	return XV_OK;
}

/* A new key: "xavyo_ak_" and 256 random bits; its digest to hash. */
static enum xv_err
key_new(struct xv_req *req, char key[XV_APIKEY_LEN + 1], char hash[65])
{
	unsigned char	 rnd[32];
	char		*b = NULL;
	int		 h = -1;

	if (xv_random(rnd, sizeof(rnd)) == 0 &&
	    (b = xv_b64url_encode(rnd, sizeof(rnd))) != NULL) {
		snprintf(key, XV_APIKEY_LEN + 1, "%s%s", XV_APIKEY_PREFIX, b);
		h = xv_auth_key_hash(key, hash);
	}
	explicit_bzero(rnd, sizeof(rnd));
	xv_free_secret(b);
	if (h == -2)
		xv_log("error", __func__, req->request_id,
		    "api_key_secret is missing or too short");
	if (h != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot make a key");
	return XV_OK;
}

static enum xv_err
key_create(struct xv_req *req)
{
	json_t		*body = req->json, *out;
	PGresult	*r;
	char		 key[XV_APIKEY_LEN + 1] = "", hash[65], list[32];
	char		 prefix[PREFIX_LEN + 1], loc[64];
	enum xv_err	 rc;

	if ((rc = create_check(req, body, list, sizeof(list))) != XV_OK ||
	    (rc = key_new(req, key, hash)) != XV_OK)
		goto out;
	memcpy(prefix, key, PREFIX_LEN);
	prefix[PREFIX_LEN] = '\0';
	r = xv_req_call(req, ST_KEY_INSERT, XV_ARGS({ "tenant", req->tenant },
	    { "name", json_string_value(json_object_get(body, "name")) },
	    { "prefix", prefix }, { "hash", hash }, { "scopes", list },
	    { "expires_at", json_string_value(json_object_get(body,
	    "expires_at")) }, { "created_by", req->who.sub }), &rc);
	if (r == NULL) {
		rc = xv_fail(req, rc == XV_E_CONFLICT ? XV_E_INTERNAL : rc, NULL,
		    "cannot store the key");
		goto out;
	}
	if ((rc = xv_audit(req, req->tenant, "api_key.created", "api_key",
	    xv_val(r, 0, "id"), NULL, xv_keep_json(req, key_audit_json(r, 0))))
	    != XV_OK)
		goto out;
	if ((out = key_json(r, 0)) == NULL) {
		rc = xv_fail(req, XV_E_INTERNAL, NULL, "cannot encode the key");
		goto out;
	}
	/* The one answer that ever holds the key. */
	json_object_set_new(out, "key", json_string(key));
	snprintf(loc, sizeof(loc), "/admin/api-keys/%s", xv_val(r, 0, "id"));
	xv_resp_header(req, "Location", loc);
	rc = xv_resp_json(req, 201, out);
out:
	explicit_bzero(key, sizeof(key));
	return rc;
}

/* One round trip: the total comes as the last column of every row. */
static enum xv_err
key_list(struct xv_req *req)
{
	return xv_resp_page_call(req, "api_keys", ST_KEY_LIST, -1,
	    ST_KEY_AFTER, XV_ARGS({ "tenant", req->tenant }), key_json);
}

/* Runs a one-row statement on the path's key id; 404 if none. */
static PGresult *
key_row(struct xv_req *req, int st, enum xv_err *rc)
{
	return xv_row_call(req, st, XV_ARGS({ "id", req->params[0] },
	    { "tenant", req->tenant }), "API key", rc);
}

static enum xv_err
key_get(struct xv_req *req)
{
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = key_row(req, ST_KEY_GET, &rc)) == NULL)
		return rc;
	return xv_resp_json(req, 200, key_json(r, 0));
}

/* Revokes the key: it fails from the next request on, everywhere. */
static enum xv_err
key_delete(struct xv_req *req)
{
	PGresult	*r;
	enum xv_err	 rc;

	if ((r = key_row(req, ST_KEY_DELETE, &rc)) == NULL)
		return rc;
	if ((rc = xv_audit(req, req->tenant, "api_key.deleted", "api_key",
	    xv_val(r, 0, "id"), xv_keep_json(req, key_audit_json(r, 0)), NULL))
	    != XV_OK)
		return rc;
	return xv_resp_empty(req, 204);
}

/* {"active": true, ...} for a live key of this tenant, else only false. */
static enum xv_err
key_introspect(struct xv_req *req)
{
	PGresult	*r = NULL;
	char		 hash[65];
	enum xv_err	 rc;
	int		 h;

	h = xv_auth_key_hash(json_string_value(json_object_get(req->json,
	    "key")), hash);
	if (h == -2) {
		xv_log("error", __func__, req->request_id,
		    "api_key_secret is missing or too short");
		return xv_fail(req, XV_E_INTERNAL, NULL, "cannot check the key");
	}
	if (h == 0 && (r = xv_req_call(req, ST_KEY_INTROSPECT, XV_ARGS(
	    { "hash", hash }, { "tenant", req->tenant }), &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot check the key");
	if (r != NULL && PQntuples(r) == 1)
		return xv_resp_json(req, 200, xv_row_json(r, 0, key_live_cols));
	return xv_resp_json(req, 200, json_pack("{s:b}", "active", 0));
}

static void
day_text(long day, char buf[16])
{
	time_t		t = (time_t)day * DAY;
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, 16, "%Y-%m-%d", &tm);
}

/*
 * A ?since= or ?until= bound as a UTC day number: a date (2026-02-07)
 * or an RFC 3339 time, whose UTC day counts.  Absent: *day is kept.
 */
static enum xv_err
day_param(struct xv_req *req, const char *name, long *day)
{
	char		*v = xv_req_query(req, name), *end, back[16];
	struct tm	 tm;
	time_t		 t = 0;
	int		 ok;

	if (v == NULL)
		return XV_OK;
	memset(&tm, 0, sizeof(tm));
	if (strlen(v) == 10) {
		/* A date that exists: 2026-02-30 does not survive the trip. */
		ok = (end = strptime(v, "%Y-%m-%d", &tm)) != NULL &&
		    *end == '\0';
		t = ok ? timegm(&tm) : 0;
		day_text(t / DAY, back);
		ok = ok && strcmp(back, v) == 0;
	} else
		ok = xv_valid_rfc3339(v, &t);
	free(v);
	if (!ok)
		return xv_fail(req, XV_E_VALIDATION, name,
		    "%s must be a date (YYYY-MM-DD) or an RFC 3339 time", name);
	*day = t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
	return XV_OK;
}

/* Requests by UTC day over [since, until] (default: the last 30 days). */
static enum xv_err
key_usage(struct xv_req *req)
{
	PGresult	*k, *r;
	long		 until = time(NULL) / DAY, since;
	char		 s[16], u[16];
	json_t		*daily;
	json_int_t	 n, total = 0;
	enum xv_err	 rc;
	int		 i;

	if ((rc = day_param(req, "until", &until)) != XV_OK)
		return rc;
	since = until - (USAGE_DAYS_DEF - 1);
	if ((rc = day_param(req, "since", &since)) != XV_OK)
		return rc;
	if (since > until || until - since >= USAGE_DAYS_MAX)
		return xv_fail(req, XV_E_VALIDATION, "since",
		    "since must not be after until, nor more than %d days "
		    "before it", USAGE_DAYS_MAX - 1);
	if ((k = key_row(req, ST_KEY_GET, &rc)) == NULL)
		return rc;
	day_text(since, s);
	day_text(until, u);
	if ((r = xv_req_call(req, ST_USAGE, XV_ARGS({ "id", req->params[0] },
	    { "tenant", req->tenant }, { "since", s }, { "until", u }),
	    &rc)) == NULL)
		return xv_fail(req, rc, NULL, "cannot read the key's usage");
	daily = json_array();
	for (i = 0; i < PQntuples(r); i++) {
		n = strtoll(xv_val(r, i, "requests"), NULL, 10);
		total += n;
		json_array_append_new(daily, json_pack("{s:s, s:I}",
		    "date", xv_val(r, i, "date"), "requests", n));
	}
	return xv_resp_json(req, 200, json_pack("{s:s, s:I, s:o, s:s, s:s, s:o}",
	    "key_id", xv_val(k, 0, "id"), "total_requests", total,
	    "last_used_at", PQntuples(r) && !xv_val_null(r, 0, "last_used_at") ?
	    json_string(xv_val(r, 0, "last_used_at")) : json_null(),
	    "since", s, "until", u, "daily", daily));
}

/* A tenant's admin; managing keys needs the admin scope of a key. */
#define KEYS	.cred = XV_CRED_BEARER, .need = XV_NEED_ADMIN, \
		.tenancy = XV_TENANT_REQ, .scopes = XV_SCOPE_ADMIN

static const struct xv_route routes[] = {
	{ XV_POST, "/admin/api-keys", KEYS, .body = XV_BODY_JSON,
	    .fields = create_fields, .handler = key_create },
	{ XV_GET, "/admin/api-keys", KEYS, .one_read = 1, .handler = key_list },
	{ XV_POST, "/admin/api-keys/introspect", KEYS, .body = XV_BODY_JSON,
	    .fields = introspect_fields, .handler = key_introspect },
	{ XV_GET, "/admin/api-keys/{id}", KEYS, .one_read = 1,
	    .handler = key_get },
	{ XV_DELETE, "/admin/api-keys/{id}", KEYS, .handler = key_delete },
	{ XV_GET, "/admin/api-keys/{id}/usage", KEYS, .handler = key_usage },
};

int
main(int argc, char *argv[])
{
	static const struct xv_program prog = {
		"apikeys", routes, sizeof(routes) / sizeof(routes[0]),
		stmts, ST__MAX
	};

	return xv_main(&prog, argc, argv);
}

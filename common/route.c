/*
 * route.c: the route table and the FastCGI main loop.
 *
 * A route is data (xv.h): methods, a pattern with {param} captures, the
 * credential, who may call, the tenancy, the body and the error style.
 * The loop reads each request, matches it (404, or 405 with Allow), and
 * dispatches it through the same steps whatever the route: the body
 * capped and checked, the credential resolved, the tenant checked
 * against it, the handler run inside one transaction scoped to that
 * tenant, any failure answered in the route's style, one log line.  Work that the client need
 * not wait for (counting an API key's use) runs after the answer is out,
 * and is written when no other request waits for the process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "xv.h"

static const struct {
	const char	*name;
	enum xv_method	 m;
} methods[] = {
	{ "GET", XV_GET }, { "POST", XV_POST }, { "PUT", XV_PUT },
	{ "DELETE", XV_DELETE }, { "PATCH", XV_PATCH }, { "HEAD", XV_HEAD },
	{ "OPTIONS", XV_OPTIONS },
};

/* Matches one pattern; captures point into the static buffer caps. */
static int
pattern_match(const char *pat, const char *path,
    const char *params[XV_PARAMS_MAX], char *caps, size_t capsz)
{
	size_t	np = 0, used = 0, n;

	while (*pat != '\0' && *path != '\0') {
		if (*pat == '{') {
			if ((pat = strchr(pat, '}')) == NULL)
				return 0;
			pat++;
			n = strcspn(path, "/");
			if (n == 0 || np >= XV_PARAMS_MAX || used + n + 1 > capsz)
				return 0;
			memcpy(caps + used, path, n);
			caps[used + n] = '\0';
			/* A UUID is kept in its one canonical form. */
			if (n == XV_UUID_LEN)
				xv_uuid_canon(caps + used, caps + used);
			params[np++] = caps + used;
			used += n + 1;
			path += n;
			continue;
		}
		if (*pat++ != *path++)
			return 0;
	}
	return *pat == '\0' && *path == '\0';
}

int
xv_route_match(const struct xv_route *r, size_t nr, const char *path,
    enum xv_method m, const char *params[XV_PARAMS_MAX], unsigned *allowed,
    int *resource)
{
	static char	caps[1024];
	char		tmp[1024];
	const char	*p[XV_PARAMS_MAX];
	size_t		i;
	int		found = -1;

	*allowed = 0;
	if (resource != NULL)
		*resource = -1;
	for (i = 0; i < nr; i++) {
		if (!pattern_match(r[i].pattern, path, p, tmp, sizeof(tmp)))
			continue;
		if (resource != NULL && *resource < 0)
			*resource = (int)i;
		*allowed |= r[i].methods;
		if (found < 0 && (r[i].methods & m)) {
			found = (int)i;
			pattern_match(r[i].pattern, path, params, caps,
			    sizeof(caps));
		}
	}
	if (found >= 0)
		return found;
	return *allowed ? -2 : -1;
}

static void
allow_header(struct xv_req *req, unsigned allowed)
{
	struct xv_buf	b = { 0 };
	size_t		i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (allowed & methods[i].m)
			xv_buf_addf(&b, "%s%s", b.len ? ", " : "",
			    methods[i].name);
	xv_resp_header(req, "Allow", b.p ? b.p : "");
	xv_buf_free(&b);
}

/* Body: capped before it is read, media type checked by the route. */
static enum xv_err
read_body(struct xv_req *req, const struct xv_route *r)
{
	FCGX_Request	*fr = req->fcgi;
	const char	*cl = xv_req_env(req, "CONTENT_LENGTH");
	const char	*ct = xv_req_env(req, "CONTENT_TYPE");
	const char	*want = r->body == XV_BODY_FORM ?
			    "application/x-www-form-urlencoded" : "application/json";
	const char	*form = "application/x-www-form-urlencoded";
	long		 len = cl ? strtol(cl, NULL, 10) : 0;
	size_t		 wl;
	int		 got;

	if (len < 0)
		return xv_fail(req, XV_E_BAD_REQUEST, NULL, "bad Content-Length");
	if (len > XV_BODY_MAX)
		return xv_fail(req, XV_E_TOO_LARGE, NULL,
		    "request bodies are limited to %d bytes", XV_BODY_MAX);
	if (len == 0 && (ct == NULL || *ct == '\0'))
		return XV_OK;
	/* Either media type: the form's, if that is the one sent. */
	if (r->body == XV_BODY_JSON_OR_FORM && ct != NULL &&
	    strncasecmp(ct, form, strlen(form)) == 0 &&
	    strchr("; ", ct[strlen(form)]) != NULL) {
		want = form;
		req->is_form = 1;
	}
	wl = strlen(want);
	if (ct == NULL || strncasecmp(ct, want, wl) != 0 ||
	    (ct[wl] != '\0' && ct[wl] != ';' && ct[wl] != ' '))
		return xv_fail(req, XV_E_MEDIA_TYPE, NULL,
		    "Content-Type must be %s", want);
	if ((req->body = malloc(len + 1)) == NULL)
		return xv_fail(req, XV_E_INTERNAL, NULL, "out of memory");
	got = len ? FCGX_GetStr(req->body, (int)len, fr->in) : 0;
	if (got != len)
		return xv_fail(req, XV_E_BAD_REQUEST, NULL, "short body");
	req->body[len] = '\0';
	req->body_len = (size_t)len;
	return XV_OK;
}

/*
 * A form as the JSON object of its fields, each a string; a field given
 * twice is refused.
 */
static enum xv_err
form_json(struct xv_req *req, json_t **out)
{
	const char	*p, *amp, *eq;
	char		*k = NULL, *v = NULL;
	json_t		*o = json_object();
	enum xv_err	 rc = XV_OK;

	for (p = req->body ? req->body : ""; *p != '\0' && rc == XV_OK;
	    p = amp ? amp + 1 : p + strlen(p)) {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp ? (size_t)(amp - p) : strlen(p));
		if (eq == NULL || (k = xv_urldecode(p, eq - p)) == NULL ||
		    (v = xv_urldecode(eq + 1, amp ? (size_t)(amp - eq - 1) :
		    strlen(eq + 1))) == NULL)
			rc = xv_fail(req, XV_E_BAD_REQUEST, NULL,
			    "malformed form body");
		else if (json_object_get(o, k) != NULL)
			rc = xv_fail(req, XV_E_BAD_REQUEST, k,
			    "a form field is repeated");
		else if (json_object_set_new(o, k, json_string(v)) != 0)
			rc = xv_fail(req, XV_E_VALIDATION, k,
			    "a form field is not UTF-8");
		free(k);
		xv_free_secret(v);
		k = v = NULL;
	}
	*out = o;
	return rc;
}

/* Step 1: the body, read and, for JSON, checked against the route's table. */
static enum xv_err
body_check(struct xv_req *req, const struct xv_route *r)
{
	static const struct xv_field none[] = { XV_FIELDS_END };
	json_t		*j = NULL;
	enum xv_err	 rc;

	const char *const *n;

	if ((rc = read_body(req, r)) != XV_OK)
		return rc;
	/* RFC 6749 3.1, 3.2: request parameters must not be repeated. */
	for (n = r->params; r->body == XV_BODY_FORM && n && *n != NULL; n++)
		if (xv_form_get(req->body ? req->body : "", *n, NULL) > 1)
			return xv_fail_code(req, XV_E_BAD_REQUEST,
			    "invalid_request", NULL, "a parameter is repeated");
	if (r->body == XV_BODY_FORM)
		return XV_OK;
	if (r->body == XV_BODY_JSON_OR_FORM && req->is_form) {
		rc = form_json(req, &j);
		req->json = xv_keep_json(req, j);
		return rc != XV_OK ? rc : xv_json_check(req, req->json,
		    r->fields ? r->fields : none, "");
	}
	/* Nothing sent is ignored: a route that takes no body refuses one. */
	if (r->body == XV_BODY_NONE && req->body_len > 0)
		return xv_fail(req, XV_E_BAD_REQUEST, NULL,
		    "this request takes no body");
	if (r->body != XV_BODY_JSON && r->body != XV_BODY_JSON_OR_FORM &&
	    req->body_len == 0)
		return XV_OK;
	if ((rc = xv_req_json(req, &j)) != XV_OK)
		return rc;
	req->json = xv_keep_json(req, j);
	return xv_json_check(req, req->json, r->fields ? r->fields : none, "");
}

/* Step 2: the route's credential, resolved by its resolver. */
static enum xv_err
resolve(struct xv_req *req, const struct xv_route *r)
{
	switch (r->cred) {
	case XV_CRED_NONE:
		return XV_OK;
	case XV_CRED_BEARER:
		return xv_auth_bearer(req);
	case XV_CRED_CLIENT:
		return xv_auth_client(req);
	case XV_CRED_USER:
	case XV_CRED_USER_OPT:
	case XV_CRED_REFRESH:
	case XV_CRED_SESSION:
		return xv_auth_session(req, r->cred);
	case XV_CRED_INVITE:
		return xv_auth_invite(req);
	}
	return xv_fail(req, XV_E_INTERNAL, NULL, "unknown credential");
}

static char		rid_prefix[20];
static unsigned long	rid_count;

static void
req_init(struct xv_req *req, FCGX_Request *fr)
{
	const char	*uri, *m, *rid;
	char		*q;
	size_t		 i;
	unsigned char	 rnd[12];
	char		*b;

	memset(req, 0, sizeof(*req));
	clock_gettime(CLOCK_MONOTONIC, &req->t0);
	req->fcgi = fr;
	m = xv_req_env(req, "REQUEST_METHOD");
	req->method_str = m ? m : "";
	for (i = 0; m && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(m, methods[i].name) == 0)
			req->method = methods[i].m;
	uri = xv_req_env(req, "REQUEST_URI");
	req->path = strdup(uri ? uri : "/");
	if ((q = strchr(req->path, '?')) != NULL) {
		*q = '\0';
		req->query = q + 1;
	}
	rid = xv_req_header(req, "HTTP_X_REQUEST_ID");
	if (rid != NULL && xv_valid_request_id(rid))
		snprintf(req->request_id, sizeof(req->request_id), "%s", rid);
	else {
		/*
		 * A random prefix per process and a counter: unique across
		 * processes and servers without drawing randomness per request.
		 */
		if (rid_prefix[0] == '\0' && xv_random(rnd, sizeof(rnd)) == 0 &&
		    (b = xv_b64url_encode(rnd, sizeof(rnd))) != NULL) {
			snprintf(rid_prefix, sizeof(rid_prefix), "%s", b);
			free(b);
		}
		snprintf(req->request_id, sizeof(req->request_id), "%s-%lx",
		    rid_prefix, ++rid_count);
	}
}

static void
req_write(struct xv_req *req)
{
	FCGX_Request	*fr = req->fcgi;
	struct xv_buf	 h = { 0 };
	int		 wk = strncmp(req->path, "/.well-known/", 13) == 0;

	xv_buf_addf(&h, "Status: %d\r\n", req->status ? req->status : 500);
	xv_buf_addf(&h, "X-Request-Id: %s\r\n", req->request_id);
	XV_BUF_LIT(&h, "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\n");
	/* A page (html.c) sets its own, as strict, that lets its style in. */
	if (!req->own_csp)
		XV_BUF_LIT(&h, "Content-Security-Policy: default-src 'none'; "
		    "frame-ancestors 'none'\r\n");
	if (wk)
		xv_buf_addf(&h, "Cache-Control: public, max-age=300\r\n");
	else
		xv_buf_addf(&h, "Cache-Control: no-store\r\n");
	if (req->headers.len)
		xv_buf_add(&h, req->headers.p, req->headers.len);
	xv_buf_addf(&h, "Content-Length: %zu\r\n\r\n", req->out.len);
	FCGX_PutStr(h.p, (int)h.len, fr->out);
	if (req->out.len && req->method != XV_HEAD)
		FCGX_PutStr(req->out.p, (int)req->out.len, fr->out);
	xv_buf_free(&h);
}

static void
req_log(struct xv_req *req)
{
	struct timespec	 t1;
	long		 us;
	char		 ts[32];
	struct xv_buf	 b = { 0 };

	if (xv_conf_int("access_log", 1) == 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (t1.tv_sec - req->t0.tv_sec) * 1000000L +
	    (t1.tv_nsec - req->t0.tv_nsec) / 1000;
	xv_time_rfc3339(time(NULL), ts);
	/* Written directly (the hot path): every string is JSON-escaped. */
	xv_buf_addf(&b, "{\"ts\":\"%s\",\"level\":\"info\",\"prog\":", ts);
	xv_buf_json_str(&b, xv_conf_prog());
	XV_BUF_LIT(&b, ",\"request_id\":");
	xv_buf_json_str(&b, req->request_id);
	XV_BUF_LIT(&b, ",\"method\":");
	xv_buf_json_str(&b, req->method_str);
	xv_buf_addf(&b, ",\"status\":%d,\"us\":%ld,\"path\":", req->status, us);
	xv_buf_json_str(&b, req->path);
	XV_BUF_LIT(&b, ",\"tenant\":");
	xv_buf_json_str(&b, req->tenant);
	if (req->authed) {
		XV_BUF_LIT(&b, ",\"sub\":");
		xv_buf_json_str(&b, req->who.sub);
	}
	XV_BUF_LIT(&b, "}\n");
	xv_log_access(b.p, b.len);
	xv_buf_free(&b);
}

static void
req_free(struct xv_req *req)
{
	xv_req_release(req);
	free(req->path);
	if (req->body != NULL) {
		explicit_bzero(req->body, req->body_len);
		free(req->body);
	}
	xv_buf_free(&req->headers);
	xv_buf_free(&req->out);
}

/*
 * Runs the route, the same steps for every route: body, credential,
 * tenant, transaction, handler, commit (see xv.h).  The caller renders
 * a failure in the route's style.
 */
static enum xv_err
dispatch(const struct xv_route *r, struct xv_req *req)
{
	enum xv_err	rc, crc;
	int		txn = 0;

	req->route = r;
	if ((rc = body_check(req, r)) != XV_OK)
		return rc;
	/* The API's query strings (pages, filters) are read strictly. */
	if (r->style == XV_STYLE_PROBLEM && (rc = xv_req_query_check(req)) !=
	    XV_OK)
		return rc;
	xv_db_ensure();		/* a connection lost last time is reset now */
	/* A login token's session may go with the tenant (xv_auth_jwt). */
	req->sess_may = !r->no_txn;
	if ((rc = resolve(req, r)) != XV_OK ||
	    (rc = xv_tenant_header(req, r)) != XV_OK ||
	    (rc = xv_auth_check(req, r)) != XV_OK)
		return xv_auth_session_now(req, rc);
	if (!r->no_txn) {
		if ((rc = xv_db_begin()) != XV_OK)
			return xv_fail(req, rc, NULL, "database unavailable");
		txn = 1;
		if (r->one_read)
			xv_db_one_read();
		/* Entered and checked with the handler's first statement. */
		if (req->tenant[0] != '\0' && (rc = xv_tenant_defer(req)) !=
		    XV_OK)
			goto out;
	}
	/* No tenant to carry the session's check: it goes alone, now. */
	if (req->sess_pending && (rc = xv_auth_session_now(req, XV_OK)) !=
	    XV_OK)
		goto out;
	rc = r->handler(req);
	/*
	 * The tenant is judged before anything the handler did stands: if
	 * it ran no statement, now; if the check failed, its failure is
	 * the answer, whatever the handler made of it, and all rolls back.
	 */
	if (txn && ((crc = xv_db_pending()) != XV_OK ||
	    req->enter_rc != XV_OK)) {
		req->answered = 0;
		req->headers.len = 0;
		if (req->sess_dead)
			rc = xv_auth_session_dead(req);
		else if (req->enter_rc != XV_OK)
			rc = xv_fail(req, req->enter_rc, NULL, "%s",
			    req->enter_detail);
		else
			rc = xv_fail(req, crc, NULL, "cannot scope the request");
		xv_db_rollback();
		return rc;
	}
out:
	if (txn || req->txn) {
		/*
		 * A route that counts failures (login attempts, lockout)
		 * keeps them even when it answers an error: only the
		 * database's own failures roll back.
		 */
		if (((rc == XV_OK || rc == XV_DONE) && req->status < 400) ||
		    (r->keep_on_error && rc != XV_E_INTERNAL &&
		    rc != XV_E_UNAVAILABLE && req->tenant[0] != '\0')) {
			if ((crc = xv_db_commit()) != XV_OK) {
				/* Nothing the handler said holds: drop it all. */
				req->answered = 0;
				req->headers.len = 0;
				req->err_code = NULL;
				rc = xv_fail(req, crc, NULL, "cannot commit");
			}
		} else
			xv_db_rollback();
	}
	return rc;
}

enum xv_err
xv_req_begin(struct xv_req *req, const char *tenant)
{
	enum xv_err rc;

	if (req->txn || req->route == NULL || !req->route->no_txn ||
	    xv_uuid_canon(tenant, req->tenant) != 0)
		return xv_fail(req, XV_E_INTERNAL, NULL, "bad late transaction");
	if ((rc = xv_db_begin()) != XV_OK)
		return xv_fail(req, rc, NULL, "database unavailable");
	req->txn = 1;
	return xv_tenant_enter(req, 0);
}

/*
 * Commits the request's transaction early, so that slow work that needs
 * no database (hashing a password) holds no connection state, no
 * snapshot, no lock and no row of anyone else's while it runs: what the
 * handler wrote so far (a login attempt counted) stands.  Then
 * xv_req_resume begins the next transaction, scoped to the same tenant
 * and checked again (it may have been suspended meanwhile); dispatch
 * commits or rolls back that one as usual.  Nothing to do on a route
 * without a transaction (or whose handler has not begun one late,
 * xv_req_begin).
 */
enum xv_err
xv_req_pause(struct xv_req *req)
{
	enum xv_err	rc;

	if (req->route == NULL || (req->route->no_txn && !req->txn))
		return XV_OK;
	if ((rc = xv_db_commit()) != XV_OK)
		return xv_fail(req, rc, NULL, "cannot commit");
	return XV_OK;
}

enum xv_err
xv_req_resume(struct xv_req *req)
{
	enum xv_err	rc;

	if (req->route == NULL || (req->route->no_txn && !req->txn))
		return XV_OK;
	if ((rc = xv_db_begin()) != XV_OK)
		return xv_fail(req, rc, NULL, "database unavailable");
	if (req->tenant[0] == '\0')
		return XV_OK;
	return xv_tenant_enter(req, req->route->tenancy == XV_TENANT_SYS);
}

/* GET /healthz in every program: 200 when the database answers, else 503. */
static void
health(struct xv_req *req)
{
	enum xv_err e = xv_db_ping();

	xv_resp_json(req, e == XV_OK ? 200 : 503, json_pack("{s:s, s:s}",
	    "status", e == XV_OK ? "ok" : "unavailable", "program",
	    xv_conf_prog()));
}

/*
 * The listening socket is non-blocking, so that an accept that finds no
 * request (another process of a shared socket took it, or none came)
 * returns at once: the process is idle then, writes the API-key uses it
 * counted (xv_auth_key_flush), and waits in poll for the next request.
 * A busy process thus batches its counts, an idle one writes them at
 * once, whether or not it shares its socket.
 */
static int
listen_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void
handle(const struct xv_program *prog, FCGX_Request *fr)
{
	struct xv_req	 req;
	unsigned	 allowed;
	int		 i, resource;
	enum xv_style	 style = XV_STYLE_PROBLEM;
	enum xv_err	 rc;

	req_init(&req, fr);
	if (strcmp(req.path, "/healthz") == 0 && req.method == XV_GET) {
		health(&req);
		goto done;
	}
	/* HEAD is GET without the body (req_write leaves it out). */
	i = xv_route_match(prog->routes, prog->nroutes, req.path,
	    req.method == XV_HEAD ? XV_GET : req.method, req.params, &allowed,
	    &resource);
	if (i == -1)
		rc = xv_fail(&req, XV_E_NOT_FOUND, NULL, "no such resource");
	else if (i == -2) {
		/* The error style of the resource, whatever the method. */
		style = prog->routes[resource].style;
		allow_header(&req, allowed);
		rc = xv_fail(&req, XV_E_METHOD, NULL, "%s is not allowed here",
		    req.method_str);
	} else {
		style = prog->routes[i].style;
		rc = dispatch(&prog->routes[i], &req);
	}
	if (!req.answered && style == XV_STYLE_PAGE &&
	    !xv_html_wants_json(&req))
		xv_html_problem(&req, rc == XV_OK || rc == XV_DONE ?
		    XV_E_INTERNAL : rc);
	else if (!req.answered && style == XV_STYLE_OAUTH)
		xv_resp_oauth_error(&req, rc == XV_OK || rc == XV_DONE ?
		    XV_E_INTERNAL : rc);
	else if (!req.answered)
		xv_resp_problem(&req, rc == XV_OK || rc == XV_DONE ?
		    XV_E_INTERNAL : rc);
done:
	req_write(&req);
	/* Logged while the request's parameters live (FCGX_Finish_r frees). */
	req_log(&req);
	/* The client has its answer; only then count an API key's use. */
	FCGX_Finish_r(fr);
	xv_auth_key_count(&req);
	xv_auth_key_flush(0);	/* if enough have gathered; idle: main loop */
	req_free(&req);
}

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/*
 * With -s, the parent keeps nproc children accepting on the shared
 * socket and respawns any that dies, as php-fpm does for mod_proxy_fcgi;
 * SIGTERM stops them all.  Returns 1 in a child, 0 in the parent at exit.
 */
static int
prefork(int nproc)
{
	pid_t	*kids, pid;
	int	 i, st;

	struct sigaction sa;

	if ((kids = calloc(nproc, sizeof(*kids))) == NULL)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: wait() must return */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (;;) {
		for (i = 0; i < nproc && !stopping; i++) {
			if (kids[i] > 0)
				continue;
			if ((pid = fork()) == 0) {
				signal(SIGTERM, SIG_DFL);
				signal(SIGINT, SIG_DFL);
				free(kids);
				return 1;
			}
			kids[i] = pid;
		}
		pid = wait(&st);
		if (stopping)
			break;
		for (i = 0; i < nproc; i++)
			if (kids[i] == pid)
				kids[i] = 0;
		if (pid < 0)
			sleep(1);
	}
	for (i = 0; i < nproc; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGTERM);
	while (wait(&st) > 0)
		;
	free(kids);
	return 0;
}

/*
 * -P: prints a path of each route, a sample value for each {param}, one
 * a line: what the web servers must route to this program
 * (tests/routes.bats checks both httpd configs against it).
 */
static int
print_paths(const struct xv_program *prog)
{
	const char	*p, *e;
	size_t		 i;

	for (i = 0; i < prog->nroutes; i++) {
		for (p = prog->routes[i].pattern; *p != '\0'; p = e) {
			if (*p == '{' && (e = strchr(p, '}')) != NULL) {
				fputs("00000000-0000-4000-8000-00000000000a", stdout);
				e++;
				continue;
			}
			e = p + 1;
			putchar(*p);
		}
		putchar('\n');
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* A name of an enum's value, for -R; new values show as their number. */
static const char *
name_of(const char *const *names, size_t n, unsigned v, char buf[16])
{
	if (v < n && names[v] != NULL)
		return names[v];
	snprintf(buf, 16, "#%u", v);
	return buf;
}

#define NAME(a, v, b)	name_of(a, sizeof(a) / sizeof(a[0]), (unsigned)(v), b)

/* A JSON field table as "name:type:required:min:max[:a|b]", comma-separated. */
static void
print_fields(const struct xv_field *f, const char *parent)
{
	static const char *const type[] = { "string", "int", "bool", "object",
	    "strings", "any" };
	static int	 first;
	char		 path[128], b[16];
	size_t		 k;

	if (parent == NULL)
		first = 1;
	for (; f != NULL && f->name != NULL; f++) {
		snprintf(path, sizeof(path), "%s%s%s", parent ? parent : "",
		    parent ? "." : "", f->name);
		printf("%s%s:%s:%d:%ld:%ld", first ? "" : ",", path,
		    NAME(type, f->type, b), f->required, f->min, f->max);
		first = 0;
		for (k = 0; f->oneof != NULL && f->oneof[k] != NULL; k++)
			printf("%c%s", k ? '|' : ':', f->oneof[k]);
		if (f->type == XV_F_OBJECT)
			print_fields(f->sub, path);
	}
}

/*
 * One line a method of each route, tab-separated: method, pattern,
 * credential, need, tenancy, body, error style, and the body's JSON
 * fields (print_fields) or form parameters, or "-".  Tests build their
 * matrices from it (tests/attack.bats), so that no route escapes them.
 */
static int
print_routes(const struct xv_program *prog)
{
	static const char *const meth[] = { "GET", "POST", "PUT", "DELETE",
	    "PATCH", "HEAD", "OPTIONS" };
	static const char *const cred[] = { "none", "bearer", "client", "user",
	    "user_opt", "refresh", "session", "invite" };
	static const char *const need[] = { "none", "any", "admin", "super" };
	static const char *const ten[] = { "none", "req", "sys", "cred" };
	static const char *const body[] = { "none", "json", "json_opt",
	    "form", "json_or_form" };
	static const char *const style[] = { "problem", "oauth", "page" };
	const struct xv_route	*r;
	char			 b[5][16];
	size_t			 i, m, k;

	for (i = 0; i < prog->nroutes; i++) {
		r = &prog->routes[i];
		for (m = 0; m < sizeof(meth) / sizeof(meth[0]); m++) {
			if (!(r->methods & (1u << m)))
				continue;
			printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t", meth[m],
			    r->pattern, NAME(cred, r->cred, b[0]),
			    NAME(need, r->need, b[1]),
			    NAME(ten, r->tenancy, b[2]),
			    NAME(body, r->body, b[3]),
			    NAME(style, r->style, b[4]));
			if (r->fields != NULL && r->fields->name != NULL)
				print_fields(r->fields, NULL);
			else if (r->params != NULL && r->params[0] != NULL)
				for (k = 0; r->params[k] != NULL; k++)
					printf("%s%s", k ? "," : "",
					    r->params[k]);
			else
				putchar('-');
			/* The transaction dispatch gives the handler. */
			printf("\t%s\n", r->no_txn ? "none" : r->one_read ?
			    "one-read" : "txn");
		}
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/*
 * One line a statement of the program: its name, its slots in the order
 * of their numbers ($1, $2, ...), comma-separated, and its SQL as it is
 * prepared.  Tests EXPLAIN the statements the program runs, not copies
 * of them (tests/pagination.bats).
 */
static int
print_stmts(const struct xv_program *prog)
{
	char	 names[XV_MAX_PARAMS][XV_PARAM_NAME];
	char	*sql;
	size_t	 i;
	int	 n, k;

	for (i = 0; i < prog->nstmts; i++) {
		if ((n = xv_sql_named(prog->stmts[i].sql, &sql, names,
		    XV_MAX_PARAMS)) < 0)
			return 1;
		printf("%s\t", prog->stmts[i].name);
		for (k = 0; k < n; k++)
			printf("%s%s", k ? "," : "", names[k]);
		printf("%s\t%s\t%s\n", n ? "" : "-",
		    sql != NULL ? sql : prog->stmts[i].sql,
		    prog->stmts[i].custom ? "custom" : "generic");
		free(sql);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/*
 * The program's main: "-n" checks configuration and database and exits;
 * "-P" prints the paths it serves, "-R" its routes (print_routes), "-S"
 * its statements (print_stmts);
 * otherwise it serves FastCGI requests on stdin (as lighttpd and
 * mod_fcgid spawn it) or on the socket named by -s, with -c processes.
 */
int
xv_main(const struct xv_program *prog, int argc, char *argv[])
{
	FCGX_Request	 fr;
	struct pollfd	 pfd;
	struct sigaction sa;
	int		 ch, check = 0, sock = 0, nproc = 1, rc;
	const char	*path = NULL;

	while ((ch = getopt(argc, argv, "c:nPRSs:")) != -1) {
		switch (ch) {
		case 'P':
			return print_paths(prog);
		case 'R':
			return print_routes(prog);
		case 'S':
			return print_stmts(prog);
		case 'c':
			if ((nproc = atoi(optarg)) < 1 || nproc > 256)
				nproc = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 's':
			path = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-nPRS] [-s socket [-c procs]]\n",
			    prog->name);
			return 2;
		}
	}
	if (xv_conf_load(prog->name) != 0) {
		xv_log("error", __func__, NULL, "cannot read configuration");
		return 1;
	}
	if (check) {
		if (xv_db_init(prog->stmts, prog->nstmts) != 0) {
			fprintf(stderr, "%s: database check failed\n", prog->name);
			return 1;
		}
		printf("%s: configuration and database OK\n", prog->name);
		return 0;
	}
	if (FCGX_Init() != 0)
		return 1;
	if (path != NULL) {
		if ((sock = FCGX_OpenSocket(path, 128)) < 0) {
			xv_log("error", __func__, NULL, "cannot listen on %s",
			    path);
			return 1;
		}
		if (prefork(nproc) == 0)
			return 0;
	}
	/* Each process has its own connection; failure here is retried. */
	xv_db_init(prog->stmts, prog->nstmts);
	/*
	 * SIGTERM (how lighttpd and prefork stop a process) ends the loop
	 * at the next accept rather than the process, so that uses of API
	 * keys counted but not yet written are written first.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	if (FCGX_InitRequest(&fr, sock, FCGI_FAIL_ACCEPT_ON_INTR) != 0 ||
	    listen_nonblocking(sock) != 0)
		return 1;
	while (!stopping) {
		if ((rc = FCGX_Accept_r(&fr)) >= 0) {
			handle(prog, &fr);	/* finishes the request itself */
			continue;
		}
		if (rc != -EAGAIN && rc != -EWOULDBLOCK && rc != -EINTR)
			break;
		/* Idle: write what was counted, then wait for a request. */
		xv_auth_key_flush(1);
		xv_log_flush();
		pfd.fd = sock;
		pfd.events = POLLIN;
		if (!stopping && poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;
	}
	xv_auth_key_flush(1);
	xv_log_flush();
	xv_db_finish();
	return 0;
}

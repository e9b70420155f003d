#!/usr/bin/env python3
"""attack.py: the isolation matrix and the bad-input catalogue, built
from the programs' own route tables (PROGRAM.fcgi -R), so that a route
added to a program is attacked without anyone writing a test for it.

    attack.py routes ROUTES CTX        every route is known to KNOWN
    attack.py catalogue ROUTES CTX     bad input to every route
    attack.py matrix ROUTES CTX        tenant A's credentials against B
    attack.py control ROUTES CTX       B's own browser session still works

ROUTES is the programs' -R output, CTX a JSON file of the stack's URL,
tenants, credentials and resource ids (tests/attack.bats writes it).
Each check prints "ok" or "FAIL" with the request; the last line is
"N checks, N failed", and the exit status is 1 if any failed.
"""
import http.client
import json
import re
import sys
import urllib.parse

# Every route of every program, and what a well-formed call of it
# carries: its JSON or form body, and what kind of resource its {id}
# names.  A route missing here fails the run: a new route must say how
# it is called before the matrix and the catalogue can attack it.
KNOWN = {
    "POST /tenants/provision": {"json": {"name": "X", "slug": "x-attack", "plan": "free"}},
    "GET /system/tenants": {},
    "GET /system/tenants/{id}": {"id": "tenant"},
    "POST /system/tenants/{id}/suspend": {"id": "tenant", "json": {"reason": "x"}},
    "POST /system/tenants/{id}/reactivate": {"id": "tenant", "json": {}},
    "GET /admin/tenants/{tenant_id}/settings": {},
    "PUT /admin/tenants/{tenant_id}/settings": {"json": {"session_timeout_minutes": 30}},
    "GET /admin/tenants/{tenant_id}/webauthn-policy": {},
    "PUT /admin/tenants/{tenant_id}/webauthn-policy": {"json": {"enabled": True}},
    "GET /admin/audit-logs": {},
    "POST /admin/oauth/clients": {"json": {"name": "X", "client_type": "confidential",
                                           "grant_types": ["client_credentials"]}},
    "GET /admin/oauth/clients": {},
    "GET /admin/oauth/clients/{id}": {"id": "client"},
    "PUT /admin/oauth/clients/{id}": {"id": "client", "json": {"name": "Y"}},
    "DELETE /admin/oauth/clients/{id}": {"id": "client"},
    "POST /admin/oauth/clients/{id}/regenerate-secret": {"id": "client"},
    # "bad": the parameter that the catalogue's bad values go to.  A bad
    # token is no bad request to introspection (RFC 7662: inactive) nor
    # to revocation (RFC 7009 2.2: 200), so those get structural faults.
    "POST /oauth/token": {"form": {"grant_type": "client_credentials"},
                          "bad": "scope"},
    "POST /oauth/introspect": {"form": {"token": "@b_token"}},
    "POST /oauth/revoke": {"form": {"token": "@b_token"}},
    "GET /.well-known/jwks.json": {"public": True},
    "GET /.well-known/openid-configuration": {"public": True},
    "GET /admin/keys": {},
    "POST /admin/keys/rotate": {},
    "POST /admin/api-keys": {"json": {"name": "X", "scopes": ["read"]}},
    "GET /admin/api-keys": {},
    "POST /admin/api-keys/introspect": {"json": {"key": "@b_key"}},
    "GET /admin/api-keys/{id}": {"id": "apikey"},
    "DELETE /admin/api-keys/{id}": {"id": "apikey"},
    "GET /admin/api-keys/{id}/usage": {"id": "apikey"},
    "POST /auth/login": {"json": {"email": "@a_email", "password": "@a_password"}},
    "POST /auth/refresh": {"json": {"refresh_token": "@refresh"}},
    "POST /auth/logout": {"json": {}},
    "POST /auth/password": {"json": {"current_password": "@a_password",
                                     "new_password": "Another-Passw0rd!x"}},
    "GET /auth/me": {},
    "POST /auth/mfa/setup": {"json": {}},
    "POST /auth/mfa/verify": {"json": {"code": "123456"}},
    "DELETE /auth/mfa": {"json": {"code": "123456"}},
    "GET /admin/users": {},
    "POST /admin/users": {"json": {"email": "x-attack@example.com"}},
    "GET /admin/users/{id}": {"id": "user"},
    "PUT /admin/users/{id}": {"id": "user", "json": {"display_name": "Y"}},
    "DELETE /admin/users/{id}": {"id": "user"},
    "POST /admin/users/{id}/unlock": {"id": "user"},
    "POST /admin/invitations": {"json": {"email": "x-attack@example.com"}},
    "GET /admin/invitations": {},
    "POST /admin/invitations/bulk-resend": {"json": {"status": "pending"}},
    "GET /admin/invitations/{id}": {"id": "invitation"},
    "DELETE /admin/invitations/{id}": {"id": "invitation"},
    "POST /admin/invitations/{id}/resend": {"id": "invitation"},
    # The invitee's routes take no header credential: the token in the
    # path names the tenant.  invitations.bats attacks them (other
    # tenants, malformed and dead tokens, CSRF, X-Tenant-ID swaps).
    "GET /invite/accepted": {"public": True},
    "GET /invite/{token}": {"public": True},
    "POST /invite/{token}": {"public": True},
    # The browser's endpoints answer pages and redirects, not 4xx JSON,
    # and take no credential of A's that the matrix could swap: their
    # bad input, other clients and other tenants are tests/oidc.bats's.
    "GET /oauth/authorize": {"public": True},
    "POST /oauth/authorize": {"public": True},
    "GET /oauth/userinfo": {"public": True},
    "POST /oauth/userinfo": {"public": True},
    "GET /oauth/logout": {"public": True},
}

TIMEOUT = 15
checks = 0
failed = 0


class Route:
    def __init__(self, line):
        f = line.rstrip("\n").split("\t")
        (self.method, self.pattern, self.cred, self.need, self.tenancy,
         self.body, self.style) = f[:7]
        self.fields = []
        self.params = []
        spec = f[7] if len(f) > 7 else "-"
        if spec != "-" and self.body == "form":
            self.params = spec.split(",")
        elif spec != "-":
            for item in spec.split(","):
                p = item.split(":")
                self.fields.append({
                    "path": p[0], "type": p[1], "required": p[2] == "1",
                    "min": int(p[3]), "max": int(p[4]),
                    "oneof": p[5].split("|") if len(p) > 5 else None})
        self.key = f"{self.method} {self.pattern}"
        self.known = KNOWN.get(self.key)

    def __str__(self):
        return self.key


def load(routes_file, ctx_file):
    with open(routes_file) as f:
        routes = [Route(l) for l in f if l.strip()]
    with open(ctx_file) as f:
        ctx = json.load(f)
    return routes, ctx


def value(ctx, v):
    """@name in a body stands for the context's value."""
    if isinstance(v, str) and v.startswith("@"):
        return ctx[v[1:]]
    if isinstance(v, dict):
        return {k: value(ctx, x) for k, x in v.items()}
    if isinstance(v, list):
        return [value(ctx, x) for x in v]
    return v


def request(ctx, method, path, headers=None, body=None, raw_headers=None):
    u = urllib.parse.urlsplit(ctx["url"])
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=TIMEOUT)
    try:
        c.putrequest(method, path, skip_accept_encoding=True)
        h = dict(headers or {})
        if body is not None:
            h.setdefault("Content-Length", str(len(body)))
        for k, v in h.items():
            c.putheader(k, v)
        for k, v in raw_headers or []:
            c.putheader(k, v)
        c.endheaders(body)
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    except (OSError, http.client.HTTPException) as e:
        return None, {}, str(e).encode()
    finally:
        c.close()


def check(ok, what, status, data):
    global checks, failed
    checks += 1
    if not ok:
        failed += 1
        print(f"FAIL {what}: {status} {data[:200]!r}")


def styled(route, status, headers, data, server=None):
    """A 4xx in the route's error style, with a body that says it."""
    if status is None or not 400 <= status <= 499 or not data:
        return False
    ct = headers.get("content-type", "")
    try:
        j = json.loads(data)
    except ValueError:
        return False
    # lighttpd 1.4.69 raises these before any URL condition can pick the
    # OAuth error documents: problem JSON there (README, Known limits).
    early = server == "lighttpd" and status in (400, 411, 431)
    oauth = ct.startswith("application/json") and isinstance(
        j.get("error"), str)
    problem = ct.startswith("application/problem+json") and j.get(
        "status") == status
    if route.style == "oauth":
        return oauth or (early and problem)
    return problem


def fill(route, ctx, ids):
    """The route's path with {params} from ids (a kind -> id map)."""
    def sub(m):
        name = m.group(1)
        if name == "tenant_id":
            return ids["tenant"]
        return ids[route.known.get("id", name)]
    return re.sub(r"\{([a-z_]+)\}", sub, route.pattern)


def creds(ctx, route, tenant):
    """The credential a well-formed call of the route carries, as tenant
    A's natural caller: headers and extra body fields."""
    h = {}
    if route.cred == "bearer":
        t = ctx["super"] if route.need == "super" else ctx["a_admin"]
        h["Authorization"] = "Bearer " + t
    elif route.cred in ("user", "user_opt", "session"):
        h["Authorization"] = "Bearer " + ctx["a_user"]
    elif route.cred == "client":
        h["Authorization"] = ctx["a_basic"]
    if route.tenancy in ("req", "cred") and route.need != "super":
        h["X-Tenant-ID"] = tenant
    elif route.tenancy == "sys":
        h["X-Tenant-ID"] = ctx["system"]
    return h


def body_of(route, ctx, obj):
    if route.body == "form":
        return (urllib.parse.urlencode(obj).encode(),
                "application/x-www-form-urlencoded")
    return json.dumps(obj).encode(), "application/json"


def cmd_routes(routes, ctx):
    for r in routes:
        check(r.known is not None, f"{r} is not in KNOWN (tests/tools/attack.py): "
              "say how it is called", None, b"")
    names = {r.key for r in routes}
    for k in KNOWN:
        check(k in names, f"KNOWN names {k}, which no program serves", None, b"")


def bad_values(field):
    """Values each field must refuse, with why."""
    t, lo, hi = field["type"], field["min"], field["max"]
    out = []
    wrong = {"string": [12345, True, ["x"], {"a": 1}],
             "int": ["12", 1.5, True, [1], {"a": 1}],
             "bool": ["true", 1, [True], {"a": 1}],
             "object": ["x", 1, [1], True],
             "strings": ["x", 1, [1], [None], {"a": "b"}],
             "any": []}[t]
    out += [(v, f"wrong type {type(v).__name__}") for v in wrong]
    if t == "string":
        if hi > 0:
            out.append(("x" * (hi + 1), f"{hi + 1} characters, over {hi}"))
        else:
            out.append(("x" * 100000, "100,000 characters"))
        if lo > 1:
            out.append(("x" * (lo - 1), f"{lo - 1} characters, under {lo}"))
        if lo == 1:
            out.append(("", "empty"))
        if field["oneof"]:
            out.append(("not-one-of-them", "not in the enumeration"))
    if t == "int":
        out += [(lo - 1, f"{lo - 1}, under {lo}"), (hi + 1, f"{hi + 1}, over {hi}"),
                (2 ** 63, "2^63"), (-2 ** 63 - 1, "-2^63-1")]
    if t == "strings":
        if hi > 0:
            out.append((["a%d" % i for i in range(hi + 1)], f"{hi + 1} items"))
        out.append((["x" * 100000], "an item of 100,000 characters"))
        if field["oneof"]:
            out.append((["not-one-of-them"], "an item not in the enumeration"))
    return out


def set_path(obj, path, v):
    obj = json.loads(json.dumps(obj))
    cur = obj
    parts = path.split(".")
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
        if not isinstance(cur, dict):
            return None
    cur[parts[-1]] = v
    return obj


def cmd_catalogue(routes, ctx):
    a = ctx["a"]
    ids = ctx["a_ids"]
    for r in routes:
        if r.known is None or r.known.get("public"):
            continue
        path = fill(r, ctx, ids)
        h = creds(ctx, r, a)

        # The well-formed body, which header and path faults go with.
        wb, wt = None, None
        if "json" in r.known:
            wb, wt = body_of(r, ctx, value(ctx, r.known["json"]))
        elif "form" in r.known:
            wb, wt = body_of(r, ctx, value(ctx, r.known["form"]))

        def send(what, p=path, body=wb, ctype=wt, extra=None, raw=None):
            hh = dict(h)
            if ctype:
                hh["Content-Type"] = ctype
            hh.update(extra or {})
            st, hd, data = request(ctx, r.method, p, hh, body, raw)
            check(styled(r, st, hd, data, ctx.get("server")), f"{r} {what}",
                  st, data)

        # The path: ids that are no UUIDs, overlong, with NUL.
        if "{" in r.pattern:
            for bad, why in (("not-a-uuid", "an id that is no UUID"),
                             ("%00", "an id of a NUL byte"),
                             ("x" * 4000, "an id of 4,000 characters"),
                             ("00000000-0000-0000-0000-00000000000G",
                              "an id with a G")):
                send(why, p=re.sub(r"\{[a-z_]+\}", bad, r.pattern))
        # A header of 64 KiB, and an X-Tenant-ID that is no UUID.
        send("a header of 64 KiB", raw=[("X-Junk", "a" * 65536)])
        if r.tenancy in ("req", "cred") and r.need != "super":
            send("an X-Tenant-ID that is no UUID", extra={"X-Tenant-ID": "nope"})
        # The API's query strings: read strictly, whatever the route reads.
        if r.style == "problem":
            sep = "&" if "?" in path else "?"
            for q, why in (("limit=%zz", "a query value with a bad escape"),
                           ("limit=1%00", "a query value with a NUL byte"),
                           ("x=%ff%fe", "a query value of invalid UTF-8"),
                           ("limit=5&limit=7", "a query parameter twice"),
                           ("%zz=1", "a query name with a bad escape"),
                           ("limit", "a query parameter without a value")):
                send(why, p=path + sep + q)
        if r.body in ("json", "json_opt"):
            good = value(ctx, r.known.get("json", {}))
            gb = json.dumps(good).encode()
            JS = "application/json"
            for b, why in ((b'{"a":', "malformed JSON"),
                           (gb[:max(1, len(gb) // 2)], "truncated JSON"),
                           (b"[]", "an array"), (b'"x"', "a string"),
                           (b"1", "a number"), (b"null", "null"),
                           (b"[" * 5000 + b"]" * 5000, "5,000 nested arrays"),
                           (b'{"x":"\xff\xfe"}', "invalid UTF-8"),
                           (b'{"x":"a\x00b"}', "a raw NUL byte"),
                           (b'{"x":"a\\u0000b"}', "an escaped NUL"),
                           (gb[:-1] + b',"zz_unknown":1}' if gb != b"{}" else
                            b'{"zz_unknown":1}', "an unknown field"),
                           (b"\xef\xbb\xbf" + gb, "a byte-order mark"),
                           (b"{" + b'"k":1,' * 10 + b'"k":1}', "a repeated key")):
                send(why, body=b, ctype=JS)
            if r.body == "json":
                send("no body", body=b"", ctype=JS)
            send("a text/plain body", body=gb, ctype="text/plain")
            send("a body of 2 MiB", body=b'{"x":"' + b"a" * (2 << 20) + b'"}',
                 ctype=JS)
            for f in r.fields:
                for v, why in bad_values(f):
                    b = set_path(good, f["path"], v)
                    if b is None:
                        continue
                    send(f"{f['path']}: {why}", body=json.dumps(b).encode(),
                         ctype=JS)
        elif r.body == "form":
            good = value(ctx, r.known.get("form", {}))
            FORM = "application/x-www-form-urlencoded"
            gb = urllib.parse.urlencode(good).encode()
            for p in r.params:
                if p in ("client_id", "client_secret"):
                    continue
                send(f"{p} twice", body=gb + f"&{p}=a&{p}=b".encode(), ctype=FORM)
            bad = r.known.get("bad", "").encode()
            cases = [(b"a" * (2 << 20), "a body of 2 MiB")]
            if bad:
                cases += [(gb + b"&" + bad + b"=%zz", "bad percent-encoding"),
                          (gb + b"&" + bad + b"=%ff%fe", "invalid UTF-8"),
                          (gb + b"&" + bad + b"=a%00b", "a NUL byte"),
                          (gb + b"&" + bad + b"=" + b"a" * 100000,
                           "a value of 100,000 bytes")]
            for b, why in cases:
                send(why, body=b, ctype=FORM)
            send("a JSON body", body=json.dumps(good).encode(),
                 ctype="application/json")
        elif r.method in ("POST", "PUT", "PATCH", "DELETE") and r.body == "none":
            send("a body where none belongs", body=b'{"x":1}',
                 ctype="application/json")
            send("a form body where none belongs", body=b"x=1",
                 ctype="application/x-www-form-urlencoded")


def refused(r, st, hd, data):
    """A call of A's that must not reach B: 4xx, or for introspection
    an inactive answer, for revocation RFC 7009's 200 (B's token is
    checked unchanged apart)."""
    if st is not None and 400 <= st <= 499:
        return True
    if r.pattern == "/oauth/introspect" and st == 200:
        return json.loads(data) == {"active": False}
    if r.pattern == "/oauth/revoke" and st == 200:
        return True
    return False


def authorize_query(ctx):
    """B's public client asks, with prompt=none, for a code."""
    return urllib.parse.urlencode({
        "response_type": "code", "client_id": ctx["b_public_client"],
        "redirect_uri": ctx["rp"], "scope": "openid", "state": "atk",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256", "prompt": "none"})


def cmd_control(routes, ctx):
    """The matrix's browser check could fail: B's own session gets a
    code from the very request that A's session must not."""
    st, hd, data = request(ctx, "GET", "/oauth/authorize?" + authorize_query(ctx),
                           {"Cookie": f"xv_sid_{ctx['b']}={ctx['b_sid']}"})
    qs = urllib.parse.parse_qs(urllib.parse.urlsplit(hd.get("location", "")).query)
    check(st in (302, 303) and "code" in qs,
          "B's own session gets a code from B's client", st, data)


def cmd_matrix(routes, ctx):
    b = ctx["b"]
    # Tenant A's credentials, as each is presented.
    cs = {"admin JWT": {"Authorization": "Bearer " + ctx["a_admin"]},
          "user JWT": {"Authorization": "Bearer " + ctx["a_user"]},
          "API key read": {"Authorization": "Bearer " + ctx["a_key_read"]},
          "API key write": {"X-API-Key": ctx["a_key_write"]},
          "API key admin": {"Authorization": "Bearer " + ctx["a_key_admin"]},
          "OAuth client": {"Authorization": ctx["a_basic"]},
          # The sign-in page's session, under A's cookie name and
          # planted under B's; and the invitee's token as a bearer.
          "session cookie": {"Cookie": f"xv_sid_{ctx['a']}={ctx['a_sid']}"},
          "session cookie as B's": {"Cookie": f"xv_sid_{b}={ctx['a_sid']}"},
          "invitation token": {"Authorization": "Bearer " + ctx["a_invite_token"]}}
    for r in routes:
        # Public routes take no credential of A's to abuse: a login to B
        # is anyone's to try (and counts against B's rate limit).
        if r.known is None or r.known.get("public") or r.cred == "none":
            continue
        # B's resources by id, under A's tenant (only where a path names
        # one), and everything under B's X-Tenant-ID.
        modes = [("X-Tenant-ID swap", b)]
        if "{" in r.pattern:
            modes.insert(0, ("by id", ctx["a"]))
        for mode, tenant in modes:
            path = fill(r, ctx, ctx["b_ids"])
            for cname, ch in cs.items():
                h = dict(ch)
                h["X-Tenant-ID"] = tenant
                body = None
                if r.body in ("json", "json_opt"):
                    body, h["Content-Type"] = body_of(
                        r, ctx, value(ctx, r.known.get("json", {})))
                elif r.body == "form":
                    body, h["Content-Type"] = body_of(
                        r, ctx, value(ctx, r.known.get("form", {})))
                st, hd, data = request(ctx, r.method, path, h, body)
                check(refused(r, st, hd, data), f"{r} {mode} with A's {cname}",
                      st, data)
    # The browser's way in: B's public client asks, with prompt=none,
    # whether the browser is signed in to B.  A's session, under either
    # cookie name, must not count: login_required, never a code.
    q = authorize_query(ctx)
    for cname in ("session cookie", "session cookie as B's"):
        st, hd, data = request(ctx, "GET", "/oauth/authorize?" + q, cs[cname])
        loc = hd.get("location", "")
        qs = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
        check(st in (302, 303) and loc.startswith(ctx["rp"] + "?") and
              qs.get("error") == ["login_required"] and "code" not in qs,
              f"GET /oauth/authorize prompt=none of B's client with A's {cname}",
              st, (loc or "").encode() + data)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("routes", "catalogue", "matrix",
                                                  "control"):
        print(__doc__, file=sys.stderr)
        return 2
    routes, ctx = load(sys.argv[2], sys.argv[3])
    {"routes": cmd_routes, "catalogue": cmd_catalogue,
     "matrix": cmd_matrix, "control": cmd_control}[sys.argv[1]](routes, ctx)
    print(f"{checks} checks, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

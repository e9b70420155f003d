# oauth_helpers.bash: what the oauth_*.bats suites share, loaded after
# helpers.bash.  Tenants and clients are made through the API; tokens are
# checked with Debian's python3-jwt (/usr/bin/python3, not the python3 on
# PATH), a JOSE implementation independent of the server's.

PYTHON=/usr/bin/python3
HEX64='^[0-9a-f]{64}$'
UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

# new_tenant WORD: provisions a tenant; sets TENANT_ID and ADMIN_JWT (its
# admin's token).
new_tenant() {
	TENANT_ID=$(provision "$(uniq_slug "$1")")
	[[ "$TENANT_ID" =~ $UUID_RE ]] || { echo "cannot provision: $TENANT_ID"; return 1; }
	ADMIN_JWT=$(admin_token "$TENANT_ID")
}

# new_client TENANT JWT [JSON]: creates a client (by default confidential,
# client_credentials, scopes read write admin); sets CLIENT_REC (record
# id), CLIENT_ID and CLIENT_SECRET (empty for a public client).
new_client() {
	local doc=${3:-'{"name":"svc","client_type":"confidential","grant_types":["client_credentials"],"scopes":["read","write","admin"]}'}
	api POST /admin/oauth/clients -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $2" -H "X-Tenant-ID: $1" -d "$doc"
	status_is 200 || return 1
	CLIENT_REC=$(jq -r .id <<<"$body")
	CLIENT_ID=$(jq -r .client_id <<<"$body")
	CLIENT_SECRET=$(jq -r '.client_secret // empty' <<<"$body")
}

# get_token ID SECRET [SCOPE]: client_credentials by client_secret_basic;
# sets ACCESS_TOKEN.
get_token() {
	local sc=()
	[ $# -ge 3 ] && sc=(--data-urlencode "scope=$3")
	api POST /oauth/token -u "$1:$2" -d grant_type=client_credentials "${sc[@]}"
	status_is 200 || return 1
	ACCESS_TOKEN=$(jq -r .access_token <<<"$body")
}

# introspect ID SECRET TOKEN [curl args]; revoke likewise.
introspect() {
	local id=$1 sec=$2 tok=$3
	shift 3
	api POST /oauth/introspect -u "$id:$sec" --data-urlencode "token=$tok" "$@"
}
revoke() {
	local id=$1 sec=$2 tok=$3
	shift 3
	api POST /oauth/revoke -u "$id:$sec" --data-urlencode "token=$tok" "$@"
}

# body_equals JSON: $body is that JSON document (key order aside).
body_equals() {
	printf '%s' "$body" | jq -e --argjson want "$1" '. == $want' >/dev/null &&
	    return 0
	echo "expected $(jq -cS . <<<"$1")"
	echo "got      $body"
	return 1
}

# inactive: the last answer is 200 and exactly {"active":false}.
inactive() {
	status_is 200 || return 1
	body_equals '{"active":false}'
}

# active: the last answer is 200 with "active": true.
active() {
	status_is 200 || return 1
	jq_is .active true
}

# oauth_error_is STATUS ERROR: an RFC 6749 5.2 error answer: JSON with
# exactly "error" and "error_description", never cached, and for a 401 a
# Basic challenge.
oauth_error_is() {
	status_is "$1" || return 1
	case "$(header Content-Type)" in
	application/json*) ;;
	*) echo "not JSON: $(header Content-Type): $body"; return 1 ;;
	esac
	printf '%s' "$body" | jq -e --arg e "$2" '(keys == ["error",
	    "error_description"]) and .error == $e and
	    (.error_description | type == "string" and length > 0)' \
	    >/dev/null || { echo "expected error $2, got: $body"; return 1; }
	[ "$(header Cache-Control)" = no-store ] || { echo "Cache-Control: $(header Cache-Control)"; return 1; }
	[ "$(printf '%s' "$headers" | grep -ci '^Pragma: no-cache')" = 1 ] ||
	    { echo "want one Pragma: no-cache in: $headers"; return 1; }
	if [ "$1" = 401 ]; then
		[[ "$(header WWW-Authenticate)" == Basic* ]] ||
		    { echo "no Basic challenge: $headers"; return 1; }
	fi
}

# b64url_dec: base64url on stdin to bytes on stdout.
b64url_dec() {
	local s
	s=$(tr '_-' '/+')
	while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done
	printf '%s' "$s" | base64 -d
}
b64url_enc() { base64 -w0 | tr '/+' '_-' | tr -d '='; }

# jwt_part TOKEN N: the JSON of part N (1 header, 2 claims).
jwt_part() { cut -d. -f"$2" <<<"$1" | b64url_dec; }

# issuer: the issuer the discovery document names.
issuer() { curl -sS "$XV_URL/.well-known/openid-configuration" | jq -r .issuer; }

# jose_verify TOKEN ISSUER: verifies TOKEN with python3-jwt against the
# JWKS (key by kid, ES256 only, iss, aud, exp); prints
# {"header":..., "claims":...} or fails.
jose_verify() {
	"$PYTHON" - "$XV_URL/.well-known/jwks.json" "$1" "$2" <<'PY'
import json, sys, jwt
url, tok, iss = sys.argv[1:4]
key = jwt.PyJWKClient(url).get_signing_key_from_jwt(tok)
claims = jwt.decode(tok, key.key, algorithms=["ES256"], issuer=iss,
    audience=iss, options={"require": ["iss", "sub", "aud", "exp", "iat",
    "jti"]})
print(json.dumps({"header": jwt.get_unverified_header(tok), "claims": claims}))
PY
}

# super_psql SQL: psql as the cluster's superuser (RLS does not apply);
# unaligned, tuples only.
super_psql() {
	(
		# shellcheck disable=SC1091
		. "$XV_STACK/secrets/secrets.env"
		PGPASSWORD=$PG_SUPER_PW psql -X -At -q -h "$XV_STACK/run" \
		    -p "$XV_PGPORT" -U postgres -d xavyo -c "$1"
	)
}

# json_is FILTER JSON: jq FILTER of $body is that JSON value.
json_is() {
	local got want
	got=$(printf '%s' "$body" | jq -cS "$1")
	want=$(jq -cS . <<<"$2")
	[ "$got" = "$want" ] && return 0
	echo "expected $1 = $want, got $got in: $body"
	return 1
}

# oauth_fcgi_start NAME [VAR=VALUE...]: starts a private oauth.fcgi of
# the stack on a socket of its own, with the given environment (such as
# XAVYO_ACCESS_TOKEN_TTL=1), to reach what the stack's configuration does
# not; sets FCGI_SOCK and FCGI_PID (stop it with oauth_fcgi_stop).
oauth_fcgi_start() {
	FCGI_SOCK=$BATS_FILE_TMPDIR/$1.sock
	shift
	rm -f "$FCGI_SOCK"
	env "$@" XAVYO_CONF="$XAVYO_CONF" "$XV_SRC/cgi-bin/oauth.fcgi" \
	    -s "$FCGI_SOCK" -c 1 >/dev/null 2>"$FCGI_SOCK.log" 3>&- &
	FCGI_PID=$!
	for _ in $(seq 1 50); do [ -S "$FCGI_SOCK" ] && return 0; sleep 0.1; done
	echo "oauth.fcgi did not start: $(cat "$FCGI_SOCK.log")"
	return 1
}
oauth_fcgi_stop() {
	[ -n "${FCGI_PID:-}" ] || return 0
	kill "$FCGI_PID" 2>/dev/null || true
	wait "$FCGI_PID" 2>/dev/null || true
	rm -f "$FCGI_SOCK"
}

# fcgi_api METHOD URI BODY [NAME=VALUE...]: one FastCGI request to
# FCGI_SOCK, with the given CGI parameters (HTTP_AUTHORIZATION=...);
# sets $status_code, $headers and $body like api.
fcgi_api() {
	local out
	out=$("$PYTHON" - "$FCGI_SOCK" "$@" <<'PY'
import socket, struct, sys
path, method, uri, body = sys.argv[1:5]
body = body.encode()
params = {"REQUEST_METHOD": method, "REQUEST_URI": uri,
    "SCRIPT_NAME": "", "SERVER_PROTOCOL": "HTTP/1.1",
    "CONTENT_LENGTH": str(len(body))}
if body:
    params["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
for kv in sys.argv[5:]:
    k, v = kv.split("=", 1)
    params[k] = v
def rec(t, c):
    return struct.pack("!BBHHBx", 1, t, 1, len(c), 0) + c
def ln(n):
    return bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)
pv = b"".join(ln(len(k)) + ln(len(v.encode())) + k.encode() + v.encode()
    for k, v in params.items())
s = socket.socket(socket.AF_UNIX)
s.connect(path)
s.sendall(rec(1, struct.pack("!HB5x", 1, 0)) + rec(4, pv) + rec(4, b"") +
    (rec(5, body) if body else b"") + rec(5, b""))
buf, out = b"", b""
while True:
    d = s.recv(65536)
    if not d:
        break
    buf += d
while len(buf) >= 8:
    _, t, _, n, pad = struct.unpack("!BBHHB", buf[:7])
    if t == 6:
        out += buf[8:8 + n]
    buf = buf[8 + n + pad:]
sys.stdout.write(out.decode().replace("\r\n", "\n"))
PY
)
	headers=${out%%$'\n\n'*}
	body=${out#*$'\n\n'}
	status_code=$(printf '%s' "$headers" | sed -n 's/^Status: \([0-9]*\).*/\1/p')
}

# oauth_procs: the pids of the stack's oauth.fcgi processes, in
# OAUTH_PROCS; proc_reads: their read(2) counts, one a line, which tell
# whether each process served a request in between.
oauth_procs() {
	mapfile -t OAUTH_PROCS < <(program_pids oauth)
	[ "${#OAUTH_PROCS[@]}" -ge 2 ] ||
	    { echo "want 2 or more oauth.fcgi processes: ${OAUTH_PROCS[*]}"; return 1; }
}
proc_reads() {
	local p
	for p in "${OAUTH_PROCS[@]}"; do awk '/^syscr/ {print $2}' "/proc/$p/io"; done
}
# all_served BEFORE...: every process read since proc_reads printed BEFORE.
all_served() {
	local i now before=("$@")
	mapfile -t now < <(proc_reads)
	for i in "${!OAUTH_PROCS[@]}"; do
		[ "${now[$i]}" -gt "${before[$i]}" ] || return 1
	done
}

# burst N DIR URL CURL-ARGS...: N requests of URL at once (one curl,
# parallel transfers), so that every process gets some; answer i in
# DIR/i, the statuses in DIR/status, one a line.
burst() {
	local n=$1 dir=$2 url=$3 i out=()
	shift 3
	for i in $(seq 1 "$n"); do out+=(-o "$dir/$i" "$url"); done
	curl -sS --no-progress-meter -Z --parallel-immediate --parallel-max "$n" \
	    -w '%{http_code}\n' "$@" "${out[@]}" >"$dir/status"
}

# helpers.bash: loaded by every Bats suite.  script/test exports XV_URL
# (the web server), XAVYO_CONF, XV_CTL (xavyoctl), XV_STACK (the stack's
# directory), XV_PGPORT and XV_SERVER (lighttpd or apache).

SYSTEM_TENANT_ID=00000000-0000-0000-0000-000000000001

# Why the guide's bodyless POST examples skip behind lighttpd.
LIGHTTPD_411="lighttpd 1.4.69 answers 411 to a POST with neither body nor Content-Length (curl -X POST without -d) before any program runs (README, Known limits); the same test runs this example as written behind Apache"

# A super admin's token, or with arguments: xavyoctl token ARGS.
token() { "$XV_CTL" token "$@"; }
# A tenant admin's token for tenant $1.
admin_token() { "$XV_CTL" token -t "$1" -r admin -s "admin-of-$1"; }

# api METHOD PATH [curl args...]: sets $status_code, $body and $headers.
api() {
	local m=$1 p=$2 out
	shift 2
	out=$(mktemp)
	headers=$(curl -sS -o "$out" -D - -X "$m" "$XV_URL$p" "$@")
	status_code=$(printf '%s' "$headers" | head -1 | cut -d' ' -f2)
	body=$(cat "$out")
	rm -f "$out"
}

# The value of header $1 in $headers (case-insensitive), without CR.
header() { printf '%s' "$headers" | grep -i "^$1:" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

# provision SLUG [NAME]: creates a tenant and prints its id.
provision() {
	curl -sS -X POST "$XV_URL/tenants/provision" \
	    -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(token)" \
	    -d "{\"name\":\"${2:-Tenant $1}\",\"slug\":\"$1\",\"plan\":\"free\"}" |
	    jq -r .id
}

# A slug no other test used.
uniq_slug() { echo "t-$1-$(date +%s%N | tail -c 9)$RANDOM"; }

# secret_of PROGRAM KEY: KEY of PROGRAM's secrets file (xavyo.conf(5),
# secrets_dir), which the tests, run as root or as the stack's user, read.
secret_of() {
	local dir
	dir=$(sed -n 's/^secrets_dir *= *//p' "$XAVYO_CONF")
	sed -n "s/^$2 *= *//p" "${dir:-$XV_STACK/secrets/programs}/$1.conf"
}

# psql as a given role of the stack (RLS tests): psql_as ROLE SQL
psql_as() {
	local role=$1 pw
	shift
	pw=$(secret_of "${role#xavyo_}" db_password)
	PGPASSWORD=$pw psql -X -At -q -h "$XV_STACK/run" -p "$XV_PGPORT" \
	    -U "$role" -d xavyo "$@"
}

# curl_as_written CURL-ARGS...: runs curl with exactly the arguments a
# guide shows (method, URL, headers, body) and only adds what captures
# the answer; sets $status_code, $body and $headers like api.
curl_as_written() {
	local out
	out=$(mktemp)
	headers=$(curl -sS -o "$out" -D - "$@")
	status_code=$(printf '%s' "$headers" | head -1 | cut -d' ' -f2)
	body=$(cat "$out")
	rm -f "$out"
}

# status_is CODE: the last answer had HTTP status CODE (else says what came).
status_is() {
	[ "$status_code" = "$1" ] && return 0
	echo "expected HTTP $1, got $status_code: $body"
	return 1
}

# jq_is FILTER VALUE: jq -r FILTER of $body prints VALUE.
jq_is() {
	local got
	got=$(printf '%s' "$body" | jq -r "$1")
	[ "$got" = "$2" ] && return 0
	echo "expected $1 = $2, got $got in: $body"
	return 1
}

# problem_is STATUS ERROR [FIELD]: the answer is an RFC 9457 problem
# (application/problem+json) with that status, machine code and, if
# given, field; without FIELD the problem must name no field.
problem_is() {
	status_is "$1" || return 1
	case "$(header Content-Type)" in
	application/problem+json*) ;;
	*) echo "not a problem: $(header Content-Type): $body"; return 1 ;;
	esac
	printf '%s' "$body" | jq -e --argjson s "$1" --arg e "$2" \
	    --arg f "${3-}" '.status == $s and .error == $e and
	    .type == "urn:xavyo:error:\($e)" and
	    (.title | type == "string" and length > 0) and
	    (.detail | type == "string" and length > 0) and
	    (if $f == "" then has("field") | not else .field == $f end)' \
	    >/dev/null && return 0
	echo "expected problem $1 $2 ${3-}, got: $body"
	return 1
}

# program_pids PROGRAM: the pids of the processes that serve PROGRAM
# (tenants, oauth, apikeys), one a line: lighttpd's children running it,
# or under Apache the children of its supervisor.
program_pids() {
	local parent
	# Behind either server, each program runs under its own supervisor.
	parent=$(cat "$XV_STACK/run/$1-fcgi.pid")
	ps -o pid= -o args= --ppid "$parent" |
	    awk -v p="/$1.fcgi" 'index($2, p) {print $1}'
}

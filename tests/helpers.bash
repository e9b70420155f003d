# helpers.bash: loaded by every Bats suite.  script/test exports XV_URL
# (the web server), XAVYO_CONF, XV_CTL (xavyoctl), XV_STACK (the stack's
# directory), XV_PGPORT and XV_SERVER (lighttpd or apache).

SYSTEM_TENANT_ID=00000000-0000-0000-0000-000000000001

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

# psql as a given role of the stack (RLS tests): psql_as ROLE SQL
psql_as() {
	local role=$1 pw
	shift
	pw=$(grep "^${role#xavyo_}.db_password" "$XAVYO_CONF" | cut -d= -f2 | tr -d ' ')
	PGPASSWORD=$pw psql -X -At -q -h "$XV_STACK/run" -p "$XV_PGPORT" \
	    -U "$role" -d xavyo "$@"
}

#!/usr/bin/env bats
# apikeys.bats: API keys (apikeys.fcgi) and authentication by key in the
# other admin programs: the guide's example as written, the scope rules,
# expiry and deletion, tenant isolation, usage counts, what the database
# keeps, and the error paths.
load helpers

setup_file() {
	A=$(provision "$(uniq_slug ka)" "Keys A")
	B=$(provision "$(uniq_slug kb)" "Keys B")
	export A B
	ADMIN_A=$(admin_token "$A")
	ADMIN_B=$(admin_token "$B")
	export ADMIN_A ADMIN_B
}

# mkkey TENANT JWT SCOPES-JSON [EXTRA-JSON]: creates a key, prints the
# whole answer.
mkkey() {
	curl -sS -X POST "$XV_URL/admin/api-keys" \
	    -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $2" -H "X-Tenant-ID: $1" \
	    -d "{\"name\":\"k\",\"scopes\":$3${4:+,$4}}"
}
# newkey TENANT JWT SCOPES-JSON [EXTRA-JSON]: prints only the key.
newkey() { mkkey "$@" | jq -r .key; }

# as_key KEY METHOD PATH [curl args]: a request authenticated by KEY.
as_key() {
	local k=$1 m=$2 p=$3
	shift 3
	api "$m" "$p" -H "X-API-Key: $k" "$@"
}

expect_status() {
	[ "$status_code" = "$1" ] && return 0
	echo "expected HTTP $1, got $status_code: $body"
	return 1
}

# expect_problem STATUS ERROR [FIELD]
expect_problem() {
	expect_status "$1" || return 1
	printf '%s' "$body" | jq -e --arg e "$2" --arg f "${3-}" \
	    '.error == $e and (if $f == "" then true else .field == $f end)' \
	    >/dev/null && return 0
	echo "expected error $2 ${3-}, got: $body"
	return 1
}

# total_usage ID: total_requests of the key, read with A's admin JWT.
total_usage() {
	curl -sS "$XV_URL/admin/api-keys/$1/usage" \
	    -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A" |
	    jq -r .total_requests
}

# wait_usage ID N: counts land just after each answer; give the last
# one a moment, then require exactly N.
wait_usage() {
	local i got
	for i in $(seq 1 30); do
		got=$(total_usage "$1")
		[ "$got" -ge "$2" ] && break
		sleep 0.1
	done
	sleep 0.3
	got=$(total_usage "$1")
	[ "$got" = "$2" ] || { echo "usage $got, expected $2"; return 1; }
}

# lacks NEEDLE FILE... / lacks_str NEEDLE STRING: NEEDLE is nowhere there.
lacks() { ! grep -rqF -- "$1" "${@:2}"; }
lacks_str() { ! grep -qF -- "$1" <<<"$2"; }

super_psql() {
	local pw
	pw=$(grep '^PG_SUPER_PW=' "$XV_STACK/secrets/secrets.env" | cut -d= -f2)
	PGPASSWORD=$pw psql -X -At -q -h "$XV_STACK/run" -p "$XV_PGPORT" \
	    -U postgres -d xavyo "$@"
}

@test "the guide's example creates a key, shown once with its prefix" {
	ADMIN_JWT=$ADMIN_A TENANT_ID=$A
	api POST /admin/api-keys \
	  -H "Content-Type: application/json" \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -d '{
	    "name": "CI/CD Pipeline Key",
	    "scopes": ["read", "write"],
	    "expires_at": "2027-01-01T00:00:00Z"
	  }'
	expect_status 201
	echo "$body" | jq -e '.name == "CI/CD Pipeline Key" and
	    .scopes == ["read", "write"] and
	    .expires_at == "2027-01-01T00:00:00Z" and
	    (.id | test("^[0-9a-f-]{36}$")) and
	    (.created_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")) and
	    (.key | test("^xavyo_ak_[A-Za-z0-9_-]{43}$")) and
	    (.key_prefix as $p | .key | startswith($p)) and
	    (.key_prefix | length) > 9'
	[ "$(header Location)" = "/admin/api-keys/$(echo "$body" | jq -r .id)" ]
	[ "$(header Cache-Control)" = no-store ]
}

@test "lists and gets show a key without the key itself" {
	k=$(mkkey "$A" "$ADMIN_A" '["read"]')
	id=$(echo "$k" | jq -r .id)
	api GET "/admin/api-keys/$id" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A"
	expect_status 200
	echo "$body" | jq -e --arg id "$id" '.id == $id and has("key") == false
	    and .scopes == ["read"] and .expires_at == null and
	    (.key_prefix | startswith("xavyo_ak_"))'
	api GET "/admin/api-keys?limit=100" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A"
	expect_status 200
	echo "$body" | jq -e --arg id "$id" '(.api_keys | map(.id) | index($id))
	    != null and ([.api_keys[] | has("key")] | any | not) and
	    .total == (.api_keys | length) and .limit == 100 and .offset == 0'
	api GET "/admin/api-keys?offset=100000" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A"
	expect_status 200
	echo "$body" | jq -e '.api_keys == [] and .total > 0'
}

@test "a key authenticates as a bearer token and as X-API-Key" {
	key=$(newkey "$A" "$ADMIN_A" '["read"]')
	api GET "/admin/tenants/$A/settings" -H "Authorization: Bearer $key" \
	    -H "X-Tenant-ID: $A"
	expect_status 200
	api GET "/admin/tenants/$A/settings" -H "X-API-Key: $key"
	expect_status 200
	echo "$body" | jq -e '.session_timeout_minutes == 30'
}

@test "a key fixes the tenant: X-Tenant-ID of another tenant is 403" {
	key=$(newkey "$A" "$ADMIN_A" '["read","admin"]')
	as_key "$key" GET "/admin/tenants/$B/settings" -H "X-Tenant-ID: $B"
	expect_problem 403 tenant_mismatch
	as_key "$key" GET /admin/api-keys -H "X-Tenant-ID: $B"
	expect_problem 403 tenant_mismatch
	as_key "$key" GET /admin/api-keys -H "X-Tenant-ID: $A"
	expect_status 200
	as_key "$key" GET /admin/api-keys
	expect_status 200
}

@test "tenants.fcgi: read key reads settings, cannot write; write key writes" {
	rk=$(newkey "$A" "$ADMIN_A" '["read"]')
	wk=$(newkey "$A" "$ADMIN_A" '["write"]')
	as_key "$rk" GET "/admin/tenants/$A/settings"
	expect_status 200
	as_key "$rk" PUT "/admin/tenants/$A/settings" \
	    -H "Content-Type: application/json" -d '{"require_mfa": true}'
	expect_problem 403 insufficient_scope
	as_key "$wk" PUT "/admin/tenants/$A/settings" \
	    -H "Content-Type: application/json" -d '{"session_timeout_minutes": 45}'
	expect_status 200
	echo "$body" | jq -e '.session_timeout_minutes == 45'
	as_key "$wk" GET "/admin/tenants/$A/settings"
	expect_problem 403 insufficient_scope
	# The change is audited under the key's name, not a user's.
	api GET "/admin/audit-logs?action=tenant.settings_updated" \
	    -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A"
	echo "$body" | jq -e '.audit_logs[0].actor | startswith("apikey:")'
}

@test "managing keys needs the admin scope; read and write keys get 403" {
	rk=$(newkey "$A" "$ADMIN_A" '["read"]')
	wk=$(newkey "$A" "$ADMIN_A" '["read","write"]')
	as_key "$rk" GET /admin/api-keys
	expect_problem 403 insufficient_scope
	as_key "$wk" POST /admin/api-keys -H "Content-Type: application/json" \
	    -d '{"name":"x","scopes":["read"]}'
	expect_problem 403 insufficient_scope
	as_key "$wk" POST /admin/api-keys/introspect \
	    -H "Content-Type: application/json" -d "{\"key\":\"$rk\"}"
	expect_problem 403 insufficient_scope
}

@test "an admin key creates narrower keys, never broader ones" {
	ak=$(newkey "$A" "$ADMIN_A" '["read","admin"]')
	as_key "$ak" POST /admin/api-keys -H "Content-Type: application/json" \
	    -d '{"name":"broader","scopes":["read","write"]}'
	expect_problem 403 insufficient_scope scopes
	as_key "$ak" POST /admin/api-keys -H "Content-Type: application/json" \
	    -d '{"name":"same","scopes":["admin","read"]}'
	expect_status 201
	as_key "$ak" POST /admin/api-keys -H "Content-Type: application/json" \
	    -d '{"name":"narrower","scopes":["read"]}'
	expect_status 201
	child=$(echo "$body" | jq -r .key)
	as_key "$child" GET "/admin/tenants/$A/settings"
	expect_status 200
}

@test "a key never reaches /system or /tenants/provision" {
	sk=$(newkey "$SYSTEM_TENANT_ID" "$(token)" '["read","write","admin"]')
	[ "${sk#xavyo_ak_}" != "$sk" ]
	as_key "$sk" GET /system/tenants
	expect_problem 403 forbidden
	as_key "$sk" GET "/system/tenants/$A"
	expect_problem 403 forbidden
	as_key "$sk" POST "/system/tenants/$A/suspend" -H 'Content-Length: 0'
	expect_problem 403 forbidden
	as_key "$sk" POST /tenants/provision -H "Content-Type: application/json" \
	    -d "{\"name\":\"x\",\"slug\":\"$(uniq_slug sys)\",\"plan\":\"free\"}"
	expect_problem 403 forbidden
	api GET /system/tenants -H "Authorization: Bearer $sk"
	expect_problem 403 forbidden
	# It still works where it belongs.
	as_key "$sk" GET /admin/api-keys
	expect_status 200
}

@test "an expired key fails, in SQL's judgement, and introspects inactive" {
	exp=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)
	k=$(mkkey "$A" "$ADMIN_A" '["read"]' "\"expires_at\":\"$exp\"")
	key=$(echo "$k" | jq -r .key)
	id=$(echo "$k" | jq -r .id)
	[ "$(echo "$k" | jq -r .expires_at)" = "$exp" ]
	as_key "$key" GET "/admin/tenants/$A/settings"
	expect_status 200
	sleep 3
	as_key "$key" GET "/admin/tenants/$A/settings"
	expect_problem 401 unauthorized
	[ -n "$(header WWW-Authenticate)" ]
	api POST /admin/api-keys/introspect -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A" -H "Content-Type: application/json" \
	    -d "{\"key\":\"$key\"}"
	expect_status 200
	[ "$(echo "$body" | jq -c .)" = '{"active":false}' ]
	# Expired keys stay listed (with their expiry) until deleted.
	api GET "/admin/api-keys/$id" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A"
	expect_status 200
}

@test "a deleted key fails on the very next request, in every process" {
	k=$(mkkey "$A" "$ADMIN_A" '["read","admin"]')
	key=$(echo "$k" | jq -r .key)
	id=$(echo "$k" | jq -r .id)
	for _ in 1 2 3 4; do
		as_key "$key" GET /admin/api-keys
		expect_status 200
		as_key "$key" GET "/admin/tenants/$A/settings"
		expect_status 200
	done
	api DELETE "/admin/api-keys/$id" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A"
	expect_status 204
	[ -z "$body" ]
	for _ in 1 2 3 4; do
		as_key "$key" GET /admin/api-keys
		expect_problem 401 unauthorized
		as_key "$key" GET "/admin/tenants/$A/settings"
		expect_problem 401 unauthorized
	done
	api GET "/admin/api-keys/$id" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A"
	expect_problem 404 not_found
	api GET "/admin/api-keys?limit=100" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A"
	echo "$body" | jq -e --arg id "$id" '.api_keys | map(.id) | index($id) == null'
	api DELETE "/admin/api-keys/$id" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A"
	expect_problem 404 not_found
}

@test "a key can delete itself, and is refused from then on" {
	k=$(mkkey "$A" "$ADMIN_A" '["admin"]')
	key=$(echo "$k" | jq -r .key)
	as_key "$key" DELETE "/admin/api-keys/$(echo "$k" | jq -r .id)"
	expect_status 204
	as_key "$key" GET /admin/api-keys
	expect_status 401
}

@test "introspection: active with details, else exactly {\"active\":false}" {
	k=$(mkkey "$A" "$ADMIN_A" '["read","write"]' '"expires_at":"2030-05-01T10:00:00Z"')
	key=$(echo "$k" | jq -r .key)
	introspect() {
		api POST /admin/api-keys/introspect -H "Authorization: Bearer $ADMIN_A" \
		    -H "X-Tenant-ID: $A" -H "Content-Type: application/json" \
		    -d "{\"key\":\"$1\"}"
	}
	introspect "$key"
	expect_status 200
	echo "$body" | jq -e --arg id "$(echo "$k" | jq -r .id)" --arg t "$A" \
	    '.active == true and .id == $id and .name == "k" and
	    .scopes == ["read","write"] and .tenant_id == $t and
	    .expires_at == "2030-05-01T10:00:00Z" and (.created_at | length) == 20
	    and (keys | length) == 7'
	for bad in nonsense "xavyo_ak_short" \
	    "xavyo_ak_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
	    "${key%?}!" "$key "; do
		introspect "$bad"
		expect_status 200
		[ "$(echo "$body" | jq -c .)" = '{"active":false}' ]
	done
}

@test "usage counts every request of a key, by day, exactly" {
	k=$(mkkey "$A" "$ADMIN_A" '["read","admin"]')
	key=$(echo "$k" | jq -r .key)
	id=$(echo "$k" | jq -r .id)
	wait_usage "$id" 0
	for _ in $(seq 1 7); do
		as_key "$key" GET "/admin/tenants/$A/settings"
	done
	for _ in $(seq 1 5); do
		as_key "$key" GET /admin/api-keys
	done
	# A refused request was still made with the key: it counts too.
	as_key "$key" PUT "/admin/tenants/$A/settings" \
	    -H "Content-Type: application/json" -d '{}'
	expect_problem 403 insufficient_scope
	wait_usage "$id" 13
	today=$(date -u +%Y-%m-%d)
	api GET "/admin/api-keys/$id/usage" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A"
	expect_status 200
	echo "$body" | jq -e --arg id "$id" --arg d "$today" '.key_id == $id and
	    .total_requests == 13 and (.daily | length) == 30 and
	    .daily[-1] == {"date": $d, "requests": 13} and .until == $d and
	    (.last_used_at | startswith($d))'
}

@test "usage counts concurrent requests without losing any" {
	k=$(mkkey "$A" "$ADMIN_A" '["read"]')
	key=$(echo "$k" | jq -r .key)
	id=$(echo "$k" | jq -r .id)
	seq 1 60 | xargs -P 8 -I{} curl -sS -o /dev/null \
	    "$XV_URL/admin/tenants/$A/settings" -H "X-API-Key: $key"
	wait_usage "$id" 60
}

@test "usage: a window of days, at most 90, and a key that never ran" {
	id=$(mkkey "$A" "$ADMIN_A" '["read"]' | jq -r .id)
	usage() {
		api GET "/admin/api-keys/$id/usage$1" -H "Authorization: Bearer $ADMIN_A" \
		    -H "X-Tenant-ID: $A"
	}
	usage '?since=2026-01-01&until=2026-01-31'
	expect_status 200
	echo "$body" | jq -e '.total_requests == 0 and .last_used_at == null and
	    (.daily | length) == 31 and .daily[0] == {"date": "2026-01-01", "requests": 0}
	    and .daily[30].date == "2026-01-31"'
	usage '?since=2026-01-01T23:59:59Z&until=2026-03-31T00:00:00%2B02:00'
	expect_status 200
	echo "$body" | jq -e '(.daily | length) == 89 and .until == "2026-03-30"'
	usage '?since=2026-01-01&until=2026-03-31'
	expect_status 200
	echo "$body" | jq -e '(.daily | length) == 90'
	usage '?since=2026-01-01&until=2026-04-01'
	expect_problem 400 validation_failed since
	usage '?since=2026-02-01&until=2026-01-01'
	expect_problem 400 validation_failed since
	usage '?since=yesterday'
	expect_problem 400 validation_failed since
	usage '?until=2026-13-01'
	expect_problem 400 validation_failed until
	usage '?until=2026-02-30'
	expect_problem 400 validation_failed until
}

@test "the database keeps only a keyed digest, never the key" {
	k=$(mkkey "$A" "$ADMIN_A" '["read"]')
	key=$(echo "$k" | jq -r .key)
	id=$(echo "$k" | jq -r .id)
	as_key "$key" GET "/admin/tenants/$A/settings"
	expect_status 200
	secret=$(secret_of apikeys api_key_secret)
	digest=$(printf '%s' "$key" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
	[ "$(super_psql -c "SELECT key_hash FROM api_keys WHERE id = '$id'")" = "$digest" ]
	dump=$(mktemp)
	pw=$(grep '^PG_SUPER_PW=' "$XV_STACK/secrets/secrets.env" | cut -d= -f2)
	PGPASSWORD=$pw pg_dump -h "$XV_STACK/run" -p "$XV_PGPORT" -U postgres \
	    xavyo > "$dump"
	grep -q "$digest" "$dump"
	lacks "${key#xavyo_ak_}" "$dump"
	lacks "${key:17}" "$dump"
	rm -f "$dump"
	# Nor do the logs, nor any answer but the first, hold key or digest.
	lacks "${key#xavyo_ak_}" "$XV_STACK/log"
	lacks "$digest" "$XV_STACK/log"
	for p in "/admin/api-keys/$id" "/admin/api-keys?limit=100" \
	    "/admin/api-keys/$id/usage" "/admin/audit-logs?resource_type=api_key&limit=100"; do
		api GET "$p" -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A"
		expect_status 200
		lacks_str "${key#xavyo_ak_}" "$body"
		lacks_str "$digest" "$body"
	done
}

@test "creating and deleting keys is audited without the key" {
	k=$(mkkey "$A" "$ADMIN_A" '["read"]')
	id=$(echo "$k" | jq -r .id)
	key=$(echo "$k" | jq -r .key)
	api DELETE "/admin/api-keys/$id" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A"
	expect_status 204
	api GET "/admin/audit-logs?resource_type=api_key&limit=100" \
	    -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A"
	expect_status 200
	echo "$body" | jq -e --arg id "$id" '
	    ([.audit_logs[] | select(.resource_id == $id) | .action] | sort) ==
	    ["api_key.created", "api_key.deleted"] and
	    ([.audit_logs[] | select(.resource_id == $id and .action == "api_key.created")
	    | .new_value | keys] == [["expires_at", "id", "name", "scopes"]])'
	lacks_str "${key:9:8}" "$body"
}

@test "an admin of tenant A cannot see, get, delete or introspect B's keys" {
	kb=$(mkkey "$B" "$ADMIN_B" '["read","admin"]')
	idb=$(echo "$kb" | jq -r .id)
	keyb=$(echo "$kb" | jq -r .key)
	before=$(curl -sS "$XV_URL/admin/api-keys?limit=100" \
	    -H "Authorization: Bearer $ADMIN_B" -H "X-Tenant-ID: $B")
	api GET /admin/api-keys -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $B"
	expect_problem 403 tenant_mismatch
	api GET "/admin/api-keys?limit=100" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A"
	expect_status 200
	echo "$body" | jq -e --arg id "$idb" '.api_keys | map(.id) | index($id) == null'
	api GET "/admin/api-keys/$idb" -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A"
	expect_problem 404 not_found
	api GET "/admin/api-keys/$idb/usage" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A"
	expect_problem 404 not_found
	api DELETE "/admin/api-keys/$idb" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A"
	expect_problem 404 not_found
	api DELETE "/admin/api-keys/$idb" -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $B"
	expect_problem 403 tenant_mismatch
	api POST /admin/api-keys/introspect -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A" -H "Content-Type: application/json" \
	    -d "{\"key\":\"$keyb\"}"
	[ "$(echo "$body" | jq -c .)" = '{"active":false}' ]
	# B is unchanged and its key still works.
	after=$(curl -sS "$XV_URL/admin/api-keys?limit=100" \
	    -H "Authorization: Bearer $ADMIN_B" -H "X-Tenant-ID: $B")
	[ "$before" = "$after" ]
	as_key "$keyb" GET /admin/api-keys
	expect_status 200
}

@test "row-level security: only the lookup function sees across tenants" {
	key=$(newkey "$A" "$ADMIN_A" '["read","write"]')
	secret=$(secret_of apikeys api_key_secret)
	digest=$(printf '%s' "$key" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
	[ "$(psql_as xavyo_apikeys -c 'SELECT count(*) FROM api_keys')" = 0 ]
	[ "$(psql_as xavyo_apikeys -c 'SELECT count(*) FROM api_key_usage')" = 0 ]
	run psql_as xavyo_tenants -c 'SELECT count(*) FROM api_keys'
	[ "$status" -ne 0 ]
	run psql_as xavyo_apikeys -c 'DELETE FROM api_keys'
	[ "$status" -ne 0 ]
	run psql_as xavyo_apikeys -c "UPDATE api_keys SET scopes = '{admin}'"
	[ "$status" -ne 0 ]
	run psql_as xavyo_apikeys -c "INSERT INTO api_key_usage VALUES (gen_random_uuid(), '$A', current_date, 0, 1, now())"
	[ "$status" -ne 0 ]
	got=$(psql_as xavyo_tenants -c "SELECT tenant_id, scopes FROM xv_api_key_lookup('$digest')")
	[ "$got" = "$A|read write" ]
	[ -z "$(psql_as xavyo_tenants -c "SELECT * FROM xv_api_key_lookup('${digest%?}x')")" ]
	# The function runs with a fixed search_path, as xavyo_lookup.
	super_psql -c "SELECT proconfig::text, pg_get_userbyid(proowner), prosecdef
	    FROM pg_proc WHERE proname = 'xv_api_key_lookup'" |
	    grep -q '^{"search_path=public, pg_temp"}|xavyo_lookup|t$'
	super_psql -c "SELECT relforcerowsecurity FROM pg_class
	    WHERE relname IN ('api_keys', 'api_key_usage')" | sort -u | grep -qx t
}

@test "a suspended tenant's keys stop working, and work after reactivation" {
	S=$(provision "$(uniq_slug ks)" "Keys S")
	key=$(newkey "$S" "$(admin_token "$S")" '["read"]')
	as_key "$key" GET "/admin/tenants/$S/settings"
	expect_status 200
	api POST "/system/tenants/$S/suspend" -H "Authorization: Bearer $(token)" \
	    -H 'Content-Length: 0'
	expect_status 200
	as_key "$key" GET "/admin/tenants/$S/settings"
	expect_problem 403 tenant_suspended
	api POST "/system/tenants/$S/reactivate" -H "Authorization: Bearer $(token)" \
	    -H 'Content-Length: 0'
	expect_status 200
	as_key "$key" GET "/admin/tenants/$S/settings"
	expect_status 200
}

@test "bad bodies are 400 naming the field" {
	post() {
		api POST /admin/api-keys -H "Authorization: Bearer $ADMIN_A" \
		    -H "X-Tenant-ID: $A" -H "Content-Type: application/json" -d "$1"
	}
	post '{"name":"x","scopes":["read"],"expire_at":"2030-01-01T00:00:00Z"}'
	expect_problem 400 unknown_field expire_at
	post '{"scopes":["read"]}'
	expect_problem 400 validation_failed name
	post '{"name":"","scopes":["read"]}'
	expect_problem 400 validation_failed name
	post "{\"name\":\"$(printf 'n%.0s' $(seq 1 201))\",\"scopes\":[\"read\"]}"
	expect_problem 400 validation_failed name
	post "{\"name\":\"$(printf 'é%.0s' $(seq 1 200))\",\"scopes\":[\"read\"]}"
	expect_status 201
	post '{"name":"x"}'
	expect_problem 400 validation_failed scopes
	post '{"name":"x","scopes":[]}'
	expect_problem 400 validation_failed scopes
	post '{"name":"x","scopes":["read","superuser"]}'
	expect_problem 400 validation_failed 'scopes[1]'
	post '{"name":"x","scopes":["read","read"]}'
	expect_problem 400 validation_failed scopes
	post '{"name":"x","scopes":"read"}'
	expect_problem 400 validation_failed scopes
	post '{"name":"x","scopes":["read"],"expires_at":"2020-01-01T00:00:00Z"}'
	expect_problem 400 validation_failed expires_at
	post '{"name":"x","scopes":["read"],"expires_at":"2030-01-01"}'
	expect_problem 400 validation_failed expires_at
	post '{"name":"x","scopes":["read"],"expires_at":null}'
	expect_problem 400 validation_failed expires_at
	post '{"name":"x","scopes":["read"],"expires_at":"2030-01-01T00:00:00+02:00"}'
	expect_status 201
	echo "$body" | jq -e '.expires_at == "2029-12-31T22:00:00Z"'
	post '{"name":"x",'
	expect_problem 400 invalid_json
	post '["read"]'
	expect_problem 400 invalid_json
	api POST /admin/api-keys/introspect -H "Authorization: Bearer $ADMIN_A" \
	    -H "X-Tenant-ID: $A" -H "Content-Type: application/json" -d '{"token":"x"}'
	expect_problem 400 unknown_field token
}

@test "no credential, a bad key or two credentials: 401 and 400" {
	api GET /admin/api-keys -H "X-Tenant-ID: $A"
	expect_problem 401 unauthorized
	[ -n "$(header WWW-Authenticate)" ]
	api GET /admin/api-keys -H "X-API-Key: xavyo_ak_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	expect_problem 401 unauthorized
	api GET /admin/api-keys -H "X-API-Key: not-a-key" -H "X-Tenant-ID: $A"
	expect_problem 401 unauthorized
	api GET /admin/api-keys -H "Authorization: Bearer xavyo_ak_nope"
	expect_problem 401 unauthorized
	key=$(newkey "$A" "$ADMIN_A" '["admin"]')
	api GET /admin/api-keys -H "X-API-Key: $key" -H "Authorization: Bearer $ADMIN_A"
	expect_problem 400 invalid_request
	api GET /admin/api-keys -H "Authorization: Bearer $ADMIN_A"
	expect_problem 400 tenant_required
	api GET /admin/api-keys -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: nope"
	expect_problem 400 invalid_tenant_id
	user=$("$XV_CTL" token -t "$A" -r user -s some-user)
	api GET /admin/api-keys -H "Authorization: Bearer $user" -H "X-Tenant-ID: $A"
	expect_problem 403 forbidden
}

@test "unknown keys 404, wrong methods 405, big bodies 413, wrong types 415" {
	auth=(-H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A")
	api GET /admin/api-keys/00000000-0000-4000-8000-000000000000 "${auth[@]}"
	expect_problem 404 not_found
	api GET /admin/api-keys/not-a-uuid "${auth[@]}"
	expect_problem 404 not_found
	api GET /admin/api-keys/not-a-uuid/usage "${auth[@]}"
	expect_problem 404 not_found
	api PUT /admin/api-keys/00000000-0000-4000-8000-000000000000 "${auth[@]}"
	expect_problem 405 method_not_allowed
	[ "$(header Allow)" = "GET, DELETE" ]
	api DELETE /admin/api-keys "${auth[@]}"
	expect_problem 405 method_not_allowed
	[ "$(header Allow)" = "GET, POST" ]
	api GET /admin/api-keys/introspect/more "${auth[@]}"
	expect_problem 404 not_found
	big=$(mktemp)
	head -c 70000 /dev/zero | tr '\0' a | sed 's/.*/{"name":"&","scopes":["read"]}/' > "$big"
	api POST /admin/api-keys "${auth[@]}" -H "Content-Type: application/json" \
	    --data-binary "@$big"
	rm -f "$big"
	expect_problem 413 payload_too_large
	api POST /admin/api-keys "${auth[@]}" -H "Content-Type: text/plain" \
	    -d '{"name":"x","scopes":["read"]}'
	expect_problem 415 unsupported_media_type
	api POST /admin/api-keys/introspect "${auth[@]}" \
	    -H "Content-Type: application/x-www-form-urlencoded" -d 'key=x'
	expect_problem 415 unsupported_media_type
}

@test "oauth.fcgi's admin routes take API keys with the scopes the route declares" {
	local rk wk ak c id
	rk=$(newkey "$A" "$ADMIN_A" '["read"]')
	wk=$(newkey "$A" "$ADMIN_A" '["read","write"]')
	ak=$(newkey "$A" "$ADMIN_A" '["read","write","admin"]')
	c='{"name":"K","client_type":"confidential","grant_types":["client_credentials"],"scopes":["read"]}'
	# creating a client makes a secret: that needs admin
	as_key "$wk" POST /admin/oauth/clients -H "Content-Type: application/json" -d "$c"
	expect_problem 403 insufficient_scope
	as_key "$ak" POST /admin/oauth/clients -H "Content-Type: application/json" -d "$c"
	expect_status 200
	id=$(echo "$body" | jq -r .id)
	as_key "$rk" GET "/admin/oauth/clients/$id"
	expect_status 200
	[ "$(echo "$body" | jq -r .client_secret)" = null ]
	as_key "$rk" PUT "/admin/oauth/clients/$id" -H "Content-Type: application/json" -d '{"name":"K2"}'
	expect_problem 403 insufficient_scope
	as_key "$wk" PUT "/admin/oauth/clients/$id" -H "Content-Type: application/json" -d '{"name":"K2"}'
	expect_status 200
	as_key "$wk" POST "/admin/oauth/clients/$id/regenerate-secret" -H "Content-Length: 0"
	expect_problem 403 insufficient_scope
	as_key "$ak" POST "/admin/oauth/clients/$id/regenerate-secret" -H "Content-Length: 0"
	expect_status 200
	# and never the super admin's key routes
	as_key "$ak" GET /admin/keys
	expect_problem 403 forbidden
}

@test "an API key of tenant A cannot reach tenant B's OAuth clients" {
	local ak
	ak=$(newkey "$A" "$ADMIN_A" '["read","write","admin"]')
	as_key "$ak" GET /admin/oauth/clients -H "X-Tenant-ID: $B"
	expect_problem 403 tenant_mismatch
}

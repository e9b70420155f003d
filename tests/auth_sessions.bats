#!/usr/bin/env bats
# auth_sessions.bats: an access token holds while its session does.  For
# each way a session ends (logout with either token, the session cap,
# the idle timeout, the user's disabling, a rotated refresh token
# presented again, a password change, the tenant's suspension), the
# login token that worked a request before is refused on the next one by
# every program (tenants.fcgi, oauth.fcgi, apikeys.fcgi, auth.fcgi) and
# introspects {"active": false} at /oauth/introspect, where it was
# active.  And a client of another tenant never sees it active.
load helpers
load auth_helpers

setup_file() {
	A=$(provision "$(uniq_slug sa)" "Sessions A")
	B=$(provision "$(uniq_slug sb)" "Sessions B")
	export A B
	# a client of each tenant, to introspect with
	export CA CB
	CA=$(client_of "$A")
	CB=$(client_of "$B")
}

# client_of TENANT: "id:secret" of a new confidential client there.
client_of() {
	curl -sS -X POST "$XV_URL/admin/oauth/clients" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(admin_token "$1")" -H "X-Tenant-ID: $1" \
	    -d '{"name":"rs","client_type":"confidential","grant_types":["client_credentials"],"scopes":["read"]}' |
	    jq -r '.client_id + ":" + .client_secret'
}

# signin TENANT: a new admin user of TENANT logs in; sets E (email), ID,
# TOK (access token), RT (refresh token).
signin() {
	E=$(addr)
	ID=$(mkuser "$1" "$E" '["admin"]')
	login "$1" "$E" "$PW"
	status_is 200 || return 1
	TOK=$(printf '%s' "$body" | jq -r .access_token)
	RT=$(printf '%s' "$body" | jq -r .refresh_token)
}

# introspect CLIENT TOKEN: prints the answer's "active".
introspect() {
	curl -sS -X POST "$XV_URL/oauth/introspect" -u "$1" \
	    --data-urlencode "token=$2" | jq -r .active
}

# everywhere TENANT TOKEN STATUS ACTIVE: each program answers TOKEN with
# STATUS, and A's client introspects it as ACTIVE.
everywhere() {
	local t=$1 tok=$2 want=$3 act=$4 p
	for p in "/admin/tenants/$t/settings" /admin/oauth/clients /admin/api-keys /auth/me; do
		api GET "$p" -H "Authorization: Bearer $tok" -H "X-Tenant-ID: $t"
		[ "$status_code" = "$want" ] || { echo "GET $p: $status_code, not $want: $body"; return 1; }
	done
	[ "$(introspect "$CA" "$tok")" = "$act" ] || { echo "introspection: not $act"; return 1; }
}

@test "a live login token works in every program and introspects active, with its user and session" {
	signin "$A"
	everywhere "$A" "$TOK" 200 true
	api POST /oauth/introspect -u "$CA" --data-urlencode "token=$TOK"
	status_is 200
	jq_is .sub "$ID"
	jq_is .client_id xavyo-login
	jq_is .tid "$A"
	jq_is .token_type Bearer
	# the same token, introspected by another tenant's client: inactive
	[ "$(introspect "$CB" "$TOK")" = false ]
	api POST /oauth/introspect -u "$CB" --data-urlencode "token=$TOK"
	[ "$body" = '{"active":false}' ]
}

@test "logout with the access token: refused everywhere, introspects inactive" {
	signin "$A"
	everywhere "$A" "$TOK" 200 true
	api POST /auth/logout -H "Authorization: Bearer $TOK" -H "Content-Length: 0"
	status_is 204
	everywhere "$A" "$TOK" 401 false
}

@test "an ended session's token: the 401 before anything else, with its challenge, and a write with it changes nothing" {
	local n a
	signin "$A"
	api POST /auth/logout -H "Authorization: Bearer $TOK" -H "Content-Length: 0"
	status_is 204
	# The session is checked with the tenant, in the handler's first
	# statement; the answer is the one it was when checked alone.
	api GET /admin/oauth/clients -H "Authorization: Bearer $TOK" -H "X-Tenant-ID: $A"
	problem_is 401 unauthorized
	jq_is .detail "invalid or expired token"
	[ "$(header WWW-Authenticate)" = 'Bearer realm="xavyo", error="invalid_token"' ]
	api GET /auth/me -H "Authorization: Bearer $TOK"
	problem_is 401 invalid_token
	jq_is .detail "invalid, expired or ended token"
	[ "$(header WWW-Authenticate)" = 'Bearer realm="xavyo", error="invalid_token"' ]
	# Another tenant's header, an unknown one, a malformed one: still the 401.
	api GET /admin/oauth/clients -H "Authorization: Bearer $TOK" -H "X-Tenant-ID: $B"
	problem_is 401 unauthorized
	api GET /admin/oauth/clients -H "Authorization: Bearer $TOK" \
	    -H "X-Tenant-ID: 00000000-0000-4000-8000-000000000000"
	problem_is 401 unauthorized
	api GET /admin/oauth/clients -H "Authorization: Bearer $TOK" -H "X-Tenant-ID: nope"
	problem_is 401 unauthorized
	# A write: the handler's INSERT went with the check, and rolled back.
	n=$(super_psql -Atc "SELECT count(*) FROM oauth_clients WHERE tenant_id = '$A'")
	a=$(super_psql -Atc "SELECT count(*) FROM audit_events WHERE tenant_id = '$A'")
	api POST /admin/oauth/clients -H "Authorization: Bearer $TOK" -H "X-Tenant-ID: $A" \
	    -H "Content-Type: application/json" \
	    -d '{"name":"ghost","client_type":"confidential","grant_types":["client_credentials"],"scopes":["read"]}'
	problem_is 401 unauthorized
	[ "$(super_psql -Atc "SELECT count(*) FROM oauth_clients WHERE tenant_id = '$A'")" = "$n" ]
	[ "$(super_psql -Atc "SELECT count(*) FROM audit_events WHERE tenant_id = '$A'")" = "$a" ]
}

@test "logout with the refresh token: refused everywhere, introspects inactive" {
	signin "$A"
	api POST /auth/logout -H "Content-Type: application/json" -d "{\"refresh_token\":\"$RT\"}"
	status_is 204
	everywhere "$A" "$TOK" 401 false
}

@test "the session cap: the evicted session's token is refused everywhere, the new one works" {
	local T C first
	T=$(provision "$(uniq_slug sc)" "Sessions cap")
	settings "$T" '{"max_sessions_per_user":1}'
	C=$(client_of "$T")
	signin "$T"
	first=$TOK
	[ "$(introspect "$C" "$first")" = true ]
	login "$T" "$E" "$PW"
	status_is 200
	TOK=$(printf '%s' "$body" | jq -r .access_token)
	CA=$C everywhere "$T" "$first" 401 false
	CA=$C everywhere "$T" "$TOK" 200 true
}

@test "the idle timeout: a session unused for session_timeout_minutes ends its access token too" {
	local sid
	signin "$A"
	sid=$(claims "$TOK" | jq -r .sid)
	super_psql -c "UPDATE sessions SET last_used_at = now() - interval '29 minutes' WHERE id = '$sid'"
	everywhere "$A" "$TOK" 200 true
	super_psql -c "UPDATE sessions SET last_used_at = now() - interval '31 minutes' WHERE id = '$sid'"
	everywhere "$A" "$TOK" 401 false
}

@test "the idle timeout is the tenant's: a shorter session_timeout_minutes ends sessions sooner" {
	local T C sid
	T=$(provision "$(uniq_slug si)" "Sessions idle")
	settings "$T" '{"session_timeout_minutes":5}'
	C=$(client_of "$T")
	signin "$T"
	sid=$(claims "$TOK" | jq -r .sid)
	super_psql -c "UPDATE sessions SET last_used_at = now() - interval '4 minutes' WHERE id = '$sid'"
	CA=$C everywhere "$T" "$TOK" 200 true
	# a refresh moves the session on, and its new token works
	api POST /auth/refresh -H "Content-Type: application/json" -d "{\"refresh_token\":\"$RT\"}"
	status_is 200
	TOK=$(printf '%s' "$body" | jq -r .access_token)
	super_psql -c "UPDATE sessions SET last_used_at = now() - interval '6 minutes' WHERE id = '$sid'"
	CA=$C everywhere "$T" "$TOK" 401 false
}

@test "an admin disables the user: the user's tokens are refused everywhere" {
	signin "$A"
	everywhere "$A" "$TOK" 200 true
	api DELETE "/admin/users/$ID" -H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A"
	status_is 204
	everywhere "$A" "$TOK" 401 false
}

@test "PUT status disabled ends the sessions as DELETE does" {
	signin "$A"
	api PUT "/admin/users/$ID" -H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A" \
	    -H "Content-Type: application/json" -d '{"status":"disabled"}'
	status_is 200
	everywhere "$A" "$TOK" 401 false
}

@test "a rotated refresh token presented again: the session's newest access token is refused everywhere" {
	local t2
	signin "$A"
	api POST /auth/refresh -H "Content-Type: application/json" -d "{\"refresh_token\":\"$RT\"}"
	status_is 200
	t2=$(printf '%s' "$body" | jq -r .access_token)
	everywhere "$A" "$t2" 200 true
	api POST /auth/refresh -H "Content-Type: application/json" -d "{\"refresh_token\":\"$RT\"}"
	problem_is 401 invalid_token
	everywhere "$A" "$t2" 401 false
	everywhere "$A" "$TOK" 401 false
}

@test "a password change: the user's other sessions are refused everywhere, the changing one holds" {
	local other
	signin "$A"
	other=$TOK
	login "$A" "$E" "$PW"
	TOK=$(printf '%s' "$body" | jq -r .access_token)
	api POST /auth/password -H "Authorization: Bearer $TOK" -H "Content-Type: application/json" \
	    -d "{\"current_password\":\"$PW\",\"new_password\":\"Changed-Pass9\"}"
	status_is 204
	everywhere "$A" "$other" 401 false
	everywhere "$A" "$TOK" 200 true
}

@test "a suspended tenant: its users' tokens are refused and introspect inactive, also after reactivation" {
	local T C
	T=$(provision "$(uniq_slug ss)" "Sessions suspended")
	C=$(client_of "$T")
	signin "$T"
	CA=$C everywhere "$T" "$TOK" 200 true
	api POST "/system/tenants/$T/suspend" -H "Authorization: Bearer $(token)" -H "Content-Length: 0"
	status_is 200
	[ "$(introspect "$C" "$TOK")" = false ]
	api GET /auth/me -H "Authorization: Bearer $TOK"
	[ "$status_code" = 401 ] || [ "$status_code" = 403 ]
	api POST "/system/tenants/$T/reactivate" -H "Authorization: Bearer $(token)" -H "Content-Length: 0"
	status_is 200
	CA=$C everywhere "$T" "$TOK" 401 false
}

@test "a login token cannot be revoked by a client at /oauth/revoke, and stays active" {
	signin "$A"
	api POST /oauth/revoke -u "$CA" --data-urlencode "token=$TOK"
	[ "$status_code" = 400 ] || [ "$status_code" = 200 ]
	[ "$(introspect "$CA" "$TOK")" = true ]
}

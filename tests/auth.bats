#!/usr/bin/env bats
# auth.bats: auth.fcgi against the real stack: login and its tokens,
# tenant isolation, the rate limit, lockout and unlock, the session cap,
# idle timeout, refresh rotation and reuse detection, logout in every
# program, the password policy and history, expired passwords,
# require_mfa with TOTP, the users admin API, and who may read secrets.
load helpers
load auth_helpers

setup_file() {
	A=$(provision "$(uniq_slug aa)" "Auth A")
	B=$(provision "$(uniq_slug ab)" "Auth B")
	export A B
	ADMIN_A=$(admin_token "$A")
	ADMIN_B=$(admin_token "$B")
	export ADMIN_A ADMIN_B
}

@test "login answers an RFC 9068 token pair of the xavyo-login client" {
	local e id c
	e=$(addr)
	id=$(mkuser "$A" "$e")
	login "$A" "$e" "$PW"
	status_is 200
	jq_is .token_type Bearer
	jq_is .expires_in 900
	[ "$(printf '%s' "$body" | jq -r '.refresh_token | length')" -gt 40 ]
	c=$(claims "$(printf '%s' "$body" | jq -r .access_token)")
	[ "$(jwt_header "$(printf '%s' "$body" | jq -r .access_token)" | jq -r .typ)" = at+jwt ]
	[ "$(printf '%s' "$c" | jq -r .client_id)" = xavyo-login ]
	[ "$(printf '%s' "$c" | jq -r .sub)" = "$id" ]
	[ "$(printf '%s' "$c" | jq -r .tid)" = "$A" ]
	[ "$(printf '%s' "$c" | jq -r .email)" = "$e" ]
	[ "$(printf '%s' "$c" | jq -c .amr)" = '["pwd"]' ]
	[ "$(printf '%s' "$c" | jq -r '.sid | length')" = 36 ]
	[ "$(header Cache-Control)" = no-store ]
}

@test "GET /auth/me answers the user, without X-Tenant-ID" {
	local e tok
	e=$(addr)
	mkuser "$A" "$e" '["user"]' >/dev/null
	login "$A" "$e" "$PW"
	tok=$(printf '%s' "$body" | jq -r .access_token)
	api GET /auth/me -H "Authorization: Bearer $tok"
	status_is 200
	jq_is .email "$e"
	jq_is .status active
	jq_is .mfa_enabled false
	jq_is '.roles | join(",")' user
	[ "$(printf '%s' "$body" | jq -r .last_login_at)" != null ]
	printf '%s' "$body" | jq -e 'has("password_hash") | not' >/dev/null
}

@test "unknown email and wrong password answer alike: 401 invalid_credentials" {
	local e a1 a2
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	login "$A" "$e" "Wrong-Pass1"
	problem_is 401 invalid_credentials
	a1=$(printf '%s' "$body" | jq -c 'del(.detail)')
	login "$A" "nobody-$e" "Wrong-Pass1"
	problem_is 401 invalid_credentials
	a2=$(printf '%s' "$body" | jq -c 'del(.detail)')
	[ "$a1" = "$a2" ]
}

@test "login without X-Tenant-ID is 400 tenant_required; bad JSON fields are 400" {
	api POST /auth/login -H "Content-Type: application/json" \
	    -d '{"email":"a@example.com","password":"x"}'
	problem_is 400 tenant_required
	api POST /auth/login -H "Content-Type: application/json" -H "X-Tenant-ID: $A" \
	    -d '{"email":"a@example.com","password":"x","pasword":"y"}'
	status_is 400
	jq_is .error unknown_field
	api GET /auth/login
	status_is 405
}

@test "a user of tenant A cannot log in to tenant B" {
	local e
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	login "$B" "$e" "$PW"
	problem_is 401 invalid_credentials
}

@test "A's admin login token reads A's users and cannot read B's" {
	local e tok
	e=$(addr)
	mkuser "$A" "$e" '["admin"]' >/dev/null
	login "$A" "$e" "$PW"
	tok=$(printf '%s' "$body" | jq -r .access_token)
	api GET "/admin/users?email=$e" -H "Authorization: Bearer $tok" -H "X-Tenant-ID: $A"
	status_is 200
	jq_is .total 1
	jq_is '.users[0].email' "$e"
	api GET /admin/users -H "Authorization: Bearer $tok" -H "X-Tenant-ID: $B"
	problem_is 403 tenant_mismatch
	# and the other programs take the login token too
	api GET /admin/api-keys -H "Authorization: Bearer $tok" -H "X-Tenant-ID: $A"
	status_is 200
}

@test "a plain user's login token gets no /admin access (403)" {
	local e tok
	e=$(addr)
	mkuser "$A" "$e" '["user"]' >/dev/null
	login "$A" "$e" "$PW"
	tok=$(printf '%s' "$body" | jq -r .access_token)
	api GET /admin/users -H "Authorization: Bearer $tok" -H "X-Tenant-ID: $A"
	problem_is 403 forbidden
}

@test "rate limit: the 5th attempt in 60 s is checked, the 6th is 429 with Retry-After" {
	local e i ra
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	settings "$A" '{"lockout_policy":{"max_attempts":100}}'
	for i in 1 2 3 4; do
		login "$A" "$e" "Wrong-Pass1"
		problem_is 401 invalid_credentials
	done
	login "$A" "$e" "$PW"
	status_is 200
	login "$A" "$e" "$PW"
	problem_is 429 rate_limited
	ra=$(header Retry-After)
	[ "$ra" -ge 1 ] && [ "$ra" -le 60 ]
	# another email from the same address is not limited
	login "$A" "other-$e" "$PW"
	problem_is 401 invalid_credentials
	settings "$A" '{"lockout_policy":{"max_attempts":5}}'
}

@test "lockout: max_attempts wrong passwords lock the account; an admin unlocks it" {
	local e id
	e=$(addr)
	id=$(mkuser "$B" "$e")
	settings "$B" '{"lockout_policy":{"max_attempts":3,"lockout_duration_minutes":15}}'
	for i in 1 2 3; do
		login "$B" "$e" "Wrong-Pass1"
		problem_is 401 invalid_credentials
	done
	login "$B" "$e" "$PW"
	problem_is 401 invalid_credentials
	api POST "/admin/users/$id/unlock" -H "Authorization: Bearer $ADMIN_B" -H "X-Tenant-ID: $B" -H "Content-Length: 0"
	status_is 200
	jq_is .id "$id"
	login "$B" "$e" "$PW"
	status_is 200
}

@test "lockout: max_attempts - 1 wrong passwords do not lock, and a success resets the count" {
	local e
	e=$(addr)
	mkuser "$B" "$e" >/dev/null
	settings "$B" '{"lockout_policy":{"max_attempts":3}}'
	login "$B" "$e" "Wrong-Pass1"
	login "$B" "$e" "Wrong-Pass1"
	login "$B" "$e" "$PW"
	status_is 200
	login "$B" "$e" "Wrong-Pass1"
	login "$B" "$e" "$PW"
	status_is 200
}

@test "session cap: the login beyond max_sessions_per_user ends the oldest session" {
	local e t1 r1 t2 r2
	e=$(addr)
	mkuser "$B" "$e" >/dev/null
	settings "$B" '{"max_sessions_per_user":2}'
	login "$B" "$e" "$PW"
	t1=$(printf '%s' "$body" | jq -r .access_token)
	r1=$(printf '%s' "$body" | jq -r .refresh_token)
	login "$B" "$e" "$PW"
	t2=$(printf '%s' "$body" | jq -r .access_token)
	api GET /auth/me -H "Authorization: Bearer $t1"
	status_is 200
	login "$B" "$e" "$PW"
	status_is 200
	api GET /auth/me -H "Authorization: Bearer $t1"
	status_is 401
	api POST /auth/refresh -H "Content-Type: application/json" -d "{\"refresh_token\":\"$r1\"}"
	problem_is 401 invalid_token
	api GET /auth/me -H "Authorization: Bearer $t2"
	status_is 200
	settings "$B" '{"max_sessions_per_user":10}'
}

@test "session cap at the default of 10: the 10th session ends none, the 11th login ends the 1st" {
	local e id first
	e=$(addr)
	id=$(mkuser "$A" "$e")
	# nine older sessions, the first the oldest (logins would meet the rate limit)
	super_psql -c "INSERT INTO sessions (tenant_id, user_id, created_at) SELECT '$A', '$id', now() - make_interval(mins => 20 - g) FROM generate_series(1, 9) g"
	first=$(super_psql -c "SELECT id FROM sessions WHERE user_id = '$id' ORDER BY created_at LIMIT 1")
	login "$A" "$e" "$PW"
	status_is 200
	[ "$(super_psql -c "SELECT count(*) FROM sessions WHERE user_id = '$id' AND ended_at IS NULL")" = 10 ]
	login "$A" "$e" "$PW"
	status_is 200
	[ "$(super_psql -c "SELECT count(*) FROM sessions WHERE user_id = '$id' AND ended_at IS NULL")" = 10 ]
	[ "$(super_psql -c "SELECT end_reason FROM sessions WHERE id = '$first'")" = evicted ]
}

@test "refresh rotates; a rotated refresh token presented again ends the session" {
	local e r1 r2 t2
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	login "$A" "$e" "$PW"
	r1=$(printf '%s' "$body" | jq -r .refresh_token)
	api POST /auth/refresh -H "Content-Type: application/json" -d "{\"refresh_token\":\"$r1\"}"
	status_is 200
	r2=$(printf '%s' "$body" | jq -r .refresh_token)
	t2=$(printf '%s' "$body" | jq -r .access_token)
	[ "$r1" != "$r2" ]
	api GET /auth/me -H "Authorization: Bearer $t2"
	status_is 200
	api POST /auth/refresh -H "Content-Type: application/json" -d "{\"refresh_token\":\"$r1\"}"
	problem_is 401 invalid_token
	api POST /auth/refresh -H "Content-Type: application/json" -d "{\"refresh_token\":\"$r2\"}"
	problem_is 401 invalid_token
	api GET /auth/me -H "Authorization: Bearer $t2"
	status_is 401
}

@test "refresh with X-Tenant-ID of another tenant is 403 tenant_mismatch; garbage is 401" {
	local e r
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	login "$A" "$e" "$PW"
	r=$(printf '%s' "$body" | jq -r .refresh_token)
	api POST /auth/refresh -H "Content-Type: application/json" -H "X-Tenant-ID: $B" \
	    -d "{\"refresh_token\":\"$r\"}"
	problem_is 403 tenant_mismatch
	api POST /auth/refresh -H "Content-Type: application/json" \
	    -d "{\"refresh_token\":\"$B.${r#*.}\"}"
	problem_is 401 invalid_token
	api POST /auth/refresh -H "Content-Type: application/json" -d '{"refresh_token":"nope"}'
	problem_is 401 invalid_token
}

@test "idle timeout: a refresh token unused for session_timeout_minutes is dead" {
	local e r sid
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	login "$A" "$e" "$PW"
	r=$(printf '%s' "$body" | jq -r .refresh_token)
	sid=$(claims "$(printf '%s' "$body" | jq -r .access_token)" | jq -r .sid)
	super_psql -c "UPDATE sessions SET last_used_at = now() - interval '29 minutes' WHERE id = '$sid'"
	api POST /auth/refresh -H "Content-Type: application/json" -d "{\"refresh_token\":\"$r\"}"
	status_is 200
	r=$(printf '%s' "$body" | jq -r .refresh_token)
	super_psql -c "UPDATE sessions SET last_used_at = now() - interval '31 minutes' WHERE id = '$sid'"
	api POST /auth/refresh -H "Content-Type: application/json" -d "{\"refresh_token\":\"$r\"}"
	problem_is 401 invalid_token
}

@test "logout with the access token ends the session in every program at once" {
	local e tok r
	e=$(addr)
	mkuser "$A" "$e" '["admin"]' >/dev/null
	login "$A" "$e" "$PW"
	tok=$(printf '%s' "$body" | jq -r .access_token)
	r=$(printf '%s' "$body" | jq -r .refresh_token)
	api POST /auth/logout -H "Authorization: Bearer $tok" -H "Content-Length: 0"
	status_is 204
	api GET /auth/me -H "Authorization: Bearer $tok"
	status_is 401
	api GET /admin/api-keys -H "Authorization: Bearer $tok" -H "X-Tenant-ID: $A"
	status_is 401
	api GET "/admin/tenants/$A/settings" -H "Authorization: Bearer $tok" -H "X-Tenant-ID: $A"
	status_is 401
	api POST /auth/refresh -H "Content-Type: application/json" -d "{\"refresh_token\":\"$r\"}"
	problem_is 401 invalid_token
}

@test "logout with the refresh token ends the session" {
	local e tok r
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	login "$A" "$e" "$PW"
	tok=$(printf '%s' "$body" | jq -r .access_token)
	r=$(printf '%s' "$body" | jq -r .refresh_token)
	api POST /auth/logout -H "Content-Type: application/json" -d "{\"refresh_token\":\"$r\"}"
	status_is 204
	api GET /auth/me -H "Authorization: Bearer $tok"
	status_is 401
}

@test "password policy: a new password is refused naming every rule it breaks" {
	local e tok
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	login "$A" "$e" "$PW"
	tok=$(printf '%s' "$body" | jq -r .access_token)
	api POST /auth/password -H "Authorization: Bearer $tok" -H "Content-Type: application/json" \
	    -d "{\"current_password\":\"$PW\",\"new_password\":\"abc\"}"
	status_is 422
	jq_is .error password_policy
	jq_is '.violations | sort | join(",")' "min_length,require_numbers,require_special_chars,require_uppercase"
	api POST /admin/users -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A" \
	    -H "Content-Type: application/json" -d "{\"email\":\"p-$e\",\"password\":\"ABCDEFGH\"}"
	status_is 422
	jq_is '.violations | sort | join(",")' "require_lowercase,require_numbers,require_special_chars"
}

@test "password history: the current password is refused; a change ends the other sessions" {
	local e t1 t2
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	login "$A" "$e" "$PW"
	t1=$(printf '%s' "$body" | jq -r .access_token)
	login "$A" "$e" "$PW"
	t2=$(printf '%s' "$body" | jq -r .access_token)
	api POST /auth/password -H "Authorization: Bearer $t2" -H "Content-Type: application/json" \
	    -d "{\"current_password\":\"$PW\",\"new_password\":\"$PW\"}"
	problem_is 422 password_reused new_password
	api POST /auth/password -H "Authorization: Bearer $t2" -H "Content-Type: application/json" \
	    -d "{\"current_password\":\"Wrong-Pass1\",\"new_password\":\"Other-Pass2\"}"
	problem_is 401 invalid_credentials
	api POST /auth/password -H "Authorization: Bearer $t2" -H "Content-Type: application/json" \
	    -d "{\"current_password\":\"$PW\",\"new_password\":\"Other-Pass2\"}"
	status_is 204
	api GET /auth/me -H "Authorization: Bearer $t1"
	status_is 401
	api GET /auth/me -H "Authorization: Bearer $t2"
	status_is 200
	login "$A" "$e" "Other-Pass2"
	status_is 200
}

@test "an expired password: login is 403 password_expired, the token-less change fixes it" {
	local e id
	e=$(addr)
	id=$(mkuser "$A" "$e")
	super_psql -c "UPDATE users SET password_changed_at = now() - interval '91 days' WHERE id = '$id'"
	login "$A" "$e" "$PW"
	problem_is 403 password_expired
	api POST /auth/password -H "Content-Type: application/json" -H "X-Tenant-ID: $A" \
	    -d "{\"email\":\"$e\",\"current_password\":\"$PW\",\"new_password\":\"Renewed-Pass3\"}"
	status_is 204
	login "$A" "$e" "Renewed-Pass3"
	status_is 200
	# without an expired password, the token-less path is refused
	api POST /auth/password -H "Content-Type: application/json" -H "X-Tenant-ID: $A" \
	    -d "{\"email\":\"$e\",\"current_password\":\"Renewed-Pass3\",\"new_password\":\"Renewed-Pass4\"}"
	problem_is 403 forbidden
}

@test "require_mfa: a password alone gets an mfa_token; enrolling and a TOTP code complete the login" {
	local T e m secret tok
	T=$(provision "$(uniq_slug am)" "Auth MFA")
	settings "$T" '{"require_mfa":true}'
	e=$(addr)
	mkuser "$T" "$e" >/dev/null
	login "$T" "$e" "$PW"
	status_is 200
	jq_is .mfa_required true
	jq_is .mfa_enrolled false
	jq_is .expires_in 300
	printf '%s' "$body" | jq -e 'has("access_token") | not' >/dev/null
	m=$(printf '%s' "$body" | jq -r .mfa_token)
	api POST /auth/mfa/setup -H "Content-Type: application/json" -d "{\"mfa_token\":\"$m\"}"
	status_is 200
	secret=$(printf '%s' "$body" | jq -r .secret)
	[[ "$(printf '%s' "$body" | jq -r .otpauth_uri)" == otpauth://totp/* ]]
	api POST /auth/mfa/verify -H "Content-Type: application/json" \
	    -d "{\"mfa_token\":\"$m\",\"code\":\"000000\"}"
	[ "$(totp "$secret")" = 000000 ] || problem_is 401 invalid_code code
	api POST /auth/mfa/verify -H "Content-Type: application/json" \
	    -d "{\"mfa_token\":\"$m\",\"code\":\"$(totp "$secret")\"}"
	status_is 200
	tok=$(printf '%s' "$body" | jq -r .access_token)
	[ "$(claims "$tok" | jq -c .amr)" = '["pwd","otp"]' ]
	# the mfa_token is spent, the code too
	api POST /auth/mfa/verify -H "Content-Type: application/json" \
	    -d "{\"mfa_token\":\"$m\",\"code\":\"$(totp "$secret")\"}"
	problem_is 401 invalid_token
	api GET /auth/me -H "Authorization: Bearer $tok"
	jq_is .mfa_enabled true
	api DELETE /auth/mfa -H "Authorization: Bearer $tok" -H "Content-Type: application/json" \
	    -d "{\"code\":\"$(totp "$secret")\"}"
	problem_is 403 mfa_required
	# the next login asks for a code, which a used step cannot give
	login "$T" "$e" "$PW"
	jq_is .mfa_enrolled true
}

@test "admin users: create, duplicate, get, filter, update, disable" {
	local e id
	e=$(addr)
	api POST /admin/users -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A" \
	    -H "Content-Type: application/json" \
	    -d "{\"email\":\"$e\",\"display_name\":\"Ada\",\"roles\":[\"editor\"],\"password\":\"$PW\"}"
	status_is 201
	id=$(printf '%s' "$body" | jq -r .id)
	[ "$(header Location)" = "/admin/users/$id" ]
	jq_is '[keys[]] | sort | join(",")' "created_at,display_name,email,id,last_login_at,mfa_enabled,roles,status"
	api POST /admin/users -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A" \
	    -H "Content-Type: application/json" -d "{\"email\":\"${e^^}\"}"
	status_is 409
	api GET "/admin/users/$id" -H "Authorization: Bearer $ADMIN_B" -H "X-Tenant-ID: $B"
	status_is 404
	api GET "/admin/users?role=editor&email=$e" -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A"
	jq_is .total 1
	api PUT "/admin/users/$id" -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A" \
	    -H "Content-Type: application/json" -d '{"roles":["super_admin"]}'
	problem_is 403 forbidden roles
	api PUT "/admin/users/$id" -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A" \
	    -H "Content-Type: application/json" -d '{"display_name":"Ada L.","roles":["admin"]}'
	status_is 200
	jq_is .display_name "Ada L."
	jq_is '.roles | join(",")' admin
	login "$A" "$e" "$PW"
	tok=$(printf '%s' "$body" | jq -r .access_token)
	api DELETE "/admin/users/$id" -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A"
	status_is 204
	api GET /auth/me -H "Authorization: Bearer $tok"
	status_is 401
	api GET "/admin/users/$id" -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A"
	jq_is .status disabled
	login "$A" "$e" "$PW"
	problem_is 401 invalid_credentials
	api PUT "/admin/users/$id" -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A" \
	    -H "Content-Type: application/json" -d '{"status":"active"}'
	status_is 200
	api GET /auth/me -H "Authorization: Bearer $tok"
	status_is 401
}

@test "rate limit: of 8 concurrent attempts across processes, exactly 3 are 429" {
	local e n
	e=$(addr)
	mkuser "$B" "$e" >/dev/null
	n=$(seq 1 8 | xargs -P 8 -I{} curl -sS -o /dev/null -w '%{http_code}\n' \
	    -X POST "$XV_URL/auth/login" -H "Content-Type: application/json" \
	    -H "X-Tenant-ID: $B" -d "{\"email\":\"$e\",\"password\":\"Wrong-Pass1\"}" |
	    grep -c 429)
	[ "$n" = 3 ] || { echo "$n answers were 429"; return 1; }
}

@test "a suspended tenant's login is 403 tenant_suspended, and its tokens die" {
	local T e tok
	T=$(provision "$(uniq_slug as)" "Auth suspended")
	e=$(addr)
	mkuser "$T" "$e" '["admin"]' >/dev/null
	login "$T" "$e" "$PW"
	tok=$(printf '%s' "$body" | jq -r .access_token)
	api POST "/system/tenants/$T/suspend" -H "Authorization: Bearer $(token)" -H "Content-Length: 0"
	status_is 200
	login "$T" "$e" "$PW"
	problem_is 403 tenant_suspended
	api GET /admin/users -H "Authorization: Bearer $tok" -H "X-Tenant-ID: $T"
	status_is 403
}

@test "an mfa_token dies after 5 wrong codes; a used code is refused" {
	local T e m secret c tok
	T=$(provision "$(uniq_slug af)" "Auth MFA tries")
	settings "$T" '{"require_mfa":true}'
	e=$(addr)
	mkuser "$T" "$e" >/dev/null
	login "$T" "$e" "$PW"
	m=$(printf '%s' "$body" | jq -r .mfa_token)
	api POST /auth/mfa/setup -H "Content-Type: application/json" -d "{\"mfa_token\":\"$m\"}"
	secret=$(printf '%s' "$body" | jq -r .secret)
	c=$(totp "$secret")
	for i in 1 2 3 4 5; do
		api POST /auth/mfa/verify -H "Content-Type: application/json" \
		    -d "{\"mfa_token\":\"$m\",\"code\":\"$(printf '%06d' $(( (10#$c + i) % 1000000 )))\"}"
		problem_is 401 invalid_code code
	done
	api POST /auth/mfa/verify -H "Content-Type: application/json" \
	    -d "{\"mfa_token\":\"$m\",\"code\":\"$c\"}"
	problem_is 401 invalid_token
	login "$T" "$e" "$PW"
	m=$(printf '%s' "$body" | jq -r .mfa_token)
	api POST /auth/mfa/setup -H "Content-Type: application/json" -d "{\"mfa_token\":\"$m\"}"
	secret=$(printf '%s' "$body" | jq -r .secret)
	c=$(totp "$secret")
	api POST /auth/mfa/verify -H "Content-Type: application/json" \
	    -d "{\"mfa_token\":\"$m\",\"code\":\"$c\"}"
	status_is 200
	login "$T" "$e" "$PW"
	jq_is .mfa_enrolled true
	m=$(printf '%s' "$body" | jq -r .mfa_token)
	api POST /auth/mfa/verify -H "Content-Type: application/json" \
	    -d "{\"mfa_token\":\"$m\",\"code\":\"$c\"}"
	problem_is 401 invalid_code code
}

@test "a user enrolls TOTP with a bearer token, then logs in with a code, then turns it off" {
	local e tok secret m
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	login "$A" "$e" "$PW"
	tok=$(printf '%s' "$body" | jq -r .access_token)
	api POST /auth/mfa/setup -H "Authorization: Bearer $tok" -H "Content-Length: 0"
	status_is 200
	secret=$(printf '%s' "$body" | jq -r .secret)
	[[ "$(printf '%s' "$body" | jq -r .otpauth_uri)" == "otpauth://totp/xavyo:${e/@/%40}?secret=$secret&"* ]]
	api POST /auth/mfa/verify -H "Authorization: Bearer $tok" -H "Content-Type: application/json" \
	    -d "{\"code\":\"$(totp "$secret")\"}"
	status_is 200
	jq_is .mfa_enabled true
	login "$A" "$e" "$PW"
	jq_is .mfa_required true
	m=$(printf '%s' "$body" | jq -r .mfa_token)
	api POST /auth/mfa/verify -H "Content-Type: application/json" \
	    -d "{\"mfa_token\":\"$m\",\"code\":\"$(totp "$secret" 1)\"}"
	status_is 200
	tok=$(printf '%s' "$body" | jq -r .access_token)
	[ "$(claims "$tok" | jq -c .amr)" = '["pwd","otp"]' ]
	api DELETE /auth/mfa -H "Authorization: Bearer $tok" -H "Content-Type: application/json" \
	    -d '{"code":"000000"}'
	status_is 401
	sleep_to_next_step
	api DELETE /auth/mfa -H "Authorization: Bearer $tok" -H "Content-Type: application/json" \
	    -d "{\"code\":\"$(totp "$secret" 1)\"}"
	status_is 204
	login "$A" "$e" "$PW"
	[ "$(printf '%s' "$body" | jq -r .access_token | cut -c1-2)" = ey ]
}

@test "the bootstrap super admin logs in to the system tenant and acts as super admin" {
	local pw tok
	pw=$(cat "$XV_STACK/secrets/admin.pw")
	login "$SYSTEM_TENANT_ID" admin@localhost "$pw"
	status_is 200
	tok=$(printf '%s' "$body" | jq -r .access_token)
	[ "$(claims "$tok" | jq -r '.roles | join(",")')" = super_admin ]
	api GET /system/tenants -H "Authorization: Bearer $tok"
	status_is 200
}

@test "no other program's role can read password hashes or TOTP secrets" {
	local r out
	for r in xavyo_tenants xavyo_oauth xavyo_apikeys xavyo_invitations; do
		for c in password_hash mfa_secret_sealed; do
			run psql_as "$r" -v ON_ERROR_STOP=1 -c "SELECT $c FROM users"
			[ "$status" -ne 0 ]
			[[ "$output" == *"permission denied"* ]]
		done
		run psql_as "$r" -v ON_ERROR_STOP=1 -c "SELECT password_hash FROM password_history"
		[ "$status" -ne 0 ]
	done
	run psql_as xavyo_invitations -v ON_ERROR_STOP=1 -c "SELECT email FROM users"
	[ "$status" -eq 0 ]
	run psql_as xavyo_auth -v ON_ERROR_STOP=1 -c "SELECT password_hash FROM users"
	[ "$status" -eq 0 ]
}

@test "without app.tenant_id, xavyo_auth sees no user, session or refresh token" {
	run psql_as xavyo_auth -v ON_ERROR_STOP=1 -c "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM sessions), (SELECT count(*) FROM refresh_tokens), (SELECT count(*) FROM login_attempts)"
	[ "$status" -eq 0 ]
	[ "$output" = "0|0|0|0" ]
}

@test "the database keeps no refresh token, only its digest" {
	local e r
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	login "$A" "$e" "$PW"
	r=$(printf '%s' "$body" | jq -r .refresh_token)
	[ -z "$(super_psql -c "SELECT 1 FROM refresh_tokens WHERE token_hash LIKE '%${r#*.}%'")" ]
	[ "$(super_psql -c "SELECT count(*) FROM users WHERE lower(email) = lower('$e') AND password_hash LIKE '\$argon2id\$v=19\$m=19456,t=2,p=1\$%'")" = 1 ]
}

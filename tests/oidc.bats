#!/usr/bin/env bats
# oidc.bats: the browser flow of API.md section 8 driven with curl:
# /oauth/authorize and its errors (an error page, never a redirect, for
# a bad client or redirect URI; RFC 6749 4.1.2.1 redirects with state and
# iss otherwise), the sign-in page (CSRF, CSP, the rules of /auth/login,
# MFA enrollment), the code and refresh_token grants (PKCE, one-use
# codes, reuse detection), ID tokens, userinfo, logout, discovery, and
# every cross-tenant path.
load helpers
load oauth_helpers
load oidc_helpers

setup_file() {
	new_tenant oidc
	A=$TENANT_ID
	public_client "$A"
	CID=$CLIENT_ID
	export A CID
	B=$(provision "$(uniq_slug oidc-b)")
	B_EMAIL=$(addr)
	mkuser "$B" "$B_EMAIL" >/dev/null
	public_client "$B"
	B_CID=$CLIENT_ID
	export B B_EMAIL B_CID
}

# Each test signs in its own user: the rate limit counts by email.
setup() {
	JAR=$(mktemp)
	pkce
	EMAIL=$(addr)
	USER_ID=$(mkuser "$A" "$EMAIL")
}
teardown() { rm -f "$JAR"; }

# A full sign-in in $JAR and its exchange: sets TOKENS (the answer).
sign_in_and_exchange() {
	signin "$JAR" "${2:-$EMAIL}" "$PW" "$(authz_q "${1:-$CID}")"
	status_is 302 || return 1
	code=$(code_of) || return 1
	exchange "${1:-$CID}" "$code"
	status_is 200 || return 1
	TOKENS=$body
}

@test "discovery advertises every endpoint and capability of section 8" {
	api GET /.well-known/openid-configuration
	status_is 200
	printf '%s' "$body" | jq -e --arg u "$XV_URL" '
	    .authorization_endpoint == "\($u)/oauth/authorize" and
	    .userinfo_endpoint == "\($u)/oauth/userinfo" and
	    .end_session_endpoint == "\($u)/oauth/logout" and
	    .response_types_supported == ["code"] and
	    .code_challenge_methods_supported == ["S256"] and
	    .id_token_signing_alg_values_supported == ["ES256"] and
	    .subject_types_supported == ["public"] and
	    .authorization_response_iss_parameter_supported == true and
	    (.token_endpoint_auth_methods_supported | index("none") != null) and
	    (.token_endpoint_auth_methods_supported | index("client_secret_basic") != null) and
	    ([ "openid", "profile", "email", "offline_access", "read" ] - .scopes_supported == [])'
}

@test "the sign-in page: a small form with a CSRF token, framing refused, nothing external" {
	browse "$JAR" GET "/oauth/authorize?$(authz_q "$CID")"
	status_is 200
	[[ "$(header Content-Type)" == text/html* ]]
	[[ "$(header Content-Security-Policy)" == *"frame-ancestors 'none'"* ]]
	# The post ends in a redirect to the client: its origin, and no other.
	[[ "$(header Content-Security-Policy)" == *"form-action 'self' http://127.0.0.1:9;"* ]]
	[[ "$(header Cache-Control)" == no-store ]]
	[[ "$body" == *'name="csrf"'* && "$body" == *'<label for="password">'* ]]
	! grep -qiE '(src|href)=' <<<"$body"
	grep -q 'xv_csrf' "$JAR"
}

@test "sign-in, code with state and iss, exchange with PKCE: tokens, ID token, userinfo" {
	signin "$JAR" "$EMAIL" "$PW" "$(authz_q "$CID")"
	status_is 302
	[ "$(qparam state)" = st-123 ]
	[ "$(qparam iss)" = "$XV_URL" ]
	set_cookie=$(printf '%s' "$headers" | grep -i "^set-cookie: xv_sid_$A=")
	[[ "$set_cookie" == *HttpOnly* && "$set_cookie" == *SameSite=Lax* && "$set_cookie" == *"Path=/oauth/"* ]]
	# Secure, but for an issuer that is http on loopback, as here.
	[[ "$set_cookie" != *Secure* ]]
	exchange "$CID" "$(code_of)"
	status_is 200
	[ "$(header Pragma)" = no-cache ]
	jq_is .token_type Bearer
	jq_is .scope "openid email profile"
	[[ "$(jq -r .refresh_token <<<"$body")" == "$A."* ]]
	at=$(jq -r .access_token <<<"$body")
	idt=$(jq -r .id_token <<<"$body")
	claims "$idt" | jq -e --arg u "$XV_URL" --arg c "$CID" --arg s "$USER_ID" '
	    .iss == $u and .sub == $s and .aud == $c and .nonce == "n-456" and
	    .amr == ["pwd"] and (.sid | length == 36) and .name == "Ada Lovelace" and
	    (.email | test("@example.com$")) and .email_verified == false and
	    (.auth_time | type == "number") and .exp > .iat'
	claims "$at" | jq -e --arg c "$CID" --arg s "$USER_ID" '.client_id == $c and .sub == $s and (.sid | length == 36)'
	api GET /oauth/userinfo -H "Authorization: Bearer $at"
	status_is 200
	jq -e --arg s "$USER_ID" --arg e "$EMAIL" '.sub == $s and .email == $e and .name == "Ada Lovelace"' <<<"$body"
	api POST /oauth/userinfo -H "Authorization: Bearer $at" -d ''
	status_is 200
	api GET /oauth/userinfo -H "Authorization: Bearer $(admin_token "$A")"
	status_is 401
	[[ "$(header WWW-Authenticate)" == *invalid_token* ]]
}

@test "the second authorization passes without the form; prompt=login shows it; prompt=none passes" {
	sign_in_and_exchange
	pkce
	browse "$JAR" GET "/oauth/authorize?$(authz_q "$CID")"
	status_is 302
	exchange "$CID" "$(code_of)"
	status_is 200
	pkce
	browse "$JAR" GET "/oauth/authorize?$(authz_q "$CID" prompt=none)"
	status_is 302
	code_of >/dev/null
	browse "$JAR" GET "/oauth/authorize?$(authz_q "$CID" prompt=login)"
	status_is 200
	[[ "$body" == *'name="password"'* ]]
}

@test "the browser session ends after session_timeout_minutes of idleness: the form again" {
	sign_in_and_exchange
	owner_sql "$A" "UPDATE sessions SET last_used_at = now() - interval '31 minutes' WHERE tenant_id = '$A' AND user_id = '$USER_ID'"
	pkce
	browse "$JAR" GET "/oauth/authorize?$(authz_q "$CID" prompt=none)"
	status_is 302
	[ "$(qparam error)" = login_required ]
	rt=$(jq -r .refresh_token <<<"$TOKENS")
	api POST /oauth/token -d grant_type=refresh_token -d "client_id=$CID" --data-urlencode "refresh_token=$rt"
	oauth_error_is 400 invalid_grant
}

@test "an unknown client_id or an unregistered redirect_uri is an error page, never a redirect" {
	api GET "/oauth/authorize?response_type=code&client_id=nope&redirect_uri=$RP&state=s"
	status_is 400
	[[ "$(header Content-Type)" == text/html* ]]
	[ -z "$(header Location)" ]
	api GET "/oauth/authorize?$(authz_q "$CID" | sed 's#redirect_uri=[^&]*#redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fevil#')"
	status_is 400
	[ -z "$(header Location)" ]
	[[ "$body" == *redirect_uri* ]]
	# Another tenant's client does not make A's redirect URI valid.
	api GET "/oauth/authorize?response_type=code&client_id=$B_CID&redirect_uri=http%3A%2F%2Fevil.example%2F&code_challenge=$CHALLENGE&code_challenge_method=S256"
	status_is 400
	[ -z "$(header Location)" ]
}

@test "other errors go back to the client with state and iss" {
	chk() {
		api GET "/oauth/authorize?$1"
		status_is 302
		[[ "$(header Location)" == "$RP?"* ]]
		[ "$(qparam error)" = "$2" ] || { echo "want $2: $(header Location)"; return 1; }
		[ "$(qparam state)" = st-123 ]
		[ "$(qparam iss)" = "$XV_URL" ]
	}
	q=$(authz_q "$CID")
	chk "${q/code_challenge_method=S256/code_challenge_method=plain}" invalid_request
	chk "$(sed 's/&code_challenge=[^&]*//; s/&code_challenge_method=S256//' <<<"$q")" invalid_request
	chk "${q/response_type=code/response_type=token}" unsupported_response_type
	chk "${q/scope=openid/scope=admin%20openid}" invalid_scope
	chk "$q&prompt=consent" invalid_request
	chk "$q&prompt=none" login_required
}

@test "wrong, missing or foreign PKCE verifier and a different redirect_uri are invalid_grant" {
	signin "$JAR" "$EMAIL" "$PW" "$(authz_q "$CID")"
	code=$(code_of)
	exchange "$CID" "$code" "$(head -c 48 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')"
	oauth_error_is 400 invalid_grant
	pkce
	browse "$JAR" GET "/oauth/authorize?$(authz_q "$CID")"
	code=$(code_of)
	api POST /oauth/token -d grant_type=authorization_code -d "client_id=$CID" \
	    --data-urlencode "code=$code" --data-urlencode "redirect_uri=$RP"
	oauth_error_is 400 invalid_grant
	pkce
	browse "$JAR" GET "/oauth/authorize?$(authz_q "$CID")"
	exchange "$CID" "$(code_of)" "$VERIFIER" "http://127.0.0.1:9/other"
	oauth_error_is 400 invalid_grant
}

@test "a reused code is invalid_grant and revokes every token it produced" {
	signin "$JAR" "$EMAIL" "$PW" "$(authz_q "$CID")"
	code=$(code_of)
	exchange "$CID" "$code"
	status_is 200
	at=$(jq -r .access_token <<<"$body")
	rt=$(jq -r .refresh_token <<<"$body")
	exchange "$CID" "$code"
	oauth_error_is 400 invalid_grant
	api POST /oauth/token -d grant_type=refresh_token -d "client_id=$CID" --data-urlencode "refresh_token=$rt"
	oauth_error_is 400 invalid_grant
	api GET /oauth/userinfo -H "Authorization: Bearer $at"
	status_is 401
	# The browser session ended too: the form again.
	pkce
	browse "$JAR" GET "/oauth/authorize?$(authz_q "$CID")"
	status_is 200
}

@test "a code is bound to its client: another client of the tenant or of another tenant gets invalid_grant" {
	public_client "$A"
	other=$CLIENT_ID
	signin "$JAR" "$EMAIL" "$PW" "$(authz_q "$CID")"
	code=$(code_of)
	exchange "$other" "$code"
	oauth_error_is 400 invalid_grant
	exchange "$B_CID" "$code"
	oauth_error_is 400 invalid_grant
	# Unconsumed by those attempts: its own client still gets tokens.
	exchange "$CID" "$code"
	status_is 200
}

@test "an expired code (older than 60 s) is invalid_grant" {
	signin "$JAR" "$EMAIL" "$PW" "$(authz_q "$CID")"
	code=$(code_of)
	owner_sql "$A" "UPDATE auth_codes SET created_at = created_at - interval '61 seconds', expires_at = expires_at - interval '61 seconds' WHERE tenant_id = '$A' AND used_at IS NULL"
	exchange "$CID" "$code"
	oauth_error_is 400 invalid_grant
}

@test "codes are stored as digests and live at most 60 s" {
	signin "$JAR" "$EMAIL" "$PW" "$(authz_q "$CID")"
	code=$(code_of)
	n=$(psql_as xavyo_owner -c "SELECT set_config('app.tenant_id', '$A', false)" -c "SELECT count(*) FROM auth_codes WHERE code_hash = '$code' OR expires_at > created_at + interval '60 seconds'" | tail -1)
	[ "$n" = 0 ]
}

@test "refresh rotates within the client; a rotated token presented again ends the session" {
	sign_in_and_exchange
	rt=$(jq -r .refresh_token <<<"$TOKENS")
	api POST /oauth/token -d grant_type=refresh_token -d "client_id=$B_CID" --data-urlencode "refresh_token=$rt"
	oauth_error_is 400 invalid_grant
	api POST /oauth/token -d grant_type=refresh_token -d "client_id=$CID" --data-urlencode "refresh_token=$rt"
	status_is 200
	rt2=$(jq -r .refresh_token <<<"$body")
	[ "$rt2" != "$rt" ]
	claims "$(jq -r .id_token <<<"$body")" | jq -e '.sid | length == 36'
	api POST /oauth/token -d grant_type=refresh_token -d "client_id=$CID" --data-urlencode "refresh_token=$rt"
	oauth_error_is 400 invalid_grant
	api POST /oauth/token -d grant_type=refresh_token -d "client_id=$CID" --data-urlencode "refresh_token=$rt2"
	oauth_error_is 400 invalid_grant
}

@test "a client's refresh token is nothing to /auth/refresh, and a login's nothing to the client" {
	sign_in_and_exchange
	rt=$(jq -r .refresh_token <<<"$TOKENS")
	api POST /auth/refresh -H "Content-Type: application/json" -d "{\"refresh_token\":\"$rt\"}"
	problem_is 401 invalid_token
	api POST /auth/login -H "Content-Type: application/json" -H "X-Tenant-ID: $A" \
	    -d "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}"
	status_is 200
	lrt=$(jq -r .refresh_token <<<"$body")
	api POST /oauth/token -d grant_type=refresh_token -d "client_id=$CID" --data-urlencode "refresh_token=$lrt"
	oauth_error_is 400 invalid_grant
	# Both still work where they belong.
	api POST /oauth/token -d grant_type=refresh_token -d "client_id=$CID" --data-urlencode "refresh_token=$rt"
	status_is 200
}

@test "userinfo refuses the token of a client deactivated since" {
	new_client "$A" "$(admin_token "$A")" "{\"name\":\"gone\",\"client_type\":\"public\",\"grant_types\":[\"authorization_code\"],\"redirect_uris\":[\"$RP\"]}"
	sign_in_and_exchange "$CLIENT_ID"
	at=$(jq -r .access_token <<<"$TOKENS")
	api GET /oauth/userinfo -H "Authorization: Bearer $at"
	status_is 200
	api DELETE "/admin/oauth/clients/$CLIENT_REC" -H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A"
	status_is 204
	api GET /oauth/userinfo -H "Authorization: Bearer $at"
	status_is 401
}

@test "revocation: a public client revokes its refresh token with its client_id alone" {
	sign_in_and_exchange
	rt=$(jq -r .refresh_token <<<"$TOKENS")
	api POST /oauth/revoke -d "client_id=$B_CID" --data-urlencode "token=$rt" -d token_type_hint=refresh_token
	status_is 200
	api POST /oauth/revoke -d "client_id=$CID" --data-urlencode "token=$rt" -d token_type_hint=refresh_token
	status_is 200
	api POST /oauth/token -d grant_type=refresh_token -d "client_id=$CID" --data-urlencode "refresh_token=$rt"
	oauth_error_is 400 invalid_grant
}

@test "introspection: a refresh token is active only for its own client; public clients may not introspect" {
	new_client "$A" "$(admin_token "$A")" "{\"name\":\"web\",\"client_type\":\"confidential\",\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"redirect_uris\":[\"$RP\"],\"scopes\":[\"read\"]}"
	signin "$JAR" "$EMAIL" "$PW" "$(authz_q "$CLIENT_ID")"
	exchange "$CLIENT_ID" "$(code_of)" "$VERIFIER" "$RP" -u "$CLIENT_ID:$CLIENT_SECRET"
	status_is 200
	rt=$(jq -r .refresh_token <<<"$body")
	at=$(jq -r .access_token <<<"$body")
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$rt"
	jq -e --arg c "$CLIENT_ID" '.active == true and .client_id == $c and .token_type == "refresh_token"' <<<"$body"
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$at"
	jq_is .active true
	conf_id=$CLIENT_ID conf_sec=$CLIENT_SECRET
	new_client "$A" "$(admin_token "$A")"
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$rt"
	body_equals '{"active":false}'
	api POST /oauth/introspect -d "client_id=$CID" --data-urlencode "token=$rt"
	oauth_error_is 401 invalid_client
	# A confidential client must authenticate with its secret.
	exchange "$conf_id" "whatever" "$VERIFIER" "$RP"
	oauth_error_is 401 invalid_client
}

@test "a suspended tenant: the authorization is refused back to the client; its codes are not exchanged" {
	S=$(provision "$(uniq_slug oidc-s)")
	se=$(addr)
	mkuser "$S" "$se" >/dev/null
	public_client "$S"
	signin "$JAR" "$se" "$PW" "$(authz_q "$CLIENT_ID")"
	code=$(code_of)
	api POST "/system/tenants/$S/suspend" -H "Authorization: Bearer $(token)" -H "Content-Length: 0"
	status_is 200
	exchange "$CLIENT_ID" "$code"
	oauth_error_is 401 invalid_client
	pkce
	browse "$JAR" GET "/oauth/authorize?$(authz_q "$CLIENT_ID")"
	status_is 302
	[ "$(qparam error)" = access_denied ]
	[ "$(qparam iss)" = "$XV_URL" ]
}

@test "a locked user and an unknown email get the same page, which names neither field" {
	le=$(addr)
	mkuser "$A" "$le" >/dev/null
	api PUT "/admin/tenants/$A/settings" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(token)" -H "X-Tenant-ID: $A" \
	    -d '{"lockout_policy":{"max_attempts":2}}'
	status_is 200
	signin "$JAR" "$le" wrong-1 "$(authz_q "$CID")"
	status_is 401
	signin "$JAR" "$le" wrong-2 "$(authz_q "$CID")"
	status_is 401
	signin "$JAR" "$le" "$PW" "$(authz_q "$CID")"
	status_is 401
	locked=$(grep 'role="alert"' <<<"$body")
	signin "$JAR" "nobody-$(addr)" "$PW" "$(authz_q "$CID")"
	status_is 401
	[ "$locked" = "$(grep 'role="alert"' <<<"$body")" ]
	[[ "$locked" == *"email or password"* ]]
	api PUT "/admin/tenants/$A/settings" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(token)" -H "X-Tenant-ID: $A" \
	    -d '{"lockout_policy":{"max_attempts":5}}'
}

@test "the sign-in page and /auth/login share one rate limit" {
	re=$(addr)
	mkuser "$A" "$re" >/dev/null
	for i in 1 2 3 4 5; do
		api POST /auth/login -H "Content-Type: application/json" -H "X-Tenant-ID: $A" \
		    -d "{\"email\":\"$re\",\"password\":\"wrong\"}"
	done
	signin "$JAR" "$re" "$PW" "$(authz_q "$CID")"
	status_is 429
	[ -n "$(header Retry-After)" ]
	[ -z "$(header Location)" ]
}

@test "a post without the CSRF token of the browser's cookie is refused and signs nobody in" {
	browse "$JAR" GET "/oauth/authorize?$(authz_q "$CID")"
	form_args
	api POST /oauth/authorize "${FORM_ARGS[@]}" --data-urlencode "email=$EMAIL" \
	    --data-urlencode "password=$PW"
	status_is 403
	[ -z "$(header Location)" ]
	browse "$JAR" POST /oauth/authorize "${FORM_ARGS[@]/csrf=*/csrf=$(printf 'a%.0s' {1..64})}" \
	    --data-urlencode "email=$EMAIL" --data-urlencode "password=$PW"
	status_is 403
}

@test "require_mfa: the page enrolls the user (secret, otpauth URI), then a TOTP code signs in" {
	M=$(provision "$(uniq_slug oidc-m)")
	me=$(addr)
	mkuser "$M" "$me" >/dev/null
	public_client "$M"
	api PUT "/admin/tenants/$M/settings" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(token)" -H "X-Tenant-ID: $M" -d '{"require_mfa":true}'
	status_is 200
	signin "$JAR" "$me" "$PW" "$(authz_q "$CLIENT_ID")"
	status_is 200
	secret=$(sed -n 's/.*id="totp-secret">\([A-Z2-7]*\)<.*/\1/p' <<<"$body")
	[ -n "$secret" ]
	[[ "$body" == *"otpauth://totp/"* ]]
	form_args
	browse "$JAR" POST /oauth/authorize "${FORM_ARGS[@]}" -d code=000000
	status_is 401
	form_args
	browse "$JAR" POST /oauth/authorize "${FORM_ARGS[@]}" --data-urlencode "code=$(totp "$secret")"
	status_is 302
	exchange "$CLIENT_ID" "$(code_of)"
	status_is 200
	claims "$(jq -r .id_token <<<"$body")" | jq -e '.amr == ["pwd","otp"]'
}

@test "RP-initiated logout ends the browser session and returns to a registered URI with state" {
	sign_in_and_exchange
	idt=$(jq -r .id_token <<<"$TOKENS")
	at=$(jq -r .access_token <<<"$TOKENS")
	browse "$JAR" GET "/oauth/logout?id_token_hint=$idt&post_logout_redirect_uri=http%3A%2F%2Fevil.example%2F"
	status_is 400
	[ -z "$(header Location)" ]
	browse "$JAR" GET "/oauth/logout?id_token_hint=$idt&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye&state=s-9"
	status_is 302
	[ "$(header Location)" = "http://127.0.0.1:9/bye?state=s-9" ]
	api GET /oauth/userinfo -H "Authorization: Bearer $at"
	status_is 401
	pkce
	browse "$JAR" GET "/oauth/authorize?$(authz_q "$CID")"
	status_is 200
}

@test "a browser session is one tenant's: it signs nobody in at another tenant's client" {
	sign_in_and_exchange
	pkce
	browse "$JAR" GET "/oauth/authorize?$(authz_q "$B_CID" prompt=none)"
	status_is 302
	[ "$(qparam error)" = login_required ]
	# A's user cannot sign in at B's client.
	pkce
	signin "$JAR" "$EMAIL" "$PW" "$(authz_q "$B_CID")"
	status_is 401
	# A's refresh token is nothing to B's client, A's code neither.
	rt=$(jq -r .refresh_token <<<"$TOKENS")
	api POST /oauth/token -d grant_type=refresh_token -d "client_id=$B_CID" --data-urlencode "refresh_token=$rt"
	oauth_error_is 400 invalid_grant
}

@test "clients keep post_logout_redirect_uris under the redirect URI rules" {
	api POST /admin/oauth/clients -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A" \
	    -d '{"name":"x","client_type":"public","grant_types":["authorization_code"],"redirect_uris":["https://app.example/cb"],"post_logout_redirect_uris":["http://evil.example/"]}'
	problem_is 400 validation_failed 'post_logout_redirect_uris[0]'
	new_client "$A" "$(admin_token "$A")" '{"name":"x","client_type":"public","grant_types":["authorization_code"],"redirect_uris":["https://app.example/cb"],"post_logout_redirect_uris":["https://app.example/bye"]}'
	jq_is '.post_logout_redirect_uris[0]' https://app.example/bye
}

@test "python3-authlib, from the discovery URL alone, signs in, validates the ID token against the JWKS, refreshes" {
	run "$XV_SRC/tests/tools/oidc-authlib" "$XV_URL" "$CID" "$RP" "$EMAIL" "$PW"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = ok ]
}

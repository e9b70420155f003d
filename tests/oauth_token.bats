#!/usr/bin/env bats
# oauth_token.bats: POST /oauth/token (RFC 6749 4.4, client_credentials)
# and what it issues: the RFC 6749 5.2 error answers, both client
# authentication methods (2.3.1), the optional X-Tenant-ID (API.md
# section 2), RFC 9068 access tokens checked with python3-jwt against the
# JWKS, and the discovery document.
load helpers
load oauth_helpers

setup_file() {
	new_tenant otok
	new_client "$TENANT_ID" "$ADMIN_JWT"
	export TENANT_ID ADMIN_JWT CLIENT_REC CLIENT_ID CLIENT_SECRET
	# A second tenant and its client, for cross-tenant cases.
	B_TENANT_ID=$(provision "$(uniq_slug otok-b)")
	B_ADMIN=$(admin_token "$B_TENANT_ID")
	export B_TENANT_ID B_ADMIN
}

tok() { api POST /oauth/token "$@"; }

# ---- the RFC 6749 error matrix ----

@test "no grant_type is 400 invalid_request" {
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d scope=read
	oauth_error_is 400 invalid_request
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=
	oauth_error_is 400 invalid_request
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -H "Content-Type: application/x-www-form-urlencoded" \
	    -H "Content-Length: 0"
	oauth_error_is 400 invalid_request
}

@test "a grant the server does not implement is 400 unsupported_grant_type" {
	for g in password urn:ietf:params:oauth:grant-type:jwt-bearer x; do
		tok -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode "grant_type=$g"
		oauth_error_is 400 unsupported_grant_type
	done
}

@test "a browser grant the client was not registered for is 400 unauthorized_client" {
	for g in authorization_code refresh_token; do
		tok -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode "grant_type=$g"
		oauth_error_is 400 unauthorized_client
	done
}

@test "a confidential client without the client_credentials grant is 400 unauthorized_client" {
	new_client "$TENANT_ID" "$ADMIN_JWT" '{"name":"web","client_type":"confidential","grant_types":["authorization_code"],"redirect_uris":["https://a.example.com/cb"],"scopes":["read"]}'
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials
	oauth_error_is 400 unauthorized_client
}

@test "a wrong secret is 401 invalid_client with WWW-Authenticate: Basic" {
	tok -u "$CLIENT_ID:${CLIENT_SECRET}x" -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
	tok -u "$CLIENT_ID:" -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
	tok -d "grant_type=client_credentials&client_id=$CLIENT_ID&client_secret=nope"
	oauth_error_is 401 invalid_client
}

@test "an unknown client id is 401 invalid_client, like a wrong secret" {
	tok -u "no-such-client:$CLIENT_SECRET" -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
	wrong_secret=$(jq -r .error_description <<<"$body")
	tok -u "$CLIENT_ID:x" -d grant_type=client_credentials
	[ "$(jq -r .error_description <<<"$body")" = "$wrong_secret" ]
	tok -u "$(printf 'c%.0s' {1..100}):x" -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
}

@test "no client authentication at all is 401 invalid_client" {
	tok -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
	tok -d "grant_type=client_credentials&client_id=$CLIENT_ID"
	oauth_error_is 401 invalid_client
	tok -H "Authorization: Bearer $ADMIN_JWT" -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
	tok -H "Authorization: Basic !!!" -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
	tok -H "Authorization: Basic $(printf 'no-colon' | base64)" -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
}

@test "a public client cannot authenticate at the token endpoint" {
	new_client "$TENANT_ID" "$ADMIN_JWT" '{"name":"spa","client_type":"public","grant_types":["authorization_code"],"redirect_uris":["https://a.example.com/cb"]}'
	tok -u "$CLIENT_ID:" -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
	tok -d "grant_type=client_credentials&client_id=$CLIENT_ID&client_secret="
	oauth_error_is 401 invalid_client
}

@test "client_secret_basic together with client_secret in the body is 400 invalid_request" {
	tok -u "$CLIENT_ID:$CLIENT_SECRET" \
	    -d "grant_type=client_credentials&client_secret=$CLIENT_SECRET"
	oauth_error_is 400 invalid_request
	tok -u "$CLIENT_ID:$CLIENT_SECRET" \
	    -d "grant_type=client_credentials&client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET"
	oauth_error_is 400 invalid_request
}

@test "a body client_id that differs from the Basic credentials is 400 invalid_request" {
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d "grant_type=client_credentials&client_id=other"
	oauth_error_is 400 invalid_request
	# The same id is allowed.
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d "grant_type=client_credentials&client_id=$CLIENT_ID"
	status_is 200
}

@test "a repeated parameter is 400 invalid_request" {
	for f in "grant_type=client_credentials&grant_type=client_credentials" \
	    "grant_type=client_credentials&scope=read&scope=write" \
	    "grant_type=client_credentials&client_id=$CLIENT_ID&client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET" \
	    "grant_type=client_credentials&client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET&client_secret=$CLIENT_SECRET"; do
		if [[ "$f" == *client_secret* ]]; then
			tok -d "$f"
		else
			tok -u "$CLIENT_ID:$CLIENT_SECRET" -d "$f"
		fi
		oauth_error_is 400 invalid_request
	done
}

@test "a scope the client does not have is 400 invalid_scope" {
	new_client "$TENANT_ID" "$ADMIN_JWT" '{"name":"ro","client_type":"confidential","grant_types":["client_credentials"],"scopes":["read"]}'
	for s in write "read write" READ "read admin" " "; do
		tok -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
		    --data-urlencode "scope=$s"
		oauth_error_is 400 invalid_scope
	done
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d "grant_type=client_credentials&scope="
	oauth_error_is 400 invalid_scope
}

@test "without scope the token carries all the client's scopes" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	jq_is .scope "read write admin"
	[ "$(jwt_part "$ACCESS_TOKEN" 2 | jq -r .scope)" = "read write admin" ]
}

@test "a requested scope is granted as asked, a repeated one once" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET" "write  read write"
	jq_is .scope "write read"
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d "grant_type=client_credentials&scope=admin+read"
	status_is 200
	jq_is .scope "admin read"
}

@test "another media type is 415 with an RFC 6749 error body" {
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -H "Content-Type: application/json" \
	    -d '{"grant_type":"client_credentials"}'
	oauth_error_is 415 invalid_request
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -H "Content-Type: text/plain" \
	    -d grant_type=client_credentials
	oauth_error_is 415 invalid_request
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -H "Content-Type: multipart/form-data; boundary=x" \
	    -d grant_type=client_credentials
	oauth_error_is 415 invalid_request
}

@test "a media type with a charset parameter is accepted" {
	tok -u "$CLIENT_ID:$CLIENT_SECRET" \
	    -H "Content-Type: application/x-www-form-urlencoded; charset=UTF-8" \
	    -d grant_type=client_credentials
	status_is 200
}

@test "GET on the OAuth endpoints is 405 with Allow: POST and an RFC 6749 error body" {
	for p in /oauth/token /oauth/introspect /oauth/revoke; do
		api GET "$p?grant_type=client_credentials" -u "$CLIENT_ID:$CLIENT_SECRET"
		oauth_error_is 405 invalid_request
		[ "$(header Allow)" = POST ]
		api PUT "$p" -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials
		oauth_error_is 405 invalid_request
	done
}

@test "a body over 64 KiB is 413 with an RFC 6749 error body" {
	big=$(head -c 70000 /dev/zero | tr '\0' a)
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d "grant_type=client_credentials&x=$big"
	oauth_error_is 413 invalid_request
}

# ---- client authentication methods ----

@test "client_secret_post works" {
	tok -d "grant_type=client_credentials&client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET&scope=read"
	status_is 200
	jq_is .token_type Bearer
	jq_is .scope read
	[ "$(header Pragma)" = no-cache ]
}

@test "client_secret_basic credentials are form-urlencoded before base64 (RFC 6749 2.3.1)" {
	# Every character percent-encoded ('-' as %2D, '_' as %5F, 'a' as
	# %61): the same id and secret once decoded.
	enc() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n' | sed 's/../%&/g'; }
	id=$(enc "$CLIENT_ID")
	sec=$(enc "$CLIENT_SECRET")
	[[ "$id" == *%* ]]
	tok -H "Authorization: Basic $(printf '%s:%s' "$id" "$sec" | base64 -w0)" \
	    -d grant_type=client_credentials
	status_is 200
	# Upper and lower case hex digits alike.
	tok -H "Authorization: Basic $(printf '%s:%s' "${id,,}" "${sec^^}" | base64 -w0)" \
	    -d grant_type=client_credentials
	status_is 200
	# Decoding is not applied twice: %25 is a literal '%'.
	tok -H "Authorization: Basic $(printf '%s:%s' "${id//%/%25}" "$sec" | base64 -w0)" \
	    -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
}

@test "a '-' or '_' in client_secret_basic credentials may be sent raw or encoded" {
	# Generated ids and secrets are base64url; make sure one has '-' or '_'.
	for i in 1 2 3 4 5 6 7 8; do
		[[ "$CLIENT_SECRET" == *[-_]* ]] && break
		new_client "$TENANT_ID" "$ADMIN_JWT"
	done
	[[ "$CLIENT_SECRET" == *[-_]* ]]
	raw=$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)
	sec=${CLIENT_SECRET//-/%2D}
	sec=${sec//_/%5F}
	encoded=$(printf '%s:%s' "$CLIENT_ID" "$sec" | base64 -w0)
	[ "$raw" != "$encoded" ]
	tok -H "Authorization: Basic $raw" -d grant_type=client_credentials
	status_is 200
	tok -H "Authorization: Basic $encoded" -d grant_type=client_credentials
	status_is 200
}

@test "the Basic scheme name is case-insensitive" {
	tok -H "Authorization: basic $(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)" \
	    -d grant_type=client_credentials
	status_is 200
}

# ---- X-Tenant-ID on the token endpoint ----

@test "X-Tenant-ID may be left out, or name the client's tenant" {
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials
	status_is 200
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
	    -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
	    -H "X-Tenant-ID: ${TENANT_ID^^}"
	status_is 200
	[ "$(jwt_part "$(jq -r .access_token <<<"$body")" 2 | jq -r .tid)" = "$TENANT_ID" ]
}

@test "an X-Tenant-ID other than the client's tenant is 401 invalid_client" {
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
	    -H "X-Tenant-ID: $B_TENANT_ID"
	oauth_error_is 401 invalid_client
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
	    -H "X-Tenant-ID: $SYSTEM_TENANT_ID"
	oauth_error_is 401 invalid_client
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
	    -H "X-Tenant-ID: 00000000-0000-4000-8000-00000000abcd"
	oauth_error_is 401 invalid_client
}

@test "a malformed X-Tenant-ID is 400 invalid_request" {
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
	    -H "X-Tenant-ID: acme"
	oauth_error_is 400 invalid_request
}

@test "another tenant's client with its own secret cannot get a token scoped to A" {
	new_client "$B_TENANT_ID" "$B_ADMIN"
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
	    -H "X-Tenant-ID: $TENANT_ID"
	oauth_error_is 401 invalid_client
	tok -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials
	status_is 200
	[ "$(jwt_part "$(jq -r .access_token <<<"$body")" 2 | jq -r .tid)" = "$B_TENANT_ID" ]
}

# ---- RFC 9068 access tokens ----

@test "the access token's header is typ at+jwt, alg ES256 and a kid of the JWKS" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	hdr=$(jwt_part "$ACCESS_TOKEN" 1)
	[ "$(jq -r .typ <<<"$hdr")" = at+jwt ]
	[ "$(jq -r .alg <<<"$hdr")" = ES256 ]
	kid=$(jq -r .kid <<<"$hdr")
	[ -n "$kid" ]
	api GET /.well-known/jwks.json
	jq_is "[.keys[] | select(.kid == \"$kid\")] | length" 1
}

@test "the access token carries the RFC 9068 claims with the client's values" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET" "read write"
	cl=$(jwt_part "$ACCESS_TOKEN" 2)
	iss=$(issuer)
	[ "$(jq -r '[keys[]] | sort | join(",")' <<<"$cl")" = \
	    "aud,client_id,exp,iat,iss,jti,scope,sub,tid" ]
	[ "$(jq -r .iss <<<"$cl")" = "$iss" ]
	[ "$(jq -r .sub <<<"$cl")" = "$CLIENT_REC" ]
	[ "$(jq -r .aud <<<"$cl")" = "$iss" ]
	[ "$(jq -r .client_id <<<"$cl")" = "$CLIENT_ID" ]
	[ "$(jq -r .tid <<<"$cl")" = "$TENANT_ID" ]
	[ "$(jq -r .scope <<<"$cl")" = "read write" ]
	[ "$(jq -r '.exp - .iat' <<<"$cl")" = 900 ]
	now=$(date +%s)
	[ "$(jq -r .iat <<<"$cl")" -ge $((now - 5)) ]
	[ "$(jq -r .iat <<<"$cl")" -le $((now + 1)) ]
	[[ "$(jq -r .jti <<<"$cl")" =~ $UUID_RE ]]
}

@test "every access token has its own jti" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	j1=$(jwt_part "$ACCESS_TOKEN" 2 | jq -r .jti)
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	j2=$(jwt_part "$ACCESS_TOKEN" 2 | jq -r .jti)
	[ "$j1" != "$j2" ]
}

@test "the access token verifies with python3-jwt against the JWKS" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET" read
	out=$(jose_verify "$ACCESS_TOKEN" "$(issuer)")
	[ "$(jq -r .header.typ <<<"$out")" = at+jwt ]
	[ "$(jq -r .claims.sub <<<"$out")" = "$CLIENT_REC" ]
	[ "$(jq -r .claims.scope <<<"$out")" = read ]
}

@test "python3-jwt refuses the access token once a claim is changed" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET" read
	cl=$(jwt_part "$ACCESS_TOKEN" 2 | jq -c '.scope = "read write admin"' | b64url_enc)
	forged="$(cut -d. -f1 <<<"$ACCESS_TOKEN").$cl.$(cut -d. -f3 <<<"$ACCESS_TOKEN")"
	run jose_verify "$forged" "$(issuer)"
	[ "$status" -ne 0 ]
	[[ "$output" == *InvalidSignatureError* ]]
}

# ---- published documents ----

@test "the JWKS lists public P-256 keys for ES256 signatures, never a private part" {
	api GET /.well-known/jwks.json
	status_is 200
	jq_is '.keys | length > 0' true
	jq_is '(.keys | length) as $n | [.keys[] | select(.kty == "EC" and
	    .crv == "P-256" and .alg == "ES256" and .use == "sig" and
	    (.kid | length > 0) and (.x | length == 43) and
	    (.y | length == 43))] | length == $n' true
	jq_is '[.keys[] | select(has("d"))] | length' 0
	jq_is '[.keys[].kid] | unique | length == (. | length)' true
}

@test "the discovery document names the issuer, the endpoints and what they support" {
	api GET /.well-known/openid-configuration
	status_is 200
	iss=$(jq -r .issuer <<<"$body")
	[[ "$iss" == http*://* ]]
	jq_is .token_endpoint "$iss/oauth/token"
	jq_is .introspection_endpoint "$iss/oauth/introspect"
	jq_is .revocation_endpoint "$iss/oauth/revoke"
	jq_is .jwks_uri "$iss/.well-known/jwks.json"
	json_is '.grant_types_supported | sort' \
	    '["authorization_code","client_credentials","refresh_token"]'
	json_is '.token_endpoint_auth_methods_supported | sort' \
	    '["client_secret_basic","client_secret_post","none"]'
	json_is '.introspection_endpoint_auth_methods_supported | sort' \
	    '["client_secret_basic","client_secret_post"]'
	json_is '.revocation_endpoint_auth_methods_supported | sort' \
	    '["client_secret_basic","client_secret_post","none"]'
	json_is .code_challenge_methods_supported '["S256"]'
	# The issuer is the one the tokens carry.
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	[ "$(jwt_part "$ACCESS_TOKEN" 2 | jq -r .iss)" = "$iss" ]
}

@test "the well-known documents may be cached for a while, everything else not at all" {
	for p in /.well-known/jwks.json /.well-known/openid-configuration; do
		api GET "$p"
		status_is 200
		[ "$(header Cache-Control)" = "public, max-age=300" ]
		[ "$(header X-Content-Type-Options)" = nosniff ]
		[[ "$(header Content-Type)" == application/json* ]]
	done
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	[ "$(header Cache-Control)" = no-store ]
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	[ "$(header Cache-Control)" = no-store ]
	[ "$(header Pragma)" = no-cache ]
	revoke "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	[ "$(header Cache-Control)" = no-store ]
	api GET /admin/oauth/clients -H "Authorization: Bearer $ADMIN_JWT" \
	    -H "X-Tenant-ID: $TENANT_ID"
	[ "$(header Cache-Control)" = no-store ]
}

@test "the well-known documents take GET only (405 with Allow: GET)" {
	for p in /.well-known/jwks.json /.well-known/openid-configuration; do
		api POST "$p" -d x=1
		status_is 405
		[ "$(header Allow)" = GET ]
	done
	api GET /.well-known/nothing
	status_is 404
}

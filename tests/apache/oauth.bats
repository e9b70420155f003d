#!/usr/bin/env bats
# oauth.bats: the guide's OAuth examples (seed/tenant-setup.md, "OAuth
# Client Management") that need Apache httpd and mod_proxy_fcgi: the
# bodyless regenerate-secret POST, which lighttpd 1.4.69 answers 411
# (see tests/oauth_guide.bats), and the token, introspection and
# revocation examples, whose Basic credentials Apache passes on only when
# told to (httpd-conf/xavyo-apache.conf).
load ../helpers
load ../oauth_helpers

setup() {
	new_tenant ap-oauth
	curl_as_written -X POST $XV_URL/admin/oauth/clients \
	  -H "Content-Type: application/json" \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -d '{
    "name": "Backend API Service",
    "client_type": "confidential",
    "redirect_uris": [],
    "grant_types": ["client_credentials"],
    "scopes": ["read", "write", "admin"]
  }'
	status_is 200
	CLIENT_REC=$(jq -r .id <<<"$body")
	CLIENT_ID=$(jq -r .client_id <<<"$body")
	CLIENT_SECRET=$(jq -r .client_secret <<<"$body")
}

guide_token() {
	curl_as_written -X POST $XV_URL/oauth/token \
	  -H "Content-Type: application/x-www-form-urlencoded" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -u "$CLIENT_ID:$CLIENT_SECRET" \
	  -d "grant_type=client_credentials&scope=read write"
}

@test "Apache: the guide's regenerate-secret example, as written, replaces the secret at once" {
	id=$CLIENT_REC
	old=$CLIENT_SECRET
	curl_as_written -X POST $XV_URL/admin/oauth/clients/$id/regenerate-secret \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	jq_is .id "$id"
	jq_is 'has("client_secret")' true
	CLIENT_SECRET=$(jq -r .client_secret <<<"$body")
	[[ "$CLIENT_SECRET" =~ ^[A-Za-z0-9_-]{43,}$ ]]
	[ "$CLIENT_SECRET" != "$old" ]
	guide_token
	status_is 200
	CLIENT_SECRET=$old
	guide_token
	oauth_error_is 401 invalid_client
}

@test "Apache: the guide's token example, as written, answers the guide's response" {
	guide_token
	status_is 200
	jq_is '[keys[]] | sort | join(",")' "access_token,expires_in,scope,token_type"
	jq_is .token_type Bearer
	jq_is .expires_in 900
	jq_is .scope "read write"
	[ "$(header Cache-Control)" = no-store ]
	[ "$(header Pragma)" = no-cache ]
	tok=$(jq -r .access_token <<<"$body")
	jose_verify "$tok" "$(issuer)" >/dev/null
}

@test "Apache: the guide's introspection and revocation examples, as written, work" {
	guide_token
	status_is 200
	ACCESS_TOKEN=$(jq -r .access_token <<<"$body")
	curl_as_written -X POST $XV_URL/oauth/introspect \
	  -H "Content-Type: application/x-www-form-urlencoded" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -u "$CLIENT_ID:$CLIENT_SECRET" \
	  -d "token=$ACCESS_TOKEN"
	status_is 200
	jq_is .active true
	jq_is .sub "$CLIENT_REC"
	curl_as_written -X POST $XV_URL/oauth/revoke \
	  -H "Content-Type: application/x-www-form-urlencoded" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -u "$CLIENT_ID:$CLIENT_SECRET" \
	  -d "token=$ACCESS_TOKEN"
	status_is 200
	[ -z "$body" ]
	curl_as_written -X POST $XV_URL/oauth/introspect \
	  -H "Content-Type: application/x-www-form-urlencoded" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -u "$CLIENT_ID:$CLIENT_SECRET" \
	  -d "token=$ACCESS_TOKEN"
	inactive
}

@test "Apache: a bad client secret is 401 invalid_client with a Basic challenge" {
	CLIENT_SECRET=wrong
	guide_token
	oauth_error_is 401 invalid_client
}

@test "Apache: the programs' log holds the requests but no client secret or hash" {
	guide_token
	status_is 200
	api POST /admin/oauth/clients/$CLIENT_REC/regenerate-secret -H 'Content-Length: 0' \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	new=$(jq -r .client_secret <<<"$body")
	hash=$(super_psql "SELECT secret_hash FROM oauth_clients WHERE id = '$CLIENT_REC'")
	[[ "$hash" =~ $HEX64 ]]
	sleep 0.2
	grep -rqF "\"path\":\"/admin/oauth/clients/$CLIENT_REC/regenerate-secret\"" "$XV_STACK"/log/
	! grep -rqF -e "$CLIENT_SECRET" -e "$new" -e "$hash" "$XV_STACK"/log/
}

#!/usr/bin/env bats
# oauth_guide.bats: the product guide's "OAuth Client Management" section
# (seed/tenant-setup.md) run as written: every curl example with the same
# method, headers and body, https://your-domain.com replaced by $XV_URL,
# and the operations of its "Managing Clients" table with the guide's
# headers.  API.md section 4 fills in what the guide leaves open.
load helpers
load oauth_helpers

setup_file() {
	new_tenant oguide
	export TENANT_ID ADMIN_JWT
}

# The guide's confidential client, created as the guide writes it.
guide_confidential() {
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
	status_is 200 || return 1
	CLIENT_REC=$(jq -r .id <<<"$body")
	CLIENT_ID=$(jq -r .client_id <<<"$body")
	CLIENT_SECRET=$(jq -r .client_secret <<<"$body")
}

# The guide's token example, as written, for CLIENT_ID and CLIENT_SECRET.
guide_token() {
	curl_as_written -X POST $XV_URL/oauth/token \
	  -H "Content-Type: application/x-www-form-urlencoded" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -u "$CLIENT_ID:$CLIENT_SECRET" \
	  -d "grant_type=client_credentials&scope=read write"
	status_is 200 || return 1
	ACCESS_TOKEN=$(jq -r .access_token <<<"$body")
}

guide_introspect() {
	curl_as_written -X POST $XV_URL/oauth/introspect \
	  -H "Content-Type: application/x-www-form-urlencoded" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -u "$CLIENT_ID:$CLIENT_SECRET" \
	  -d "token=$ACCESS_TOKEN"
}

@test "the guide's confidential client example answers 200 with the guide's fields and a secret" {
	guide_confidential
	jq_is '[keys[]] | sort | join(",")' \
	    "client_id,client_secret,client_type,created_at,grant_types,id,is_active,name,redirect_uris,scopes,updated_at"
	jq_is .name "Backend API Service"
	jq_is .client_type confidential
	json_is .grant_types '["client_credentials"]'
	json_is .scopes '["read","write","admin"]'
	json_is .redirect_uris '[]'
	jq_is .is_active true
	[[ "$CLIENT_REC" =~ $UUID_RE ]]
	[[ "$CLIENT_ID" =~ ^[A-Za-z0-9_-]{16,}$ ]]
	# At least 256 random bits: 43 base64url characters.
	[[ "$CLIENT_SECRET" =~ ^[A-Za-z0-9_-]{43,}$ ]]
	[[ "$(header Content-Type)" == application/json* ]]
	[ "$(header Cache-Control)" = no-store ]
}

@test "two clients created alike get different ids and secrets" {
	guide_confidential
	first="$CLIENT_REC $CLIENT_ID $CLIENT_SECRET"
	guide_confidential
	for v in $first; do
		[ "$v" != "$CLIENT_REC" ]
		[ "$v" != "$CLIENT_ID" ]
		[ "$v" != "$CLIENT_SECRET" ]
	done
}

@test "the guide's public client example answers 200 without a client_secret" {
	curl_as_written -X POST $XV_URL/admin/oauth/clients \
	  -H "Content-Type: application/json" \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -d '{
    "name": "Frontend SPA",
    "client_type": "public",
    "redirect_uris": ["https://app.example.com/callback"],
    "grant_types": ["authorization_code"],
    "scopes": ["openid", "profile", "email"]
  }'
	status_is 200
	jq_is 'has("client_secret")' false
	jq_is .client_type public
	json_is .redirect_uris '["https://app.example.com/callback"]'
	json_is .grant_types '["authorization_code"]'
	json_is .scopes '["openid","profile","email"]'
	jq_is .is_active true
}

@test "the guide's list operation answers the tenant's clients without secrets" {
	new_tenant olist
	guide_confidential
	api GET /admin/oauth/clients -H "Authorization: Bearer $ADMIN_JWT" \
	    -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	jq_is '[keys[]] | sort | join(",")' "clients,limit,next,offset,total"
	jq_is .limit 20
	jq_is .offset 0
	json_is '[.clients[].id]' "[\"$CLIENT_REC\"]"
	jq_is '.clients[0].client_id' "$CLIENT_ID"
	jq_is '[.clients[] | select(has("client_secret"))] | length' 0
	jq_is .total 1
	[[ "$body" != *"$CLIENT_SECRET"* ]]
}

@test "the guide's get operation answers the client without its secret" {
	guide_confidential
	created=$body
	api GET /admin/oauth/clients/$CLIENT_REC \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	[ "$(jq -cS 'del(.client_secret)' <<<"$created")" = "$(jq -cS . <<<"$body")" ]
	[[ "$body" != *"$CLIENT_SECRET"* ]]
}

@test "the guide's update operation changes the named fields and keeps the others" {
	guide_confidential
	api PUT /admin/oauth/clients/$CLIENT_REC \
	    -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID" \
	    -d '{"name": "Backend API Service v2", "scopes": ["read", "write"]}'
	status_is 200
	jq_is .name "Backend API Service v2"
	json_is .scopes '["read","write"]'
	json_is .grant_types '["client_credentials"]'
	jq_is .client_id "$CLIENT_ID"
	jq_is 'has("client_secret")' false
	api GET /admin/oauth/clients/$CLIENT_REC \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	jq_is .name "Backend API Service v2"
	json_is .scopes '["read","write"]'
	# The narrowed scopes bind the token endpoint at once.
	api POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" \
	    -d "grant_type=client_credentials&scope=admin"
	oauth_error_is 400 invalid_scope
}

@test "the guide's delete operation answers 204 and deactivates the client" {
	guide_confidential
	api DELETE /admin/oauth/clients/$CLIENT_REC \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 204
	[ -z "$body" ]
	api GET /admin/oauth/clients/$CLIENT_REC \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	jq_is .is_active false
	api POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" \
	    -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
	# Deleting again is harmless.
	api DELETE /admin/oauth/clients/$CLIENT_REC \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 204
}

@test "the guide's regenerate-secret example, as written, replaces the secret at once" {
	if [ "$XV_SERVER" = lighttpd ]; then skip "$LIGHTTPD_411"; fi
	guide_confidential
	id=$CLIENT_REC
	old=$CLIENT_SECRET
	curl_as_written -X POST $XV_URL/admin/oauth/clients/$id/regenerate-secret \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	jq_is .id "$id"
	new=$(jq -r .client_secret <<<"$body")
	[[ "$new" =~ ^[A-Za-z0-9_-]{43,}$ ]]
	[ "$new" != "$old" ]
	api POST /oauth/token -u "$CLIENT_ID:$old" -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
	CLIENT_SECRET=$new
	guide_token
}

@test "the guide's regenerate-secret example with Content-Length: 0 replaces the secret at once" {
	guide_confidential
	id=$CLIENT_REC
	old=$CLIENT_SECRET
	curl_as_written -X POST $XV_URL/admin/oauth/clients/$id/regenerate-secret \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $TENANT_ID" -H 'Content-Length: 0'
	status_is 200
	jq_is .id "$id"
	jq_is .client_id "$CLIENT_ID"
	new=$(jq -r .client_secret <<<"$body")
	[[ "$new" =~ ^[A-Za-z0-9_-]{43,}$ ]]
	[ "$new" != "$old" ]
	api POST /oauth/token -u "$CLIENT_ID:$old" -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
	CLIENT_SECRET=$new
	guide_token
}

@test "the guide's token example answers the guide's response, not to be cached" {
	guide_confidential
	guide_token
	jq_is '[keys[]] | sort | join(",")' "access_token,expires_in,scope,token_type"
	jq_is .token_type Bearer
	jq_is .expires_in 900
	jq_is .scope "read write"
	[[ "$ACCESS_TOKEN" == eyJ* ]]
	[[ "$(header Content-Type)" == application/json* ]]
	[ "$(header Cache-Control)" = no-store ]
	[ "$(header Pragma)" = no-cache ]
}

@test "the guide's introspection example answers active with the API.md fields" {
	guide_confidential
	guide_token
	guide_introspect
	status_is 200
	jq_is '[keys[]] | sort | join(",")' \
	    "active,aud,client_id,exp,iat,iss,jti,scope,sub,tid,token_type"
	jq_is .active true
	jq_is .sub "$CLIENT_REC"
	jq_is .client_id "$CLIENT_ID"
	jq_is .scope "read write"
	jq_is .iss "$(issuer)"
	jq_is .tid "$TENANT_ID"
	jq_is .token_type Bearer
	jq_is '.exp - .iat' 900
	jq_is '.exp | type' number
	[ "$(header Cache-Control)" = no-store ]
}

@test "the guide's revocation example answers 200 with an empty body and the token turns inactive" {
	guide_confidential
	guide_token
	curl_as_written -X POST $XV_URL/oauth/revoke \
	  -H "Content-Type: application/x-www-form-urlencoded" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -u "$CLIENT_ID:$CLIENT_SECRET" \
	  -d "token=$ACCESS_TOKEN"
	status_is 200
	[ -z "$body" ]
	guide_introspect
	inactive
}

@test "revocation is idempotent: revoked, unknown and malformed tokens all answer 200 empty" {
	guide_confidential
	guide_token
	for t in "$ACCESS_TOKEN" "$ACCESS_TOKEN" "not-a-token" "a.b.c"; do
		curl_as_written -X POST $XV_URL/oauth/revoke \
		  -H "Content-Type: application/x-www-form-urlencoded" \
		  -H "X-Tenant-ID: $TENANT_ID" \
		  -u "$CLIENT_ID:$CLIENT_SECRET" \
		  -d "token=$t"
		status_is 200
		[ -z "$body" ]
	done
	guide_introspect
	inactive
}

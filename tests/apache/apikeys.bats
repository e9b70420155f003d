#!/usr/bin/env bats
# apikeys.bats: API keys behind Apache httpd and mod_proxy_fcgi, where
# Authorization reaches the programs only because the config passes it.
load ../helpers

setup_file() {
	T=$(provision "$(uniq_slug apk)" "Apache keys")
	export T
	ADMIN=$(admin_token "$T")
	export ADMIN
}

@test "Apache: the guide's example creates a key" {
	ADMIN_JWT=$ADMIN TENANT_ID=$T
	api POST /admin/api-keys \
	  -H "Content-Type: application/json" \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -d '{
	    "name": "CI/CD Pipeline Key",
	    "scopes": ["read", "write"],
	    "expires_at": "2027-01-01T00:00:00Z"
	  }'
	[ "$status_code" = 201 ]
	echo "$body" | jq -e '(.key | test("^xavyo_ak_[A-Za-z0-9_-]{43}$")) and
	    .scopes == ["read", "write"] and .expires_at == "2027-01-01T00:00:00Z"'
}

@test "Apache: a key works as a bearer token and as X-API-Key, until deleted" {
	k=$(curl -sS -X POST "$XV_URL/admin/api-keys" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $ADMIN" -H "X-Tenant-ID: $T" \
	    -d '{"name":"apache","scopes":["read","admin"]}')
	key=$(echo "$k" | jq -r .key)
	api GET "/admin/tenants/$T/settings" -H "Authorization: Bearer $key"
	[ "$status_code" = 200 ]
	api GET /admin/api-keys -H "X-API-Key: $key"
	[ "$status_code" = 200 ]
	api DELETE "/admin/api-keys/$(echo "$k" | jq -r .id)" -H "Authorization: Bearer $key"
	[ "$status_code" = 204 ]
	api GET /admin/api-keys -H "X-API-Key: $key"
	[ "$status_code" = 401 ]
}

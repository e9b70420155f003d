#!/usr/bin/env bats
# smoke.bats: the same programs behind Apache httpd and mod_proxy_fcgi.
load ../helpers

@test "Apache answers /healthz through mod_proxy_fcgi" {
	api GET /healthz
	[ "$status_code" = 200 ]
	[ "$(echo "$body" | jq -r .status)" = ok ]
}

@test "Apache passes Authorization to the programs" {
	api GET /system/tenants -H "Authorization: Bearer $(token)"
	[ "$status_code" = 200 ]
	[ "$(echo "$body" | jq -r '.tenants[0].id')" = "$SYSTEM_TENANT_ID" ]
}

@test "Apache: no token is 401" {
	api GET /system/tenants
	[ "$status_code" = 401 ]
}

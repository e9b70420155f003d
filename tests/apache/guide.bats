#!/usr/bin/env bats
# guide.bats: the guide's bodyless suspend and reactivate examples
# (seed/tenant-setup.md, "Suspending a Tenant", "Reactivating a Tenant"),
# exactly as written, against Apache httpd and mod_proxy_fcgi, which
# accept a POST with neither body nor Content-Length (lighttpd 1.4.69
# answers 411 to it; see tests/guide_tenants.bats).
load ../helpers

@test "Apache: the guide's suspend example, as written, suspends the tenant" {
	tenant_id=$(provision "$(uniq_slug ap-sus)")
	[ -n "$tenant_id" ]
	[ "$tenant_id" != null ]
	tenant_admin=$(admin_token "$tenant_id")
	ADMIN_JWT=$(token)
	curl_as_written -X POST $XV_URL/system/tenants/$tenant_id/suspend \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $SYSTEM_TENANT_ID"
	status_is 200
	jq_is .id "$tenant_id"
	jq_is .is_active false
	jq_is .status suspended
	api GET /admin/tenants/$tenant_id/settings \
	    -H "Authorization: Bearer $tenant_admin" -H "X-Tenant-ID: $tenant_id"
	problem_is 403 tenant_suspended
}

@test "Apache: the guide's reactivate example, as written, reactivates the tenant" {
	tenant_id=$(provision "$(uniq_slug ap-re)")
	[ -n "$tenant_id" ]
	[ "$tenant_id" != null ]
	ADMIN_JWT=$(token)
	curl_as_written -X POST $XV_URL/system/tenants/$tenant_id/suspend \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $SYSTEM_TENANT_ID"
	status_is 200
	jq_is .status suspended
	curl_as_written -X POST $XV_URL/system/tenants/$tenant_id/reactivate \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $SYSTEM_TENANT_ID"
	status_is 200
	jq_is .id "$tenant_id"
	jq_is .is_active true
	jq_is .status active
	sleep 1
	api GET /admin/tenants/$tenant_id/settings \
	    -H "Authorization: Bearer $(admin_token "$tenant_id")" \
	    -H "X-Tenant-ID: $tenant_id"
	status_is 200
	jq_is .session_timeout_minutes 30
}

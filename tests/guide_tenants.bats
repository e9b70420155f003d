#!/usr/bin/env bats
# guide_tenants.bats: every curl example of the product guide's tenant
# sections (seed/tenant-setup.md: Provisioning a Tenant, Tenant Settings,
# Suspending and Reactivating a Tenant, WebAuthn Policy), run as written:
# same method, headers and JSON body, with https://your-domain.com
# replaced by $XV_URL and {tenant_id} by a real tenant's id.
#
# The provisioning example uses the guide's own slug "acme-corp", so no
# other suite may provision that slug.
load helpers

# API.md section 3: the settings of a tenant provisioned without any.
DEFAULT_SETTINGS='{"session_timeout_minutes":30,"max_sessions_per_user":10,
 "require_mfa":false,"password_policy":{"min_length":8,
 "require_uppercase":true,"require_lowercase":true,"require_numbers":true,
 "require_special_chars":true,"password_history_count":5,"max_age_days":90},
 "lockout_policy":{"max_attempts":5,"lockout_duration_minutes":15,
 "reset_after_minutes":60},"allowed_domains":[]}'

# body_equals JSON: $body is that JSON document (key order aside).
body_equals() {
	printf '%s' "$body" | jq -e --argjson want "$1" '. == $want' >/dev/null &&
	    return 0
	echo "expected $(jq -cS . <<<"$1")"
	echo "got      $(jq -cS . <<<"$body")"
	return 1
}

@test "the guide's provisioning example answers 201 with the guide's tenant object and a Location" {
	ADMIN_JWT=$(token)
	curl_as_written -X POST $XV_URL/tenants/provision \
	  -H "Content-Type: application/json" \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -d '{
    "name": "Acme Corporation",
    "slug": "acme-corp",
    "plan": "enterprise",
    "settings": {
      "session_timeout_minutes": 60,
      "max_sessions_per_user": 5
    }
  }'
	status_is 201
	jq_is '[keys[]] | sort | join(",")' "created_at,id,is_active,name,plan,slug"
	jq_is .name "Acme Corporation"
	jq_is .slug acme-corp
	jq_is .plan enterprise
	jq_is .is_active true
	jq_is '.id | test("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")' true
	jq_is '.created_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")' true
	id=$(jq -r .id <<<"$body")
	[ "$(header Location)" = "/system/tenants/$id" ]
	[[ "$(header Content-Type)" == application/json* ]]
}

@test "the tenant that the guide's Location names can be read back by a super admin" {
	slug=$(uniq_slug guide-loc)
	api POST /tenants/provision -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(token)" \
	    -d "{\"name\":\"Loc\",\"slug\":\"$slug\",\"plan\":\"starter\"}"
	status_is 201
	created=$body
	api GET "$(header Location)" -H "Authorization: Bearer $(token)"
	status_is 200
	jq_is .slug "$slug"
	jq_is .status active
	[ "$(jq -c '{id,name,slug,plan,is_active,created_at}' <<<"$body")" = \
	    "$(jq -c '{id,name,slug,plan,is_active,created_at}' <<<"$created")" ]
}

@test "the settings given at provisioning are merged over the defaults" {
	slug=$(uniq_slug guide-prov)
	ADMIN_JWT=$(token)
	curl_as_written -X POST $XV_URL/tenants/provision \
	  -H "Content-Type: application/json" \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -d '{
    "name": "Acme Corporation",
    "slug": "'"$slug"'",
    "plan": "enterprise",
    "settings": {
      "session_timeout_minutes": 60,
      "max_sessions_per_user": 5
    }
  }'
	status_is 201
	TENANT_ID=$(jq -r .id <<<"$body")
	api GET /admin/tenants/$TENANT_ID/settings \
	    -H "Authorization: Bearer $(admin_token "$TENANT_ID")" \
	    -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	body_equals "$(jq -c '.session_timeout_minutes = 60 |
	    .max_sessions_per_user = 5' <<<"$DEFAULT_SETTINGS")"
}

@test "the guide's settings GET example answers the full settings document" {
	TENANT_ID=$(provision "$(uniq_slug guide-get)")
	ADMIN_JWT=$(admin_token "$TENANT_ID")
	curl_as_written $XV_URL/admin/tenants/$TENANT_ID/settings \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	[[ "$(header Content-Type)" == application/json* ]]
	body_equals "$DEFAULT_SETTINGS"
}

# The guide's "Updating Settings" example, as written, for $TENANT_ID.
guide_settings_put() {
	curl_as_written -X PUT $XV_URL/admin/tenants/$TENANT_ID/settings \
	  -H "Content-Type: application/json" \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -d '{
    "session_timeout_minutes": 30,
    "max_sessions_per_user": 3,
    "require_mfa": true,
    "password_policy": {
      "min_length": 12,
      "require_uppercase": true,
      "require_lowercase": true,
      "require_numbers": true,
      "require_special_chars": true,
      "password_history_count": 5,
      "max_age_days": 90
    },
    "lockout_policy": {
      "max_attempts": 5,
      "lockout_duration_minutes": 15,
      "reset_after_minutes": 60
    }
  }'
}

@test "the guide's settings PUT example answers the full result, which a GET then returns" {
	TENANT_ID=$(provision "$(uniq_slug guide-put)")
	ADMIN_JWT=$(admin_token "$TENANT_ID")
	guide_settings_put
	status_is 200
	want='{"session_timeout_minutes":30,"max_sessions_per_user":3,
	 "require_mfa":true,"password_policy":{"min_length":12,
	 "require_uppercase":true,"require_lowercase":true,"require_numbers":true,
	 "require_special_chars":true,"password_history_count":5,
	 "max_age_days":90},"lockout_policy":{"max_attempts":5,
	 "lockout_duration_minutes":15,"reset_after_minutes":60},
	 "allowed_domains":[]}'
	body_equals "$want"
	api GET /admin/tenants/$TENANT_ID/settings \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	body_equals "$want"
}

@test "the guide's settings PUT keeps the settings it does not name" {
	TENANT_ID=$(provision "$(uniq_slug guide-keep)")
	ADMIN_JWT=$(admin_token "$TENANT_ID")
	api PUT /admin/tenants/$TENANT_ID/settings \
	    -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID" \
	    -d '{"allowed_domains":["acme.example.com"],
	         "password_policy":{"min_length":20}}'
	status_is 200
	guide_settings_put
	status_is 200
	jq_is '.allowed_domains | join(",")' acme.example.com
	jq_is .password_policy.min_length 12
	jq_is .max_sessions_per_user 3
}

@test "the guide's WebAuthn policy PUT example answers the stored policy" {
	TENANT_ID=$(provision "$(uniq_slug guide-wa)")
	ADMIN_JWT=$(admin_token "$TENANT_ID")
	curl_as_written -X PUT $XV_URL/admin/tenants/$TENANT_ID/webauthn-policy \
	  -H "Content-Type: application/json" \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -d '{
    "enabled": true,
    "attestation_preference": "direct",
    "user_verification": "required",
    "resident_key": "preferred"
  }'
	status_is 200
	want='{"enabled":true,"attestation_preference":"direct",
	 "user_verification":"required","resident_key":"preferred"}'
	body_equals "$want"
	api GET /admin/tenants/$TENANT_ID/webauthn-policy \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	body_equals "$want"
}

@test "the guide's suspend example, as written, suspends the tenant and locks its admin out" {
	if [ "$XV_SERVER" = lighttpd ]; then skip "$LIGHTTPD_411"; fi
	tenant_id=$(provision "$(uniq_slug guide-sus)")
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

@test "the guide's suspend example with Content-Length: 0 suspends the tenant and locks its admin out" {
	tenant_id=$(provision "$(uniq_slug guide-sus0)")
	tenant_admin=$(admin_token "$tenant_id")
	ADMIN_JWT=$(token)
	curl_as_written -X POST $XV_URL/system/tenants/$tenant_id/suspend \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $SYSTEM_TENANT_ID" \
	  -H 'Content-Length: 0'
	status_is 200
	jq_is .id "$tenant_id"
	jq_is .is_active false
	jq_is .status suspended
	jq_is '.suspended_at | test("Z$")' true
	api GET /admin/tenants/$tenant_id/settings \
	    -H "Authorization: Bearer $tenant_admin" -H "X-Tenant-ID: $tenant_id"
	problem_is 403 tenant_suspended
}

@test "the guide's reactivate example, as written, makes the tenant usable again" {
	if [ "$XV_SERVER" = lighttpd ]; then skip "$LIGHTTPD_411"; fi
	tenant_id=$(provision "$(uniq_slug guide-re)")
	ADMIN_JWT=$(token)
	api POST /system/tenants/$tenant_id/suspend \
	    -H "Authorization: Bearer $ADMIN_JWT" -H 'Content-Length: 0'
	status_is 200
	curl_as_written -X POST $XV_URL/system/tenants/$tenant_id/reactivate \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $SYSTEM_TENANT_ID"
	status_is 200
	jq_is .id "$tenant_id"
	jq_is .is_active true
	jq_is .status active
	# Tokens minted before the suspension stay refused: mint a new one.
	sleep 1
	api GET /admin/tenants/$tenant_id/settings \
	    -H "Authorization: Bearer $(admin_token "$tenant_id")" \
	    -H "X-Tenant-ID: $tenant_id"
	status_is 200
	body_equals "$DEFAULT_SETTINGS"
}

@test "the guide's reactivate example with Content-Length: 0 makes the tenant usable again" {
	tenant_id=$(provision "$(uniq_slug guide-re0)")
	ADMIN_JWT=$(token)
	api POST /system/tenants/$tenant_id/suspend \
	    -H "Authorization: Bearer $ADMIN_JWT" -H 'Content-Length: 0'
	status_is 200
	curl_as_written -X POST $XV_URL/system/tenants/$tenant_id/reactivate \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $SYSTEM_TENANT_ID" \
	  -H 'Content-Length: 0'
	status_is 200
	jq_is .id "$tenant_id"
	jq_is .is_active true
	jq_is .status active
	jq_is .suspended_at null
	# Tokens minted before the suspension stay refused: mint a new one.
	sleep 1
	api GET /admin/tenants/$tenant_id/settings \
	    -H "Authorization: Bearer $(admin_token "$tenant_id")" \
	    -H "X-Tenant-ID: $tenant_id"
	status_is 200
	body_equals "$DEFAULT_SETTINGS"
}

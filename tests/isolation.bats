#!/usr/bin/env bats
# isolation.bats: API.md section 2 between tenants.  A tenant admin of A
# can neither read nor change B (403 tenant_mismatch, or 404 when B is
# named only in the path), and B is verified unchanged by a super admin;
# a suspended tenant is refused everywhere under /admin, even to a super
# admin, while /system still manages it; tokens issued before a
# suspension stay invalid after reactivation; suspension keeps the data.
load helpers

setup_file() {
	SA=$(token)
	export SA
}

new_tenant() {
	local id
	id=$(provision "$(uniq_slug "$1")")
	[ -n "$id" ] && [ "$id" != null ] || { echo "cannot provision" >&2; return 1; }
	echo "$id"
}

# as TOKEN TENANT METHOD PATH [curl args]: a call scoped to TENANT.
as() {
	local t=$1 tenant=$2 m=$3 p=$4
	shift 4
	api "$m" "$p" -H "Authorization: Bearer $t" -H "X-Tenant-ID: $tenant" "$@"
}

# snapshot TENANT: settings, WebAuthn policy and audit log of TENANT as
# a super admin sees them, one line each, canonical.
snapshot() {
	as "$SA" "$1" GET "/admin/tenants/$1/settings"
	status_is 200 >&2 || return 1
	jq -cS . <<<"$body"
	as "$SA" "$1" GET "/admin/tenants/$1/webauthn-policy"
	status_is 200 >&2 || return 1
	jq -cS . <<<"$body"
	as "$SA" "$1" GET "/admin/audit-logs?limit=100"
	status_is 200 >&2 || return 1
	jq -cS . <<<"$body"
}

JSON=(-H "Content-Type: application/json")

@test "a tenant admin of A cannot read B's settings, WebAuthn policy or audit log" {
	a=$(new_tenant iso-ra)
	b=$(new_tenant iso-rb)
	ta=$(admin_token "$a")
	as "$ta" "$b" GET "/admin/tenants/$b/settings"
	problem_is 403 tenant_mismatch
	[[ "$body" != *session_timeout_minutes* ]]
	as "$ta" "$b" GET "/admin/tenants/$b/webauthn-policy"
	problem_is 403 tenant_mismatch
	[[ "$body" != *attestation_preference* ]]
	as "$ta" "$b" GET /admin/audit-logs
	problem_is 403 tenant_mismatch
	[[ "$body" != *"$b"* ]]
}

@test "a tenant admin of A cannot change B's settings and B stays as it was" {
	a=$(new_tenant iso-wa)
	b=$(new_tenant iso-wb)
	ta=$(admin_token "$a")
	before=$(snapshot "$b")
	as "$ta" "$b" PUT "/admin/tenants/$b/settings" "${JSON[@]}" \
	    -d '{"require_mfa":true,"allowed_domains":["evil.example.com"]}'
	problem_is 403 tenant_mismatch
	[ "$(snapshot "$b")" = "$before" ]
	as "$SA" "$b" GET "/admin/tenants/$b/settings"
	jq_is .require_mfa false
}

@test "a tenant admin of A cannot change B's WebAuthn policy and B stays as it was" {
	a=$(new_tenant iso-waa)
	b=$(new_tenant iso-wab)
	ta=$(admin_token "$a")
	before=$(snapshot "$b")
	as "$ta" "$b" PUT "/admin/tenants/$b/webauthn-policy" "${JSON[@]}" \
	    -d '{"enabled":true,"attestation_preference":"none"}'
	problem_is 403 tenant_mismatch
	[ "$(snapshot "$b")" = "$before" ]
}

@test "a tenant admin of A naming B in the path with A's own X-Tenant-ID gets 404 and B is unchanged" {
	a=$(new_tenant iso-pa)
	b=$(new_tenant iso-pb)
	ta=$(admin_token "$a")
	before_b=$(snapshot "$b")
	before_a=$(snapshot "$a")
	as "$ta" "$a" GET "/admin/tenants/$b/settings"
	problem_is 404 not_found
	as "$ta" "$a" GET "/admin/tenants/$b/webauthn-policy"
	problem_is 404 not_found
	as "$ta" "$a" PUT "/admin/tenants/$b/settings" "${JSON[@]}" \
	    -d '{"session_timeout_minutes":1}'
	problem_is 404 not_found
	as "$ta" "$a" PUT "/admin/tenants/$b/webauthn-policy" "${JSON[@]}" \
	    -d '{"enabled":true}'
	problem_is 404 not_found
	[ "$(snapshot "$b")" = "$before_b" ]
	[ "$(snapshot "$a")" = "$before_a" ]
}

@test "a tenant admin's audit log shows only its own tenant's events" {
	a=$(new_tenant iso-la)
	b=$(new_tenant iso-lb)
	as "$SA" "$b" PUT "/admin/tenants/$b/settings" "${JSON[@]}" -d '{"require_mfa":true}'
	status_is 200
	as "$(admin_token "$a")" "$a" GET "/admin/audit-logs?limit=100"
	status_is 200
	jq_is .total 1
	jq_is '[.audit_logs[].resource_id] | unique | join(",")' "$a"
	[[ "$body" != *"$b"* ]]
}

@test "a suspended tenant's admin is refused on every /admin route with tenant_suspended" {
	id=$(new_tenant sus-adm)
	ta=$(admin_token "$id")
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	for doc in settings webauthn-policy; do
		as "$ta" "$id" GET "/admin/tenants/$id/$doc"
		problem_is 403 tenant_suspended
		as "$ta" "$id" PUT "/admin/tenants/$id/$doc" "${JSON[@]}" -d '{}'
		problem_is 403 tenant_suspended
	done
	as "$ta" "$id" GET /admin/audit-logs
	problem_is 403 tenant_suspended
}

@test "a token minted for a suspended tenant's admin during the suspension is refused too" {
	id=$(new_tenant sus-new)
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	as "$(admin_token "$id")" "$id" GET "/admin/tenants/$id/settings"
	problem_is 403 tenant_suspended
}

@test "a super admin acting in a suspended tenant is refused on /admin routes" {
	id=$(new_tenant sus-sa)
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	as "$SA" "$id" GET "/admin/tenants/$id/settings"
	problem_is 403 tenant_suspended
	as "$SA" "$id" PUT "/admin/tenants/$id/webauthn-policy" "${JSON[@]}" \
	    -d '{"enabled":true}'
	problem_is 403 tenant_suspended
	as "$SA" "$id" GET /admin/audit-logs
	problem_is 403 tenant_suspended
}

@test "/system still reads, lists and reactivates a suspended tenant" {
	id=$(new_tenant sus-sys)
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Type: application/json" -d '{"reason":"audit"}'
	status_is 200
	api GET "/system/tenants/$id" -H "Authorization: Bearer $SA"
	status_is 200
	jq_is .status suspended
	jq_is .suspension_reason audit
	api GET "/system/tenants?limit=100&offset=0" -H "Authorization: Bearer $SA"
	status_is 200
	total=$(jq -r .total <<<"$body")
	api GET "/system/tenants?limit=1&offset=$((total - 1))" -H "Authorization: Bearer $SA"
	jq_is .tenants[0].id "$id"
	jq_is .tenants[0].is_active false
	api POST "/system/tenants/$id/reactivate" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $SYSTEM_TENANT_ID" -H "Content-Length: 0"
	status_is 200
	jq_is .status active
	as "$SA" "$id" GET "/admin/tenants/$id/settings"
	status_is 200
}

@test "suspending A leaves B's admin working" {
	a=$(new_tenant sus-a)
	b=$(new_tenant sus-b)
	api POST "/system/tenants/$a/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	as "$(admin_token "$b")" "$b" PUT "/admin/tenants/$b/settings" "${JSON[@]}" \
	    -d '{"require_mfa":true}'
	status_is 200
	jq_is .require_mfa true
}

@test "an admin token minted before a suspension stays refused after reactivation" {
	id=$(new_tenant stale)
	old=$(admin_token "$id")
	as "$old" "$id" GET "/admin/tenants/$id/settings"
	status_is 200
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	api POST "/system/tenants/$id/reactivate" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	as "$old" "$id" GET "/admin/tenants/$id/settings"
	problem_is 401 unauthorized
	as "$old" "$id" PUT "/admin/tenants/$id/settings" "${JSON[@]}" \
	    -d '{"require_mfa":true}'
	problem_is 401 unauthorized
	as "$SA" "$id" GET "/admin/tenants/$id/settings"
	jq_is .require_mfa false
}

@test "an admin token minted after reactivation works" {
	id=$(new_tenant fresh)
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	api POST "/system/tenants/$id/reactivate" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	sleep 1
	new=$(admin_token "$id")
	as "$new" "$id" PUT "/admin/tenants/$id/settings" "${JSON[@]}" \
	    -d '{"require_mfa":true}'
	status_is 200
	jq_is .require_mfa true
}

@test "suspension and reactivation leave settings, WebAuthn policy and earlier audit events untouched" {
	id=$(new_tenant keep)
	as "$SA" "$id" PUT "/admin/tenants/$id/settings" "${JSON[@]}" \
	    -d '{"session_timeout_minutes":77,"allowed_domains":["keep.example.com"],"password_policy":{"min_length":15}}'
	status_is 200
	as "$SA" "$id" PUT "/admin/tenants/$id/webauthn-policy" "${JSON[@]}" \
	    -d '{"enabled":true,"resident_key":"required"}'
	status_is 200
	before=$(snapshot "$id")
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	api POST "/system/tenants/$id/reactivate" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	after=$(snapshot "$id")
	[ "$(sed -n 1p <<<"$after")" = "$(sed -n 1p <<<"$before")" ]
	[ "$(sed -n 2p <<<"$after")" = "$(sed -n 2p <<<"$before")" ]
	# The earlier events are all still there, plus the two new ones.
	[ "$(sed -n 3p <<<"$after" | jq .total)" -eq \
	    $(( $(sed -n 3p <<<"$before" | jq .total) + 2 )) ]
	[ "$(sed -n 3p <<<"$after" | jq -c '[.audit_logs[2:][] | .id]')" = \
	    "$(sed -n 3p <<<"$before" | jq -c '[.audit_logs[].id]')" ]
}

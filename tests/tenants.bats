#!/usr/bin/env bats
# tenants.bats: API.md section 3 (tenants.fcgi) at and beyond every
# bound: provisioning, settings and WebAuthn policy validation, the
# conventions of section 1 (problem details, 401/403/404/405/413/415,
# request ids, pagination) and the audit log.
load helpers

setup_file() {
	SA=$(token)
	export SA
}

# new_tenant PREFIX: provisions a tenant with a unique slug, prints its id.
new_tenant() {
	local id
	id=$(provision "$(uniq_slug "$1")")
	[ -n "$id" ] && [ "$id" != null ] || { echo "cannot provision" >&2; return 1; }
	echo "$id"
}

# prov JSON: POST /tenants/provision as the super admin.
prov() {
	api POST /tenants/provision -H "Authorization: Bearer $SA" \
	    -H "Content-Type: application/json" -d "$1"
}

# sput TENANT DOC JSON / sget TENANT DOC: a tenant's settings or
# webauthn-policy document, as the super admin acting in the tenant.
sput() {
	api PUT "/admin/tenants/$1/$2" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $1" -H "Content-Type: application/json" -d "$3"
}
sget() {
	api GET "/admin/tenants/$1/$2" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $1"
}

# audit TENANT [QUERY]: the tenant's audit log, as the super admin.
audit() {
	api GET "/admin/audit-logs${2:+?$2}" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $1"
}

# slug_of_len N: a unique valid slug of exactly N characters (N >= 20).
slug_of_len() {
	local s
	s=$(uniq_slug len)
	while [ ${#s} -lt "$1" ]; do s="${s}a"; done
	echo "${s:0:$1}"
}

# bounds PATH LOW HIGH: the settings field at the dotted PATH accepts
# LOW and HIGH, and refuses LOW-1 and HIGH+1 (400 naming PATH) without
# changing the stored value.
bounds() {
	local path=$1 lo=$2 hi=$3 id v
	id=$(new_tenant bounds)
	doc() { jq -nc --arg p "$path" --argjson v "$1" 'setpath($p | split("."); $v)'; }
	for v in "$lo" "$hi"; do
		sput "$id" settings "$(doc "$v")"
		status_is 200
		jq_is ".$path" "$v"
	done
	for v in $((lo - 1)) $((hi + 1)); do
		sput "$id" settings "$(doc "$v")"
		problem_is 400 validation_failed "$path"
		sget "$id" settings
		jq_is ".$path" "$hi"
	done
}

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
unb64url() {
	local s
	s=$(tr '_-' '/+')
	while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done
	printf '%s' "$s" | base64 -d
}

# ---- provisioning -------------------------------------------------------

@test "provisioning refuses an empty name" {
	prov "{\"name\":\"\",\"slug\":\"$(uniq_slug n0)\",\"plan\":\"free\"}"
	problem_is 400 validation_failed name
}

@test "provisioning accepts a name of one character" {
	slug=$(uniq_slug n1)
	prov "{\"name\":\"X\",\"slug\":\"$slug\",\"plan\":\"free\"}"
	status_is 201
	jq_is .name X
	jq_is .slug "$slug"
}

@test "provisioning accepts a name of 200 characters, counted as characters not bytes" {
	name=$(printf 'é%.0s' $(seq 200))
	prov "{\"name\":\"$name\",\"slug\":\"$(uniq_slug n200)\",\"plan\":\"free\"}"
	status_is 201
	jq_is .name "$name"
	jq_is '.name | length' 200
}

@test "provisioning refuses a name of 201 characters" {
	name=$(printf 'a%.0s' $(seq 201))
	prov "{\"name\":\"$name\",\"slug\":\"$(uniq_slug n201)\",\"plan\":\"free\"}"
	problem_is 400 validation_failed name
}

@test "provisioning refuses a name that is not a string" {
	prov "{\"name\":42,\"slug\":\"$(uniq_slug nt)\",\"plan\":\"free\"}"
	problem_is 400 validation_failed name
}

@test "provisioning refuses a slug of 2 characters" {
	prov '{"name":"Two","slug":"ab","plan":"free"}'
	problem_is 400 validation_failed slug
}

@test "provisioning accepts a slug of 3 characters" {
	for _ in 1 2 3 4 5; do
		slug=q$(printf '%02x' $((RANDOM % 256)))
		prov "{\"name\":\"Three\",\"slug\":\"$slug\",\"plan\":\"free\"}"
		[ "$status_code" = 409 ] || break
	done
	status_is 201
	jq_is .slug "$slug"
}

@test "provisioning accepts a slug of 63 characters" {
	slug=$(slug_of_len 63)
	prov "{\"name\":\"Long\",\"slug\":\"$slug\",\"plan\":\"free\"}"
	status_is 201
	jq_is .slug "$slug"
}

@test "provisioning refuses a slug of 64 characters" {
	slug=$(slug_of_len 64)
	prov "{\"name\":\"Long\",\"slug\":\"$slug\",\"plan\":\"free\"}"
	problem_is 400 validation_failed slug
	api GET "/system/tenants?limit=100" -H "Authorization: Bearer $SA"
	jq_is "[.tenants[] | select(.slug == \"$slug\")] | length" 0
}

@test "provisioning refuses a slug with an uppercase letter" {
	slug=$(uniq_slug Up)
	prov "{\"name\":\"Up\",\"slug\":\"$slug\",\"plan\":\"free\"}"
	problem_is 400 validation_failed slug
}

@test "provisioning refuses a slug with a leading hyphen" {
	prov "{\"name\":\"H\",\"slug\":\"-$(uniq_slug lead)\",\"plan\":\"free\"}"
	problem_is 400 validation_failed slug
}

@test "provisioning refuses a slug with a trailing hyphen" {
	prov "{\"name\":\"H\",\"slug\":\"$(uniq_slug trail)-\",\"plan\":\"free\"}"
	problem_is 400 validation_failed slug
}

@test "provisioning refuses a slug with a double hyphen" {
	prov "{\"name\":\"H\",\"slug\":\"$(uniq_slug dbl)--x\",\"plan\":\"free\"}"
	problem_is 400 validation_failed slug
}

@test "provisioning refuses a slug with a character outside a-z, 0-9 and hyphen" {
	prov "{\"name\":\"H\",\"slug\":\"$(uniq_slug us)_x\",\"plan\":\"free\"}"
	problem_is 400 validation_failed slug
}

@test "provisioning accepts each of the four plans" {
	for plan in free starter professional enterprise; do
		prov "{\"name\":\"P\",\"slug\":\"$(uniq_slug "$plan")\",\"plan\":\"$plan\"}"
		status_is 201
		jq_is .plan "$plan"
	done
}

@test "provisioning refuses a plan outside the enumeration, case included" {
	for plan in gold Enterprise FREE ""; do
		prov "{\"name\":\"P\",\"slug\":\"$(uniq_slug plan)\",\"plan\":\"$plan\"}"
		problem_is 400 validation_failed plan
	done
}

@test "provisioning requires name, slug and plan" {
	prov "{\"slug\":\"$(uniq_slug req)\",\"plan\":\"free\"}"
	problem_is 400 validation_failed name
	prov '{"name":"R","plan":"free"}'
	problem_is 400 validation_failed slug
	prov "{\"name\":\"R\",\"slug\":\"$(uniq_slug req)\"}"
	problem_is 400 validation_failed plan
}

@test "provisioning a slug that exists answers 409 slug_taken and leaves the first tenant alone" {
	slug=$(uniq_slug dup)
	prov "{\"name\":\"First\",\"slug\":\"$slug\",\"plan\":\"free\"}"
	status_is 201
	first=$(jq -r .id <<<"$body")
	prov "{\"name\":\"Second\",\"slug\":\"$slug\",\"plan\":\"enterprise\"}"
	problem_is 409 slug_taken slug
	api GET "/system/tenants/$first" -H "Authorization: Bearer $SA"
	status_is 200
	jq_is .name First
	jq_is .plan free
}

@test "provisioning refuses an unknown top-level field, naming it" {
	prov "{\"name\":\"U\",\"slug\":\"$(uniq_slug unk)\",\"plan\":\"free\",\"owner\":\"x\"}"
	problem_is 400 unknown_field owner
}

@test "provisioning checks the settings it is given and creates nothing when they are wrong" {
	slug=$(uniq_slug badset)
	prov "{\"name\":\"S\",\"slug\":\"$slug\",\"plan\":\"free\",\"settings\":{\"password_policy\":{\"foo\":1}}}"
	problem_is 400 unknown_field settings.password_policy.foo
	prov "{\"name\":\"S\",\"slug\":\"$slug\",\"plan\":\"free\",\"settings\":{\"session_timeout_minutes\":0}}"
	problem_is 400 validation_failed settings.session_timeout_minutes
	prov "{\"name\":\"S\",\"slug\":\"$slug\",\"plan\":\"free\"}"
	status_is 201
}

@test "provisioning outside the system tenant's X-Tenant-ID is refused" {
	other=$(new_tenant notsys)
	api POST /tenants/provision -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $other" -H "Content-Type: application/json" \
	    -d "{\"name\":\"X\",\"slug\":\"$(uniq_slug notsys)\",\"plan\":\"free\"}"
	problem_is 400 invalid_tenant_id
}

@test "a new tenant has the default WebAuthn policy" {
	id=$(new_tenant wadef)
	sget "$id" webauthn-policy
	status_is 200
	printf '%s' "$body" | jq -e '. == {"enabled":false,
	    "attestation_preference":"none","user_verification":"preferred",
	    "resident_key":"preferred"}'
}

@test "the tenant list shows full tenant objects with total, limit and offset" {
	id=$(new_tenant list)
	api GET "/system/tenants?limit=100" -H "Authorization: Bearer $SA"
	status_is 200
	jq_is .limit 100
	jq_is .offset 0
	jq_is '.total >= (.tenants | length)' true
	jq_is ".tenants[0].id" "$SYSTEM_TENANT_ID"
	total=$(jq -r .total <<<"$body")
	api GET "/system/tenants?limit=1&offset=$((total - 1))" \
	    -H "Authorization: Bearer $SA"
	status_is 200
	jq_is '.tenants | length' 1
	jq_is .total "$total"
	jq_is '.tenants[0] | [keys[]] | sort | join(",")' \
	    "created_at,id,is_active,name,plan,slug,status,suspended_at,suspension_reason,updated_at"
	jq_is .tenants[0].id "$id"
}

# ---- settings ranges ----------------------------------------------------

@test "session_timeout_minutes accepts 1 and 43200 and refuses 0 and 43201" {
	bounds session_timeout_minutes 1 43200
}

@test "max_sessions_per_user accepts 1 and 1000 and refuses 0 and 1001" {
	bounds max_sessions_per_user 1 1000
}

@test "password_policy.min_length accepts 8 and 128 and refuses 7 and 129" {
	bounds password_policy.min_length 8 128
}

@test "password_policy.password_history_count accepts 0 and 24 and refuses -1 and 25" {
	bounds password_policy.password_history_count 0 24
}

@test "password_policy.max_age_days accepts 0 and 3650 and refuses -1 and 3651" {
	bounds password_policy.max_age_days 0 3650
}

@test "lockout_policy.max_attempts accepts 1 and 100 and refuses 0 and 101" {
	bounds lockout_policy.max_attempts 1 100
}

@test "lockout_policy.lockout_duration_minutes accepts 1 and 1440 and refuses 0 and 1441" {
	bounds lockout_policy.lockout_duration_minutes 1 1440
}

@test "lockout_policy.reset_after_minutes accepts 1 and 10080 and refuses 0 and 10081" {
	bounds lockout_policy.reset_after_minutes 1 10080
}

@test "allowed_domains stores valid DNS names and an empty list clears them" {
	id=$(new_tenant dom)
	sput "$id" settings '{"allowed_domains":["example.com","mail.example-corp.co.uk"]}'
	status_is 200
	jq_is '.allowed_domains | join(" ")' "example.com mail.example-corp.co.uk"
	sput "$id" settings '{"allowed_domains":[]}'
	status_is 200
	jq_is '.allowed_domains | length' 0
}

@test "allowed_domains refuses an invalid name, naming its index" {
	id=$(new_tenant baddom)
	for bad in 'under_score.com' '-lead.com' 'trail-.com' 'a..b' 'nodot' \
	    'sp ace.com' ''; do
		sput "$id" settings "{\"allowed_domains\":[\"ok.example.com\",\"$bad\"]}"
		problem_is 400 validation_failed 'allowed_domains[1]'
	done
	sget "$id" settings
	jq_is '.allowed_domains | length' 0
}

@test "allowed_domains accepts 100 names and refuses 101" {
	id=$(new_tenant dom100)
	sput "$id" settings "$(jq -nc '{allowed_domains: [range(100) | "d\(.).example.com"]}')"
	status_is 200
	jq_is '.allowed_domains | length' 100
	sput "$id" settings "$(jq -nc '{allowed_domains: [range(101) | "e\(.).example.com"]}')"
	problem_is 400 validation_failed allowed_domains
	sget "$id" settings
	jq_is '.allowed_domains[0]' d0.example.com
}

@test "allowed_domains refuses a string or an array of non-strings" {
	id=$(new_tenant domtype)
	sput "$id" settings '{"allowed_domains":"example.com"}'
	problem_is 400 validation_failed allowed_domains
	sput "$id" settings '{"allowed_domains":[42]}'
	problem_is 400 validation_failed 'allowed_domains[0]'
}

@test "an unknown settings field such as require_mfaa is refused, naming it" {
	id=$(new_tenant typo)
	sput "$id" settings '{"require_mfaa":true}'
	problem_is 400 unknown_field require_mfaa
	sget "$id" settings
	jq_is .require_mfa false
	jq_is 'has("require_mfaa")' false
}

@test "an unknown nested field is refused with its dotted path" {
	id=$(new_tenant nested)
	sput "$id" settings '{"password_policy":{"min_length":10,"foo":1}}'
	problem_is 400 unknown_field password_policy.foo
	sput "$id" settings '{"lockout_policy":{"max_attemps":3}}'
	problem_is 400 unknown_field lockout_policy.max_attemps
	sget "$id" settings
	jq_is .password_policy.min_length 8
	jq_is .lockout_policy.max_attempts 5
}

@test "settings of the wrong type are refused, naming the field" {
	id=$(new_tenant types)
	sput "$id" settings '{"session_timeout_minutes":"30"}'
	problem_is 400 validation_failed session_timeout_minutes
	sput "$id" settings '{"session_timeout_minutes":30.5}'
	problem_is 400 validation_failed session_timeout_minutes
	sput "$id" settings '{"max_sessions_per_user":true}'
	problem_is 400 validation_failed max_sessions_per_user
	sput "$id" settings '{"require_mfa":"true"}'
	problem_is 400 validation_failed require_mfa
	sput "$id" settings '{"require_mfa":1}'
	problem_is 400 validation_failed require_mfa
	sput "$id" settings '{"password_policy":[]}'
	problem_is 400 validation_failed password_policy
	sput "$id" settings '{"lockout_policy":5}'
	problem_is 400 validation_failed lockout_policy
	sput "$id" settings '{"password_policy":{"require_numbers":"yes"}}'
	problem_is 400 validation_failed password_policy.require_numbers
	sput "$id" settings '{"require_mfa":null}'
	problem_is 400 validation_failed require_mfa
}

@test "a body that is not one JSON object is refused as invalid_json" {
	id=$(new_tenant json)
	for b in '[]' '"x"' '{"require_mfa":' '{"require_mfa":true,"require_mfa":false}' \
	    '{"session_timeout_minutes":123456789012345678901234567890}'; do
		sput "$id" settings "$b"
		problem_is 400 invalid_json
	done
	api PUT "/admin/tenants/$id/settings" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $id" -H "Content-Type: application/json" -d ''
	problem_is 400 invalid_json
}

@test "a partial nested settings object is merged field by field" {
	id=$(new_tenant merge)
	sput "$id" settings '{"password_policy":{"min_length":14,"max_age_days":30},"lockout_policy":{"max_attempts":9},"require_mfa":true}'
	status_is 200
	sput "$id" settings '{"password_policy":{"require_numbers":false},"lockout_policy":{"reset_after_minutes":120}}'
	status_is 200
	jq_is .password_policy.min_length 14
	jq_is .password_policy.max_age_days 30
	jq_is .password_policy.require_numbers false
	jq_is .password_policy.require_uppercase true
	jq_is .password_policy.password_history_count 5
	jq_is .lockout_policy.max_attempts 9
	jq_is .lockout_policy.reset_after_minutes 120
	jq_is .lockout_policy.lockout_duration_minutes 15
	jq_is .require_mfa true
	jq_is .session_timeout_minutes 30
	answer=$body
	sget "$id" settings
	[ "$(jq -cS . <<<"$body")" = "$(jq -cS . <<<"$answer")" ]
}

@test "a settings PUT with one bad field changes nothing and writes no audit event" {
	id=$(new_tenant atomic)
	sput "$id" settings '{"session_timeout_minutes":45}'
	status_is 200
	audit "$id"
	events=$(jq -r .total <<<"$body")
	sget "$id" settings
	before=$(jq -cS . <<<"$body")
	sput "$id" settings '{"session_timeout_minutes":90,"require_mfa":true,"password_policy":{"min_length":7}}'
	problem_is 400 validation_failed password_policy.min_length
	sget "$id" settings
	[ "$(jq -cS . <<<"$body")" = "$before" ]
	audit "$id"
	jq_is .total "$events"
}

# ---- WebAuthn policy ----------------------------------------------------

@test "attestation_preference accepts none, indirect, direct and enterprise" {
	id=$(new_tenant waatt)
	for v in none indirect direct enterprise; do
		sput "$id" webauthn-policy "{\"attestation_preference\":\"$v\"}"
		status_is 200
		jq_is .attestation_preference "$v"
	done
}

@test "user_verification and resident_key accept required, preferred and discouraged" {
	id=$(new_tenant wauv)
	for v in required preferred discouraged; do
		sput "$id" webauthn-policy "{\"user_verification\":\"$v\",\"resident_key\":\"$v\"}"
		status_is 200
		jq_is .user_verification "$v"
		jq_is .resident_key "$v"
	done
}

@test "WebAuthn enumerations refuse other values, case included, and keep the policy" {
	id=$(new_tenant waenum)
	sput "$id" webauthn-policy '{"attestation_preference":"Direct"}'
	problem_is 400 validation_failed attestation_preference
	sput "$id" webauthn-policy '{"attestation_preference":"basic"}'
	problem_is 400 validation_failed attestation_preference
	sput "$id" webauthn-policy '{"user_verification":"always"}'
	problem_is 400 validation_failed user_verification
	sput "$id" webauthn-policy '{"resident_key":""}'
	problem_is 400 validation_failed resident_key
	sput "$id" webauthn-policy '{"enabled":"true"}'
	problem_is 400 validation_failed enabled
	sput "$id" webauthn-policy '{"enabled":true,"timeout":60000}'
	problem_is 400 unknown_field timeout
	sget "$id" webauthn-policy
	jq_is .attestation_preference none
	jq_is .enabled false
}

@test "a partial WebAuthn policy is merged over the stored one" {
	id=$(new_tenant wamerge)
	sput "$id" webauthn-policy '{"enabled":true,"attestation_preference":"direct"}'
	status_is 200
	sput "$id" webauthn-policy '{"resident_key":"required"}'
	status_is 200
	printf '%s' "$body" | jq -e '. == {"enabled":true,
	    "attestation_preference":"direct","user_verification":"preferred",
	    "resident_key":"required"}'
}

# ---- 401 ----------------------------------------------------------------

@test "no token is 401 with a Bearer challenge" {
	id=$(new_tenant noauth)
	api GET "/admin/tenants/$id/settings" -H "X-Tenant-ID: $id"
	problem_is 401 unauthorized
	[[ "$(header WWW-Authenticate)" == Bearer* ]]
	api GET /system/tenants
	problem_is 401 unauthorized
}

@test "a garbage token is 401 with an invalid_token challenge" {
	api GET /system/tenants -H "Authorization: Bearer not.a.jwt"
	problem_is 401 unauthorized
	[[ "$(header WWW-Authenticate)" == *invalid_token* ]]
	api GET /system/tenants -H "Authorization: Bearer garbage"
	problem_is 401 unauthorized
	api GET /system/tenants -H "Authorization: Basic YWRtaW46YWRtaW4="
	problem_is 401 unauthorized
}

@test "an expired token is 401" {
	t=$(token -l 1)
	control=$(token -l 60)
	sleep 2
	api GET /system/tenants -H "Authorization: Bearer $t"
	problem_is 401 unauthorized
	[[ "$(header WWW-Authenticate)" == *invalid_token* ]]
	api GET /system/tenants -H "Authorization: Bearer $control"
	status_is 200
}

@test "a token with alg none is 401, signed or not" {
	t=$(token)
	p=$(cut -d. -f2 <<<"$t")
	s=$(cut -d. -f3 <<<"$t")
	kid=$(cut -d. -f1 <<<"$t" | unb64url | jq -r .kid)
	for h in '{"alg":"none","typ":"JWT"}' "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"$kid\"}"; do
		nh=$(printf '%s' "$h" | b64url)
		api GET /system/tenants -H "Authorization: Bearer $nh.$p."
		problem_is 401 unauthorized
		api GET /system/tenants -H "Authorization: Bearer $nh.$p.$s"
		problem_is 401 unauthorized
	done
}

@test "a token signed HS256 with the public key as the secret is 401" {
	t=$(token)
	p=$(cut -d. -f2 <<<"$t")
	kid=$(cut -d. -f1 <<<"$t" | unb64url | jq -r .kid)
	pem=$(psql_as xavyo_tenants -c "SELECT public_pem FROM signing_keys WHERE kid = '$kid'")
	[ -n "$pem" ]
	h=$(printf '{"alg":"HS256","typ":"JWT","kid":"%s"}' "$kid" | b64url)
	sig=$(printf '%s' "$h.$p" | openssl dgst -sha256 -hmac "$pem" -binary | b64url)
	api GET /system/tenants -H "Authorization: Bearer $h.$p.$sig"
	problem_is 401 unauthorized
}

@test "a token with a tampered signature is 401" {
	t=$(token)
	api GET /system/tenants -H "Authorization: Bearer $t"
	status_is 200
	s=$(cut -d. -f3 <<<"$t")
	c=${s:10:1}
	if [ "$c" = A ]; then r=B; else r=A; fi
	api GET /system/tenants -H "Authorization: Bearer ${t%.*}.${s:0:10}$r${s:11}"
	problem_is 401 unauthorized
}

@test "a tenant admin token whose claims are rewritten to super admin is 401" {
	id=$(new_tenant forge)
	t=$(admin_token "$id")
	h=$(cut -d. -f1 <<<"$t")
	s=$(cut -d. -f3 <<<"$t")
	p=$(cut -d. -f2 <<<"$t" | unb64url |
	    jq -c --arg sys "$SYSTEM_TENANT_ID" '.roles = ["super_admin"] | .tid = $sys' | b64url)
	api GET /system/tenants -H "Authorization: Bearer $h.$p.$s"
	problem_is 401 unauthorized
}

# ---- 403 ----------------------------------------------------------------

@test "a tenant admin may not list, read or suspend tenants under /system" {
	id=$(new_tenant adm-sys)
	a=$(admin_token "$id")
	api GET /system/tenants -H "Authorization: Bearer $a"
	problem_is 403 forbidden
	api GET "/system/tenants/$id" -H "Authorization: Bearer $a"
	problem_is 403 forbidden
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $a" \
	    -H "Content-Length: 0"
	problem_is 403 forbidden
	api GET "/system/tenants/$id" -H "Authorization: Bearer $SA"
	jq_is .status active
}

@test "a tenant admin may not provision tenants" {
	id=$(new_tenant adm-prov)
	slug=$(uniq_slug adm-prov)
	api POST /tenants/provision -H "Authorization: Bearer $(admin_token "$id")" \
	    -H "Content-Type: application/json" \
	    -d "{\"name\":\"N\",\"slug\":\"$slug\",\"plan\":\"free\"}"
	problem_is 403 forbidden
	prov "{\"name\":\"N\",\"slug\":\"$slug\",\"plan\":\"free\"}"
	status_is 201
}

@test "a super_admin role claimed outside the system tenant grants nothing under /system" {
	id=$(new_tenant fake-super)
	t=$(token -t "$id" -r super_admin -s impostor)
	api GET /system/tenants -H "Authorization: Bearer $t"
	problem_is 403 forbidden
}

@test "role user may neither read nor change settings under /admin" {
	id=$(new_tenant role-user)
	u=$(token -t "$id" -r user -s someone)
	api GET "/admin/tenants/$id/settings" -H "Authorization: Bearer $u" \
	    -H "X-Tenant-ID: $id"
	problem_is 403 forbidden
	api PUT "/admin/tenants/$id/settings" -H "Authorization: Bearer $u" \
	    -H "X-Tenant-ID: $id" -H "Content-Type: application/json" \
	    -d '{"require_mfa":true}'
	problem_is 403 forbidden
	api GET /admin/audit-logs -H "Authorization: Bearer $u" -H "X-Tenant-ID: $id"
	problem_is 403 forbidden
	sget "$id" settings
	jq_is .require_mfa false
}

# ---- 404 ----------------------------------------------------------------

@test "an unknown route under a program's prefix is a 404 problem" {
	id=$(new_tenant route)
	api GET "/system/tenants/$id/nothing" -H "Authorization: Bearer $SA"
	problem_is 404 not_found
	api GET "/admin/tenants/$id/nothing" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $id"
	problem_is 404 not_found
	api GET "/tenants/provisions" -H "Authorization: Bearer $SA"
	problem_is 404 not_found
}

@test "an unknown tenant id is 404 under /system and tenant_not_found under /admin" {
	ghost=$(cat /proc/sys/kernel/random/uuid)
	api GET "/system/tenants/$ghost" -H "Authorization: Bearer $SA"
	problem_is 404 not_found
	api POST "/system/tenants/$ghost/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	problem_is 404 not_found
	sget "$ghost" settings
	problem_is 404 tenant_not_found
}

@test "a malformed tenant id in the path is 404" {
	id=$(new_tenant malformed)
	for bad in not-a-uuid "${id}0" "${id:0:35}"; do
		api GET "/system/tenants/$bad" -H "Authorization: Bearer $SA"
		problem_is 404 not_found
		api GET "/admin/tenants/$bad/settings" -H "Authorization: Bearer $SA" \
		    -H "X-Tenant-ID: $id"
		problem_is 404 not_found
	done
}

@test "a path tenant id other than X-Tenant-ID is 404 and changes nothing" {
	a=$(new_tenant path-a)
	b=$(new_tenant path-b)
	api GET "/admin/tenants/$b/settings" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $a"
	problem_is 404 not_found
	api PUT "/admin/tenants/$b/webauthn-policy" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $a" -H "Content-Type: application/json" \
	    -d '{"enabled":true}'
	problem_is 404 not_found
	sget "$a" webauthn-policy
	jq_is .enabled false
	sget "$b" webauthn-policy
	jq_is .enabled false
}

# ---- 405, 413, 415, 400 tenant header -----------------------------------

@test "a wrong method is 405 with Allow computed from the routes" {
	id=$(new_tenant method)
	api DELETE "/admin/tenants/$id/settings" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $id"
	problem_is 405 method_not_allowed
	[ "$(header Allow)" = "GET, PUT" ]
	api PATCH "/admin/tenants/$id/webauthn-policy" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $id"
	problem_is 405 method_not_allowed
	[ "$(header Allow)" = "GET, PUT" ]
	api GET /tenants/provision -H "Authorization: Bearer $SA"
	problem_is 405 method_not_allowed
	[ "$(header Allow)" = POST ]
	api GET "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA"
	problem_is 405 method_not_allowed
	[ "$(header Allow)" = POST ]
	api DELETE "/system/tenants/$id" -H "Authorization: Bearer $SA"
	problem_is 405 method_not_allowed
	[ "$(header Allow)" = GET ]
	api GET "/system/tenants/$id" -H "Authorization: Bearer $SA"
	jq_is .status active
}

@test "a body of exactly 64 KiB is read and one byte more is 413" {
	id=$(new_tenant big)
	f=$BATS_TEST_TMPDIR/body
	pad() { jq -nj --argjson n "$1" '"{\"require_mfa\":true}" + (" " * ($n - 20))' > "$f"; }
	pad 65537
	[ "$(wc -c < "$f")" -eq 65537 ]
	api PUT "/admin/tenants/$id/settings" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $id" -H "Content-Type: application/json" \
	    --data-binary @"$f"
	problem_is 413 payload_too_large
	sget "$id" settings
	jq_is .require_mfa false
	pad 65536
	[ "$(wc -c < "$f")" -eq 65536 ]
	api PUT "/admin/tenants/$id/settings" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $id" -H "Content-Type: application/json" \
	    --data-binary @"$f"
	status_is 200
	jq_is .require_mfa true
}

@test "a body that is not application/json is 415" {
	id=$(new_tenant media)
	for ct in text/plain application/x-www-form-urlencoded application/jsonx; do
		api PUT "/admin/tenants/$id/settings" -H "Authorization: Bearer $SA" \
		    -H "X-Tenant-ID: $id" -H "Content-Type: $ct" -d '{"require_mfa":true}'
		problem_is 415 unsupported_media_type
	done
	api POST /tenants/provision -H "Authorization: Bearer $SA" \
	    -H "Content-Type: text/plain" \
	    -d "{\"name\":\"M\",\"slug\":\"$(uniq_slug media)\",\"plan\":\"free\"}"
	problem_is 415 unsupported_media_type
	sget "$id" settings
	jq_is .require_mfa false
	api PUT "/admin/tenants/$id/settings" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $id" -H "Content-Type: application/json; charset=utf-8" \
	    -d '{"require_mfa":true}'
	status_is 200
	jq_is .require_mfa true
}

@test "an /admin route without X-Tenant-ID is 400 tenant_required" {
	id=$(new_tenant noheader)
	api GET "/admin/tenants/$id/settings" -H "Authorization: Bearer $SA"
	problem_is 400 tenant_required
	api GET /admin/audit-logs -H "Authorization: Bearer $(admin_token "$id")"
	problem_is 400 tenant_required
}

@test "an X-Tenant-ID that is not a UUID is 400 invalid_tenant_id" {
	id=$(new_tenant badheader)
	for bad in acme-corp "${id}x" "{$id}" 1; do
		api GET "/admin/tenants/$id/settings" -H "Authorization: Bearer $SA" \
		    -H "X-Tenant-ID: $bad"
		problem_is 400 invalid_tenant_id
	done
}

@test "an X-Tenant-ID in upper case names the same tenant" {
	id=$(new_tenant upper)
	api PUT "/admin/tenants/$id/settings" -H "Authorization: Bearer $(admin_token "$id")" \
	    -H "X-Tenant-ID: ${id^^}" -H "Content-Type: application/json" \
	    -d '{"max_sessions_per_user":4}'
	status_is 200
	jq_is .max_sessions_per_user 4
	audit "$id" "action=tenant.settings_updated"
	jq_is .total 1
	jq_is .audit_logs[0].resource_id "$id"
}

# ---- problem details and request ids --------------------------------------

@test "a problem has exactly type, title, status, detail, error and, for a field, field" {
	id=$(new_tenant shape)
	sput "$id" settings '{"max_sessions_per_user":0}'
	problem_is 400 validation_failed max_sessions_per_user
	jq_is '[keys[]] | sort | join(",")' "detail,error,field,status,title,type"
	jq_is .title "Validation failed"
	[[ "$(jq -r .detail <<<"$body")" == *max_sessions_per_user* ]]
	api GET /system/tenants
	problem_is 401 unauthorized
	jq_is '[keys[]] | sort | join(",")' "detail,error,status,title,type"
	[ "$(header X-Content-Type-Options)" = nosniff ]
	[ "$(header Cache-Control)" = no-store ]
}

@test "a sane X-Request-Id of up to 64 characters is echoed" {
	rid=$(printf 'a%.0s' $(seq 60))-._Z
	[ ${#rid} -eq 64 ]
	api GET /system/tenants -H "Authorization: Bearer $SA" -H "X-Request-Id: $rid"
	status_is 200
	[ "$(header X-Request-Id)" = "$rid" ]
	api GET /system/tenants -H "X-Request-Id: $rid"
	problem_is 401 unauthorized
	[ "$(header X-Request-Id)" = "$rid" ]
}

@test "an X-Request-Id too long or with unsafe characters is replaced by a generated one" {
	long=$(printf 'b%.0s' $(seq 65))
	for rid in "$long" 'has space' 'semi;colon' 'quote"d' 'a/b'; do
		api GET /healthz -H "X-Request-Id: $rid"
		status_is 200
		got=$(header X-Request-Id)
		[ -n "$got" ]
		[ "$got" != "$rid" ]
		[[ "$got" =~ ^[A-Za-z0-9._-]{1,64}$ ]]
	done
	api GET /healthz
	[[ "$(header X-Request-Id)" =~ ^[A-Za-z0-9._-]{1,64}$ ]]
}

@test "the request id of a change is recorded in its audit event" {
	id=$(new_tenant rid)
	rid=audit-rid-$RANDOM$RANDOM
	api PUT "/admin/tenants/$id/settings" -H "Authorization: Bearer $SA" \
	    -H "X-Tenant-ID: $id" -H "Content-Type: application/json" \
	    -H "X-Request-Id: $rid" -d '{"max_sessions_per_user":7}'
	status_is 200
	audit "$id" "action=tenant.settings_updated"
	jq_is .total 1
	jq_is .audit_logs[0].request_id "$rid"
}

# ---- pagination -----------------------------------------------------------

@test "list limits outside 1..100 and bad offsets are 400 naming the parameter" {
	id=$(new_tenant page)
	for q in limit=0 limit=101 limit=-1 limit=abc limit= "limit=1.5"; do
		api GET "/system/tenants?$q" -H "Authorization: Bearer $SA"
		problem_is 400 validation_failed limit
		audit "$id" "$q"
		problem_is 400 validation_failed limit
	done
	for q in offset=-1 offset=x; do
		api GET "/system/tenants?$q" -H "Authorization: Bearer $SA"
		problem_is 400 validation_failed offset
		audit "$id" "$q"
		problem_is 400 validation_failed offset
	done
}

@test "list limits of 1 and 100 are accepted and the default is 20" {
	api GET "/system/tenants?limit=1" -H "Authorization: Bearer $SA"
	status_is 200
	jq_is '.tenants | length' 1
	jq_is .limit 1
	api GET "/system/tenants?limit=100" -H "Authorization: Bearer $SA"
	status_is 200
	jq_is .limit 100
	api GET /system/tenants -H "Authorization: Bearer $SA"
	status_is 200
	jq_is .limit 20
	jq_is .offset 0
	jq_is '(.tenants | length) <= 20' true
}

@test "pages of the tenant list follow each other" {
	for i in 1 2 3; do new_tenant "pg$i" >/dev/null; done
	api GET "/system/tenants?limit=3&offset=0" -H "Authorization: Bearer $SA"
	status_is 200
	three=$(jq -c '[.tenants[].id]' <<<"$body")
	total=$(jq -r .total <<<"$body")
	api GET "/system/tenants?limit=1&offset=2" -H "Authorization: Bearer $SA"
	status_is 200
	jq_is .offset 2
	jq_is .total "$total"
	[ "$(jq -r '.tenants[0].id' <<<"$body")" = "$(jq -r '.[2]' <<<"$three")" ]
	api GET "/system/tenants?offset=$total" -H "Authorization: Bearer $SA"
	status_is 200
	jq_is '.tenants | length' 0
	jq_is .total "$total"
}

@test "the audit log's pages keep the total, even past the last page" {
	id=$(new_tenant apage)
	sput "$id" settings '{"require_mfa":true}'
	sput "$id" settings '{"require_mfa":false}'
	audit "$id" "limit=1&offset=1"
	status_is 200
	jq_is .total 3
	jq_is .limit 1
	jq_is .offset 1
	jq_is '.audit_logs | length' 1
	audit "$id" "offset=3"
	status_is 200
	jq_is '.audit_logs | length' 0
	jq_is .total 3
}

# ---- audit log --------------------------------------------------------------

@test "provisioning writes a tenant.provisioned event with the new tenant and its settings" {
	id=$(new_tenant aprov)
	audit "$id"
	status_is 200
	jq_is .total 1
	jq_is .audit_logs[0].action tenant.provisioned
	jq_is .audit_logs[0].resource_type tenant
	jq_is .audit_logs[0].resource_id "$id"
	jq_is .audit_logs[0].old_value null
	jq_is .audit_logs[0].new_value.id "$id"
	jq_is .audit_logs[0].new_value.settings.session_timeout_minutes 30
	jq_is .audit_logs[0].actor_tenant_id "$SYSTEM_TENANT_ID"
}

@test "a settings change writes an event with the old and the new values" {
	id=$(new_tenant aset)
	api PUT "/admin/tenants/$id/settings" \
	    -H "Authorization: Bearer $(admin_token "$id")" -H "X-Tenant-ID: $id" \
	    -H "Content-Type: application/json" \
	    -d '{"session_timeout_minutes":120,"password_policy":{"min_length":16}}'
	status_is 200
	audit "$id" "action=tenant.settings_updated"
	status_is 200
	jq_is .total 1
	jq_is .audit_logs[0].old_value.session_timeout_minutes 30
	jq_is .audit_logs[0].new_value.session_timeout_minutes 120
	jq_is .audit_logs[0].old_value.password_policy.min_length 8
	jq_is .audit_logs[0].new_value.password_policy.min_length 16
	jq_is .audit_logs[0].new_value.lockout_policy.max_attempts 5
	jq_is .audit_logs[0].actor "admin-of-$id"
	jq_is .audit_logs[0].actor_tenant_id "$id"
	jq_is '.audit_logs[0].created_at | test("^[0-9-]{10}T[0-9:]{8}Z$")' true
}

@test "a WebAuthn policy change writes an event with the old and the new values" {
	id=$(new_tenant awa)
	sput "$id" webauthn-policy '{"enabled":true,"user_verification":"required"}'
	status_is 200
	audit "$id" "action=tenant.webauthn_policy_updated"
	jq_is .total 1
	jq_is .audit_logs[0].old_value.enabled false
	jq_is .audit_logs[0].new_value.enabled true
	jq_is .audit_logs[0].old_value.user_verification preferred
	jq_is .audit_logs[0].new_value.user_verification required
}

@test "suspension and reactivation write events with the old and the new state" {
	id=$(new_tenant astate)
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Type: application/json" -d '{"reason":"unpaid invoice"}'
	status_is 200
	jq_is .suspension_reason "unpaid invoice"
	api POST "/system/tenants/$id/reactivate" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	audit "$id" "action=tenant.suspended"
	jq_is .total 1
	jq_is .audit_logs[0].old_value.status active
	jq_is .audit_logs[0].new_value.status suspended
	jq_is .audit_logs[0].new_value.suspension_reason "unpaid invoice"
	audit "$id" "action=tenant.reactivated"
	jq_is .total 1
	jq_is .audit_logs[0].old_value.status suspended
	jq_is .audit_logs[0].new_value.status active
	audit "$id"
	jq_is '[.audit_logs[].action] | join(",")' \
	    "tenant.reactivated,tenant.suspended,tenant.provisioned"
}

@test "the audit log filters by action and resource_type" {
	id=$(new_tenant afilt)
	sput "$id" settings '{"require_mfa":true}'
	sput "$id" webauthn-policy '{"enabled":true}'
	audit "$id" "action=tenant.settings_updated"
	jq_is .total 1
	jq_is '[.audit_logs[].action] | unique | join(",")' tenant.settings_updated
	audit "$id" "action=tenant.nothing"
	jq_is .total 0
	jq_is '.audit_logs | length' 0
	audit "$id" "resource_type=tenant"
	jq_is .total 3
	audit "$id" "resource_type=user"
	jq_is .total 0
	audit "$id" "action=tenant.webauthn_policy_updated&resource_type=tenant"
	jq_is .total 1
}

@test "the audit log filters by since and until" {
	id=$(new_tenant atime)
	sput "$id" settings '{"require_mfa":true}'
	audit "$id" "since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z"
	status_is 200
	jq_is .total 2
	audit "$id" "since=2999-01-01T00:00:00Z"
	jq_is .total 0
	audit "$id" "until=2000-01-01T00:00:00Z"
	jq_is .total 0
	audit "$id" "since=2000-01-01T01:00:00%2B01:00"
	status_is 200
	jq_is .total 2
	last=$(jq -r '.audit_logs[0].created_at' <<<"$body")
	audit "$id" "until=$last"
	jq_is '[.audit_logs[] | select(.created_at >= "'"$last"'")] | length' 0
	audit "$id" "since=$last"
	jq_is '.total >= 1' true
}

@test "an audit time filter that is not RFC 3339 is 400 naming it" {
	id=$(new_tenant abad)
	audit "$id" "since=yesterday"
	problem_is 400 validation_failed since
	audit "$id" "until=2026-02-07"
	problem_is 400 validation_failed until
	audit "$id" "since=2026-02-07T12:00:00"
	problem_is 400 validation_failed since
	audit "$id" "since=2026-02-30T00:00:00Z"
	problem_is 400 validation_failed since
	audit "$id" "until=2026-02-07T24:00:00Z"
	problem_is 400 validation_failed until
}

# ---- suspension -------------------------------------------------------------

@test "the system tenant cannot be suspended" {
	api POST "/system/tenants/$SYSTEM_TENANT_ID/suspend" \
	    -H "Authorization: Bearer $SA" -H "Content-Length: 0"
	problem_is 409 system_tenant
	api GET "/system/tenants/$SYSTEM_TENANT_ID" -H "Authorization: Bearer $SA"
	status_is 200
	jq_is .status active
	api GET /system/tenants -H "Authorization: Bearer $(token)"
	status_is 200
}

@test "suspending twice answers 200 both times and writes one audit event" {
	id=$(new_tenant twice)
	for _ in 1 2; do
		api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
		    -H "Content-Length: 0"
		status_is 200
		jq_is .status suspended
		jq_is .is_active false
	done
	# A suspended tenant's /admin routes refuse even a super admin.
	api POST "/system/tenants/$id/reactivate" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	audit "$id" "action=tenant.suspended"
	status_is 200
	jq_is .total 1
}

@test "reactivating twice answers 200 both times and writes one audit event" {
	id=$(new_tenant retwice)
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	for _ in 1 2; do
		api POST "/system/tenants/$id/reactivate" -H "Authorization: Bearer $SA" \
		    -H "Content-Length: 0"
		status_is 200
		jq_is .status active
		jq_is .is_active true
	done
	audit "$id" "action=tenant.reactivated"
	jq_is .total 1
}

@test "reactivating a tenant that was never suspended is a 200 that writes nothing" {
	id=$(new_tenant neversus)
	api POST "/system/tenants/$id/reactivate" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	jq_is .status active
	audit "$id"
	jq_is .total 1
}

@test "a suspension reason must be a string of at most 500 characters" {
	id=$(new_tenant reason)
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Type: application/json" -d '{"reason":42}'
	problem_is 400 validation_failed reason
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Type: application/json" \
	    -d "{\"reason\":\"$(printf 'r%.0s' $(seq 501))\"}"
	problem_is 400 validation_failed reason
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Type: application/json" -d '{"reasons":"typo"}'
	problem_is 400 unknown_field reasons
	api GET "/system/tenants/$id" -H "Authorization: Bearer $SA"
	jq_is .status active
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Type: application/json" \
	    -d "{\"reason\":\"$(printf 'r%.0s' $(seq 500))\"}"
	status_is 200
	jq_is '.suspension_reason | length' 500
}

@test "reactivation takes no reason" {
	id=$(new_tenant rereason)
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $SA" \
	    -H "Content-Length: 0"
	status_is 200
	api POST "/system/tenants/$id/reactivate" -H "Authorization: Bearer $SA" \
	    -H "Content-Type: application/json" -d '{"reason":"paid"}'
	problem_is 400 unknown_field reason
	api GET "/system/tenants/$id" -H "Authorization: Bearer $SA"
	jq_is .status suspended
}

#!/usr/bin/env bats
# security.bats: the security review's findings (issue 7), each as it was
# reproduced, on the real stack: an upper-case tid and suspension; tokens
# presented for what they are not (signed with the stack's real key by
# tests/tools/xv-sign); problem bodies cut inside a character; timestamps
# PostgreSQL cannot hold; introspection that looked keys up for anyone;
# Basic credentials with bytes after the padding; a master key with
# characters that are not hex digits.
load helpers
load oauth_helpers

SIGN=$XV_SRC/tests/tools/xv-sign

setup_file() {
	new_tenant sec
	new_client "$TENANT_ID" "$ADMIN_JWT"
	export TENANT_ID ADMIN_JWT CLIENT_REC CLIENT_ID CLIENT_SECRET
}

# sign CLAIMS-JQ [HEADER-JSON]: a token signed with the stack's key whose
# claims are an admin token of $TENANT_ID changed by the jq filter.
sign() {
	local now iss claims
	now=$(date +%s)
	iss=$(issuer)
	claims=$(jq -cn --arg iss "$iss" --arg tid "$TENANT_ID" --argjson now "$now" \
	    '{iss: $iss, sub: "sec-admin", aud: $iss, client_id: "xavyoctl",
	      tid: $tid, roles: ["admin"], iat: $now, exp: ($now + 600),
	      jti: "sec-\($now)"} | '"$1")
	"$SIGN" "${2:-{\"typ\":\"at+jwt\"\}}" "$claims"
}

settings_with() {
	api GET "/admin/tenants/$TENANT_ID/settings" -H "Authorization: Bearer $1" \
	    -H "X-Tenant-ID: $TENANT_ID"
}

@test "finding 1: a token with an upper-case tid dies with the suspension" {
	id=$(provision "$(uniq_slug upper)")
	up=$(tr a-f A-F <<<"$id")
	[ "$up" != "$id" ]
	upper_tok=$(token -t "$up" -r admin -s admin-upper)
	lower_tok=$(admin_token "$id")
	for t in "$upper_tok" "$lower_tok"; do
		api GET "/admin/tenants/$id/settings" -H "Authorization: Bearer $t" \
		    -H "X-Tenant-ID: $id"
		status_is 200
	done
	# The same tenant, named in upper case in the header and the path.
	api GET "/admin/tenants/$up/settings" -H "Authorization: Bearer $lower_tok" \
	    -H "X-Tenant-ID: $up"
	status_is 200
	sleep 1
	api POST "/system/tenants/$id/suspend" -H "Authorization: Bearer $(token)" \
	    -H 'Content-Length: 0'
	status_is 200
	api POST "/system/tenants/$id/reactivate" -H "Authorization: Bearer $(token)" \
	    -H 'Content-Length: 0'
	status_is 200
	for t in "$upper_tok" "$lower_tok"; do
		for h in "$id" "$up"; do
			api GET "/admin/tenants/$id/settings" \
			    -H "Authorization: Bearer $t" -H "X-Tenant-ID: $h"
			problem_is 401 unauthorized
		done
	done
	# Tokens issued in the second of the reactivation are void too.
	sleep 1
	api GET "/admin/tenants/$id/settings" -H "Authorization: Bearer $(admin_token "$id")" \
	    -H "X-Tenant-ID: $id"
	status_is 200
}

@test "finding 1: an upper-case X-Tenant-ID is the same tenant everywhere" {
	up=$(tr a-f A-F <<<"$TENANT_ID")
	api GET /admin/oauth/clients -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $up"
	status_is 200
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	api POST /oauth/introspect -u "$CLIENT_ID:$CLIENT_SECRET" -H "X-Tenant-ID: $up" \
	    --data-urlencode "token=$ACCESS_TOKEN"
	active
	api GET "/system/tenants" -H "Authorization: Bearer $(token)" \
	    -H "X-Tenant-ID: $SYSTEM_TENANT_ID"
	status_is 200
}

@test "finding 2: the signing tool's own admin token is accepted (control)" {
	settings_with "$(sign .)"
	status_is 200
	settings_with "$(sign '.aud = ["https://rs.example", .aud]')"
	status_is 200
}

@test "finding 2: wrong aud, future nbf, unknown crit, endless exp are refused" {
	settings_with "$(sign '.aud = "https://rs.example"')"
	problem_is 401 unauthorized
	settings_with "$(sign 'del(.aud)')"
	problem_is 401 unauthorized
	settings_with "$(sign '.nbf = .iat + 600')"
	problem_is 401 unauthorized
	settings_with "$(sign . '{"typ":"at+jwt","crit":["exp"],"exp":1}')"
	problem_is 401 unauthorized
	settings_with "$(sign '.exp = 9223372036854775807')"
	problem_is 401 unauthorized
	# exp - iat capped at token_max_ttl (3600 s by default).
	settings_with "$(sign '.exp = .iat + 3601')"
	problem_is 401 unauthorized
	settings_with "$(sign '.exp = .iat + 3600')"
	status_is 200
}

@test "finding 2: an access token of a client is no admin bearer token" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	settings_with "$ACCESS_TOKEN"
	problem_is 401 unauthorized
	# Even signed with roles: what a client's token is for decides.
	settings_with "$(sign ".client_id = \"$CLIENT_ID\"")"
	problem_is 401 unauthorized
	settings_with "$(sign 'del(.client_id)')"
	problem_is 401 unauthorized
	# Nor a token typed as an ID token, nor one without typ.
	settings_with "$(sign . '{"typ":"JWT"}')"
	problem_is 401 unauthorized
	settings_with "$(sign . '{}')"
	problem_is 401 unauthorized
}

@test "finding 2: introspection answers inactive for an operator token" {
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ADMIN_JWT"
	inactive
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$(sign 'del(.client_id)')"
	inactive
	# An ID-token-shaped token of this client is not an access token.
	introspect "$CLIENT_ID" "$CLIENT_SECRET" \
	    "$(sign ".aud = \"$CLIENT_ID\" | .client_id = \"$CLIENT_ID\"" '{"typ":"JWT"}')"
	inactive
	# A real token of the client still is active (control).
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	active
}

@test "finding 3: a long non-ASCII unknown field gets a whole problem body" {
	key=$(printf 'é%.0s' $(seq 200))
	api POST /tenants/provision -H "Authorization: Bearer $(token)" \
	    -H "Content-Type: application/json" -d "{\"$key\":1}"
	problem_is 400 unknown_field "$(jq -r .field <<<"$body")"
	jq -e '.field | length > 50 and startswith("ééé")' <<<"$body" >/dev/null
	api POST /tenants/provision -H "Authorization: Bearer $(token)" \
	    -H "Content-Type: application/json" -d "{\"settings\":{\"$key\":1}}"
	[ -n "$body" ]
	jq -e '.status == 400 and (.error | length > 0)' <<<"$body" >/dev/null
}

@test "finding 4: timestamps PostgreSQL cannot hold are a 400 naming the field" {
	for q in since until; do
		for v in '9999-12-31T23:59:59-23:59' \
		    "2026-01-01T00:00:00.$(printf '1%.0s' $(seq 200))Z"; do
			api GET "/admin/audit-logs?$q=$(jq -rn --arg v "$v" '$v|@uri')" \
			    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
			problem_is 400 validation_failed "$q"
		done
	done
	api GET "/admin/audit-logs?since=9999-12-31T23:00:00-00:59" \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	for v in '9999-12-31T23:59:59-23:59' '2099-01-01T00:00:00.0000000001Z'; do
		api POST /admin/api-keys -H "Authorization: Bearer $ADMIN_JWT" \
		    -H "X-Tenant-ID: $TENANT_ID" -H "Content-Type: application/json" \
		    -d "{\"name\":\"late\",\"scopes\":[\"read\"],\"expires_at\":\"$v\"}"
		problem_is 400 validation_failed expires_at
	done
	api GET /admin/api-keys -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	jq_is '[.api_keys[] | select(.name == "late")] | length' 0
}

# hold_keys SECONDS: another session holds signing_keys locked for that
# long, so that any request that reads a key waits for it.  Returns once
# the lock is held (a fixed pause was too short on a loaded machine).
hold_keys() {
	local i
	super_psql "BEGIN; LOCK TABLE signing_keys IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($1); COMMIT;" >/dev/null &
	HOLDER=$!
	for i in $(seq 1 50); do
		[ "$(super_psql "SELECT count(*) FROM pg_locks WHERE granted AND
		    mode = 'AccessExclusiveLock' AND
		    relation = 'signing_keys'::regclass")" = 1 ] && return 0
		sleep 0.1
	done
	echo "signing_keys was not locked in 5 s"
	return 1
}

@test "finding 6: introspection looks up no key for an unauthenticated caller" {
	# Signed beforehand: the signing tool reads the key table itself.
	forged=()
	for i in $(seq 1 6); do
		forged+=("$(sign . "{\"typ\":\"at+jwt\",\"kid\":\"unknown-$i-$RANDOM\"}")")
	done
	hold_keys 6
	for i in 0 1 2 3 4; do
		# An answer within 3 s: no key was read while the table was locked.
		api POST /oauth/introspect -m 3 -u "$CLIENT_ID:wrong-secret" \
		    --data-urlencode "token=${forged[$i]}"
		oauth_error_is 401 invalid_client
	done
	wait "$HOLDER"
	# Control: an authenticated caller's unknown kid is looked up, and waits.
	hold_keys 6
	run curl -sS -o /dev/null -m 3 -u "$CLIENT_ID:$CLIENT_SECRET" \
	    --data-urlencode "token=${forged[5]}" "$XV_URL/oauth/introspect"
	[ "$status" -eq 28 ]
	wait "$HOLDER"
}

@test "finding 6: Basic credentials with bytes after the padding are refused" {
	good=$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)
	api POST /oauth/token -H "Authorization: Basic $good" -d grant_type=client_credentials
	status_is 200
	case "$good" in
	*=) bad="${good}x" ;;
	*) bad="${good}==x" ;;
	esac
	for b in "$bad" "${good%%=*}=A" "${good}=" "${good%%=*}-" "${good}=="; do
		[ "$b" = "$good" ] && continue
		api POST /oauth/token -H "Authorization: Basic $b" -d grant_type=client_credentials
		oauth_error_is 401 invalid_client
	done
}

@test "finding 6: a master key with [ for 4 is refused, not read as the same key" {
	mk=$(secret_of owner master_key)
	[[ "$mk" == *4* ]] || skip "this stack's master key has no digit 4"
	bad=${mk/4/[}
	XAVYO_MASTER_KEY=$mk "$XV_CTL" token >/dev/null
	run env XAVYO_MASTER_KEY="$bad" "$XV_CTL" token
	[ "$status" -ne 0 ]
}

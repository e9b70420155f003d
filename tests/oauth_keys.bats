#!/usr/bin/env bats
# oauth_keys.bats: the platform's signing keys (API.md section 4): who may
# list and rotate them, and what rotation does: the new key is published
# at once and signs only key_publish_delay seconds later (300 by default,
# the JWKS's max-age), so that relying parties' cached JWKS have it; the
# old key signs until then and stays in the JWKS (for token_max_ttl after
# its retirement) so that tokens it signed verify until they expire.
# xavyoctl keys rotate -i (a leaked key) switches at once.  The processes
# re-read the signing key every key_refresh seconds (30 by default), so
# one test waits up to that long.
load helpers
load oauth_helpers

setup_file() {
	new_tenant okeys
	new_client "$TENANT_ID" "$ADMIN_JWT"
	SA=$(token)
	export TENANT_ID ADMIN_JWT CLIENT_REC CLIENT_ID CLIENT_SECRET SA
}

keys() { api GET /admin/keys -H "Authorization: Bearer $SA"; }
active_kid() { keys; jq -r '.keys[] | select(.status == "active") | .kid' <<<"$body"; }
next_kids() { keys; jq -r '.keys[] | select(.status == "next") | .kid' <<<"$body"; }
jwks_has() {
	api GET /.well-known/jwks.json
	jq -e --arg k "$1" 'any(.keys[]; .kid == $k)' <<<"$body" >/dev/null
}

@test "listing signing keys needs a super admin" {
	api GET /admin/keys
	problem_is 401 unauthorized
	api GET /admin/keys -H "Authorization: Bearer $ADMIN_JWT"
	problem_is 403 forbidden
	api GET /admin/keys -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 400
	api GET /admin/keys -H "Authorization: Bearer $(token -t "$TENANT_ID" -r super_admin)"
	problem_is 403 forbidden
}

@test "a super admin lists the signing keys, one active, without private parts" {
	keys
	status_is 200
	jq_is '[.keys[] | select(.status == "active")] | length' 1
	jq_is '[.keys[] | keys | sort | join(",")] | unique | join(";")' \
	    "alg,created_at,kid,retired_at,signs_from,status"
	jq_is '[.keys[] | select(.alg != "ES256")] | length' 0
	jq_is '[.keys[] | select(.status == "retired" and .retired_at == null)] | length' 0
	api GET /admin/keys -H "Authorization: Bearer $SA" -H "X-Tenant-ID: $SYSTEM_TENANT_ID"
	status_is 200
}

@test "rotating keys needs a super admin, and a refused rotation changes nothing" {
	keys
	before=$(jq -cS . <<<"$body")
	api POST /admin/keys/rotate -H "Authorization: Bearer $ADMIN_JWT" -H 'Content-Length: 0'
	problem_is 403 forbidden
	api POST /admin/keys/rotate -H "Authorization: Bearer $ADMIN_JWT" \
	    -H "X-Tenant-ID: $TENANT_ID" -H 'Content-Length: 0'
	status_is 400
	api POST /admin/keys/rotate -H 'Content-Length: 0'
	problem_is 401 unauthorized
	keys
	[ "$(jq -cS . <<<"$body")" = "$before" ]
}

@test "xavyoctl keys rotate publishes the new key first; the old one signs until then" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	old_tok=$ACCESS_TOKEN
	old_kid=$(jwt_part "$old_tok" 1 | jq -r .kid)
	[ "$(active_kid)" = "$old_kid" ]
	new_kid=$("$XV_CTL" keys rotate)
	[ -n "$new_kid" ]
	[ "$new_kid" != "$old_kid" ]
	# Published now, signing in key_publish_delay (300 s).
	jwks_has "$new_kid"
	jwks_has "$old_kid"
	[ "$(active_kid)" = "$old_kid" ]
	[ "$(next_kids)" = "$new_kid" ]
	keys
	jq_is "[.keys[] | select(.kid == \"$new_kid\") | .signs_from | fromdateiso8601 - now | . > 240 and . <= 300] | .[0]" true
	jq_is "(.keys[] | select(.kid == \"$old_kid\") | .retired_at) == (.keys[] | select(.kid == \"$new_kid\") | .signs_from)" true
	# Tokens are still signed with the old key, and verify.
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	[ "$(jwt_part "$ACCESS_TOKEN" 1 | jq -r .kid)" = "$old_kid" ]
	"$XV_CTL" keys list | grep -q "^$new_kid"
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$old_tok"
	active
	jose_verify "$old_tok" "$(issuer)" >/dev/null
}

@test "once signs_from has passed the new key signs and the old one is retired" {
	new_kid=$(next_kids | head -1)
	old_kid=$(active_kid)
	[ -n "$new_kid" ]
	# As if key_publish_delay had passed.
	super_psql "UPDATE signing_keys SET signs_from = now() - interval '1 second' WHERE kid = '$new_kid'; UPDATE signing_keys SET retired_at = now() - interval '1 second' WHERE kid = '$old_kid'"
	[ "$(active_kid)" = "$new_kid" ]
	keys
	jq_is ".keys[] | select(.kid == \"$old_kid\") | .status" retired
	jq_is ".keys[] | select(.kid == \"$old_kid\") | .retired_at | test(\"Z$\")" true
	jwks_has "$old_kid"
	jwks_has "$new_kid"
}

@test "xavyoctl keys rotate -i (a leaked key) signs with the new key at once" {
	prev=$(active_kid)
	new_kid=$("$XV_CTL" keys rotate -i)
	[ "$(active_kid)" = "$new_kid" ]
	keys
	jq_is ".keys[] | select(.kid == \"$prev\") | .status" retired
	jq_is '[.keys[] | select(.status == "next")] | length' 0
}

@test "a super admin's POST /admin/keys/rotate publishes a next key and audits it" {
	prev=$(active_kid)
	api POST /admin/keys/rotate -H "Authorization: Bearer $SA" -H 'Content-Length: 0'
	status_is 200
	kid=$(jq -r .next_kid <<<"$body")
	[ -n "$kid" ] && [ "$kid" != null ]
	[ "$kid" != "$prev" ]
	jq_is .active_kid "$prev"
	jq_is '.keys[0].kid' "$kid"
	jq_is '.keys[0].status' next
	[ "$(active_kid)" = "$prev" ]
	jwks_has "$kid"
	jwks_has "$prev"
	api GET "/admin/audit-logs?action=signing_key.rotated&limit=100" \
	    -H "Authorization: Bearer $SA" -H "X-Tenant-ID: $SYSTEM_TENANT_ID"
	status_is 200
	jq_is "[.audit_logs[] | select(.resource_id == \"$kid\")] | length" 1
	# Made active at once, as xavyoctl keys rotate -i would, for what follows.
	"$XV_CTL" keys rotate -i >/dev/null
}

@test "within key_refresh seconds every process signs with the newest key" {
	oauth_procs
	kid=$(active_kid)
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	earlier=$ACCESS_TOKEN
	dir=$BATS_TEST_TMPDIR
	done=0
	since=()
	# Until every process has signed with the new key since all tokens
	# started carrying it.
	for round in $(seq 1 45); do
		mapfile -t r0 < <(proc_reads)
		burst 12 "$dir" "$XV_URL/oauth/token" -u "$CLIENT_ID:$CLIENT_SECRET" \
		    -d grant_type=client_credentials
		kids=$(for i in $(seq 1 12); do
			jwt_part "$(jq -r .access_token "$dir/$i")" 1 | jq -r .kid
		done | sort -u)
		if [ "$kids" = "$kid" ]; then
			[ ${#since[@]} -gt 0 ] || since=("${r0[@]}")
			if all_served "${since[@]}"; then done=1; break; fi
		else
			since=()
		fi
		sleep 1
	done
	[ "$done" = 1 ]
	# The newest token verifies against the JWKS, and so do earlier ones.
	t=$(jq -r .access_token "$dir/1")
	jose_verify "$t" "$(issuer)" >/dev/null
	jose_verify "$earlier" "$(issuer)" >/dev/null
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$earlier"
	active
}

@test "a key retired longer ago than token_max_ttl leaves the JWKS, a recent one stays" {
	keys
	old=$(jq -r '[.keys[] | select(.status == "retired")] | .[0].kid' <<<"$body")
	older=$(jq -r '[.keys[] | select(.status == "retired")] | .[1].kid' <<<"$body")
	[ "$old" != null ]
	[ "$older" != null ]
	jwks_has "$older"
	# token_max_ttl is 3600 s by default.
	super_psql "UPDATE signing_keys SET retired_at = now() - interval '3601 seconds' WHERE kid = '$older'"
	! jwks_has "$older"
	jwks_has "$old"
	jwks_has "$(active_kid)"
	keys
	jq_is ".keys[] | select(.kid == \"$older\") | .status" retired
}

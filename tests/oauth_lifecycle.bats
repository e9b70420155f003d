#!/usr/bin/env bats
# oauth_lifecycle.bats: introspection (RFC 7662) and revocation (RFC
# 7009) over a token's life: between tenants and clients, after the
# client is deactivated or its secret regenerated, across the server's
# processes, after expiry, when tampered with or unsigned, and around a
# tenant's suspension (API.md sections 2 and 4).
load helpers
load oauth_helpers

setup_file() {
	new_tenant olife
	new_client "$TENANT_ID" "$ADMIN_JWT"
	export TENANT_ID ADMIN_JWT CLIENT_REC CLIENT_ID CLIENT_SECRET
}

teardown() {
	oauth_fcgi_stop
}

# A second client of the same tenant, the resource server.
rs_client() {
	local r=$CLIENT_REC i=$CLIENT_ID s=$CLIENT_SECRET
	new_client "$TENANT_ID" "$ADMIN_JWT"
	RS_ID=$CLIENT_ID
	RS_SECRET=$CLIENT_SECRET
	CLIENT_REC=$r CLIENT_ID=$i CLIENT_SECRET=$s
}

# sys_state TENANT suspend|reactivate
sys_state() {
	api POST "/system/tenants/$1/$2" -H "Authorization: Bearer $(token)" \
	    -H 'Content-Length: 0'
	status_is 200
}

# ---- introspection and revocation need a client ----

@test "introspection and revocation need client authentication" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	for p in /oauth/introspect /oauth/revoke; do
		api POST $p --data-urlencode "token=$ACCESS_TOKEN"
		oauth_error_is 401 invalid_client
		api POST $p -u "$CLIENT_ID:wrong" --data-urlencode "token=$ACCESS_TOKEN"
		oauth_error_is 401 invalid_client
		api POST $p -H "Authorization: Bearer $ACCESS_TOKEN" \
		    --data-urlencode "token=$ACCESS_TOKEN"
		oauth_error_is 401 invalid_client
	done
}

@test "introspection and revocation without a token are 400 invalid_request" {
	for p in /oauth/introspect /oauth/revoke; do
		api POST $p -u "$CLIENT_ID:$CLIENT_SECRET" -d token_type_hint=access_token
		oauth_error_is 400 invalid_request
		api POST $p -u "$CLIENT_ID:$CLIENT_SECRET" -d token=
		oauth_error_is 400 invalid_request
	done
}

@test "a repeated token parameter is 400 invalid_request and no process dies of it" {
	for i in 1 2 3 4 5 6; do
		for p in /oauth/introspect /oauth/revoke; do
			api POST $p -d "token=a&token=b"
			oauth_error_is 400 invalid_request
		done
	done
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	active
}

@test "client_secret_post and a token_type_hint are accepted by introspection" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	api POST /oauth/introspect --data-urlencode "token=$ACCESS_TOKEN" \
	    -d "client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET&token_type_hint=access_token"
	active
	api POST /oauth/introspect --data-urlencode "token=$ACCESS_TOKEN" \
	    -d "client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET&token_type_hint=refresh_token"
	active
}

@test "a malformed or unknown token introspects as exactly {\"active\":false}" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	for t in garbage a.b.c "$ACCESS_TOKEN.x" "${ACCESS_TOKEN%.*}" \
	    "${ACCESS_TOKEN%.*}." eyJhbGciOiJFUzI1NiJ9.e30.AAAA; do
		introspect "$CLIENT_ID" "$CLIENT_SECRET" "$t"
		inactive
	done
}

@test "another client of the same tenant sees the token active (resource server)" {
	rs_client
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	introspect "$RS_ID" "$RS_SECRET" "$ACCESS_TOKEN"
	active
	jq_is .client_id "$CLIENT_ID"
	jq_is .sub "$CLIENT_REC"
}

@test "a client cannot revoke a token issued to another client" {
	rs_client
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	revoke "$RS_ID" "$RS_SECRET" "$ACCESS_TOKEN"
	oauth_error_is 400 unauthorized_client
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	active
}

@test "a revoked token stays valid for no one and revoking it again is harmless" {
	rs_client
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	revoke "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	status_is 200
	[ -z "$body" ]
	introspect "$RS_ID" "$RS_SECRET" "$ACCESS_TOKEN"
	inactive
	revoke "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN" -d token_type_hint=access_token
	status_is 200
	[ -z "$body" ]
	# Its sibling tokens are untouched.
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	introspect "$RS_ID" "$RS_SECRET" "$ACCESS_TOKEN"
	active
}

# ---- across tenants ----

@test "a client of A cannot name tenant B on introspection or revocation" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	b=$(provision "$(uniq_slug olife-b)")
	for p in /oauth/introspect /oauth/revoke; do
		api POST $p -u "$CLIENT_ID:$CLIENT_SECRET" -H "X-Tenant-ID: $b" \
		    --data-urlencode "token=$ACCESS_TOKEN"
		oauth_error_is 401 invalid_client
	done
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	active
}

@test "a client of A introspecting a token of B gets exactly {\"active\":false}" {
	b=$(provision "$(uniq_slug olife-b)")
	a_id=$CLIENT_ID a_secret=$CLIENT_SECRET
	new_client "$b" "$(admin_token "$b")"
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	introspect "$a_id" "$a_secret" "$ACCESS_TOKEN"
	inactive
	introspect "$a_id" "$a_secret" "$ACCESS_TOKEN" -H "X-Tenant-ID: $TENANT_ID"
	inactive
	# B's own client still sees it active.
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	active
	jq_is .tid "$b"
}

@test "a client of A revoking a token of B leaves it active" {
	b=$(provision "$(uniq_slug olife-b)")
	a_id=$CLIENT_ID a_secret=$CLIENT_SECRET
	new_client "$b" "$(admin_token "$b")"
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	revoke "$a_id" "$a_secret" "$ACCESS_TOKEN"
	status_is 200
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	active
}

@test "an admin's or operator's JWT of another tenant introspects inactive" {
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$(token)"
	inactive
	b=$(provision "$(uniq_slug olife-b)")
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$(admin_token "$b")"
	inactive
}

# ---- the client's state ----

@test "a deactivated client gets no token, and its tokens introspect inactive" {
	rs_client
	new_client "$TENANT_ID" "$ADMIN_JWT"
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	api DELETE /admin/oauth/clients/$CLIENT_REC \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 204
	api POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
	introspect "$RS_ID" "$RS_SECRET" "$ACCESS_TOKEN"
	inactive
	# Nor may it introspect or revoke itself.
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	oauth_error_is 401 invalid_client
	revoke "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	oauth_error_is 401 invalid_client
}

@test "after regenerate-secret the old secret fails at once in every process" {
	oauth_procs
	new_client "$TENANT_ID" "$ADMIN_JWT"
	old=$CLIENT_SECRET
	dir=$BATS_TEST_TMPDIR
	# The old secret works.
	burst 8 "$dir" "$XV_URL/oauth/token" -u "$CLIENT_ID:$old" -d grant_type=client_credentials
	[ "$(sort -u "$dir/status")" = 200 ]
	api POST /admin/oauth/clients/$CLIENT_REC/regenerate-secret -H 'Content-Length: 0' \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	new=$(jq -r .client_secret <<<"$body")
	# Until every process has refused it at least once.
	mapfile -t before < <(proc_reads)
	for round in $(seq 1 10); do
		burst 16 "$dir" "$XV_URL/oauth/token" -u "$CLIENT_ID:$old" -d grant_type=client_credentials
		[ "$(sort -u "$dir/status")" = 401 ]
		all_served "${before[@]}" && break
	done
	all_served "${before[@]}"
	burst 8 "$dir" "$XV_URL/oauth/token" -u "$CLIENT_ID:$new" -d grant_type=client_credentials
	[ "$(sort -u "$dir/status")" = 200 ]
}

@test "tokens issued before a secret regeneration stay active until they expire" {
	new_client "$TENANT_ID" "$ADMIN_JWT"
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	api POST /admin/oauth/clients/$CLIENT_REC/regenerate-secret -H 'Content-Length: 0' \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	CLIENT_SECRET=$(jq -r .client_secret <<<"$body")
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	active
}

@test "a revocation is seen at once by every oauth.fcgi process" {
	oauth_procs
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	dir=$BATS_TEST_TMPDIR
	burst 8 "$dir" "$XV_URL/oauth/introspect" -u "$CLIENT_ID:$CLIENT_SECRET" \
	    --data-urlencode "token=$ACCESS_TOKEN"
	[ "$(jq -c .active "$dir"/[0-9] | sort -u)" = true ]
	revoke "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	status_is 200
	# Until every process has answered at least once.
	mapfile -t before < <(proc_reads)
	for round in $(seq 1 10); do
		burst 16 "$dir" "$XV_URL/oauth/introspect" -u "$CLIENT_ID:$CLIENT_SECRET" \
		    --data-urlencode "token=$ACCESS_TOKEN"
		for i in $(seq 1 16); do
			[ "$(jq -c . "$dir/$i")" = '{"active":false}' ]
		done
		all_served "${before[@]}" && break
	done
	all_served "${before[@]}"
}

# ---- expired, tampered, unsigned ----

@test "an expired access token introspects inactive" {
	# The stack issues 900-second tokens; a private oauth.fcgi of the same
	# stack with access_token_ttl = 2 (XAVYO_ACCESS_TOKEN_TTL) issues one
	# that expires within the test.
	oauth_fcgi_start short-ttl XAVYO_ACCESS_TOKEN_TTL=2
	fcgi_api POST /oauth/token grant_type=client_credentials \
	    "HTTP_AUTHORIZATION=Basic $(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"
	status_is 200
	jq_is .expires_in 2
	tok=$(jq -r .access_token <<<"$body")
	[ "$(jwt_part "$tok" 2 | jq '.exp - .iat')" = 2 ]
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$tok"
	active
	sleep 3
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$tok"
	inactive
	revoke "$CLIENT_ID" "$CLIENT_SECRET" "$tok"
	status_is 200
	[ -z "$body" ]
}

@test "an expired operator JWT introspects inactive" {
	t=$(token -t "$TENANT_ID" -r admin -s op -l 1)
	sleep 2
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$t"
	inactive
}

@test "a token whose claims were changed introspects inactive" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET" read
	h=$(cut -d. -f1 <<<"$ACCESS_TOKEN")
	s=$(cut -d. -f3 <<<"$ACCESS_TOKEN")
	for f in '.scope = "read write admin"' '.exp += 3600' \
	    '.client_id = "someone-else"' '.iss = "https://evil.example"'; do
		c=$(jwt_part "$ACCESS_TOKEN" 2 | jq -c "$f" | b64url_enc)
		introspect "$CLIENT_ID" "$CLIENT_SECRET" "$h.$c.$s"
		inactive
	done
	# The untouched token is still active.
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	active
}

@test "a token with a changed header or signature introspects inactive" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	c=$(cut -d. -f2 <<<"$ACCESS_TOKEN")
	s=$(cut -d. -f3 <<<"$ACCESS_TOKEN")
	for f in '.kid = "unknown-kid"' '.typ = "JWT"' 'del(.kid)'; do
		h=$(jwt_part "$ACCESS_TOKEN" 1 | jq -c "$f" | b64url_enc)
		introspect "$CLIENT_ID" "$CLIENT_SECRET" "$h.$c.$s"
		inactive
	done
	# Flip bits in the middle of the signature.
	sig=$(printf '%s' "$s" | b64url_dec | xxd -p -c 256)
	bad=$(printf '%s' "${sig:0:40}$(printf '%02x' $(( 0x${sig:40:2} ^ 0xff )))${sig:42}" |
	    xxd -r -p | b64url_enc)
	[ "$bad" != "$s" ]
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$(cut -d. -f1 <<<"$ACCESS_TOKEN").$c.$bad"
	inactive
}

@test "an unsigned (alg none) token introspects inactive" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	c=$(cut -d. -f2 <<<"$ACCESS_TOKEN")
	kid=$(jwt_part "$ACCESS_TOKEN" 1 | jq -r .kid)
	for hdr in '{"alg":"none","typ":"at+jwt"}' "{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"$kid\"}" \
	    "{\"alg\":\"None\",\"kid\":\"$kid\"}" "{\"alg\":\"\",\"kid\":\"$kid\"}"; do
		h=$(printf '%s' "$hdr" | b64url_enc)
		introspect "$CLIENT_ID" "$CLIENT_SECRET" "$h.$c."
		inactive
		introspect "$CLIENT_ID" "$CLIENT_SECRET" "$h.$c.$(cut -d. -f3 <<<"$ACCESS_TOKEN")"
		inactive
	done
}

@test "a token MACed with HS256 over the public key introspects inactive" {
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	kid=$(jwt_part "$ACCESS_TOKEN" 1 | jq -r .kid)
	c=$(cut -d. -f2 <<<"$ACCESS_TOKEN")
	forged=$("$PYTHON" - "$XV_URL/.well-known/jwks.json" "$kid" "$c" <<'PY'
import base64, hashlib, hmac, json, sys, urllib.request
from cryptography.hazmat.primitives import serialization
import jwt
url, kid, claims = sys.argv[1:4]
jwks = json.load(urllib.request.urlopen(url))
k = [k for k in jwks["keys"] if k["kid"] == kid][0]
pem = jwt.PyJWK(k).key.public_bytes(serialization.Encoding.PEM,
    serialization.PublicFormat.SubjectPublicKeyInfo)
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
h = b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": kid}).encode())
sig = hmac.new(pem, (h + "." + claims).encode(), hashlib.sha256).digest()
print(h + "." + claims + "." + b64(sig))
PY
)
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$forged"
	inactive
}

# ---- suspension ----

@test "a suspended tenant's client gets 401 invalid_client at the token endpoint" {
	new_tenant olife-sus
	new_client "$TENANT_ID" "$ADMIN_JWT"
	sys_state "$TENANT_ID" suspend
	api POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials
	oauth_error_is 401 invalid_client
	api POST /oauth/token -d "grant_type=client_credentials&client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET"
	oauth_error_is 401 invalid_client
}

@test "a suspended tenant's own client introspects its tokens as 200 {\"active\":false}" {
	new_tenant olife-sus
	new_client "$TENANT_ID" "$ADMIN_JWT"
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	sys_state "$TENANT_ID" suspend
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	inactive
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN" -H "X-Tenant-ID: $TENANT_ID"
	inactive
	# A wrong secret is still a wrong secret.
	introspect "$CLIENT_ID" wrong "$ACCESS_TOKEN"
	oauth_error_is 401 invalid_client
	# Its admin API is closed too.
	api GET /admin/oauth/clients -H "Authorization: Bearer $(token)" -H "X-Tenant-ID: $TENANT_ID"
	problem_is 403 tenant_suspended
}

@test "tokens issued before a suspension stay inactive after reactivation; new ones work" {
	new_tenant olife-sus
	new_client "$TENANT_ID" "$ADMIN_JWT"
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	before=$ACCESS_TOKEN
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$before"
	active
	sys_state "$TENANT_ID" suspend
	sys_state "$TENANT_ID" reactivate
	# Tokens of the suspension's second are refused; wait it out.
	sleep 1
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$before"
	inactive
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$ACCESS_TOKEN"
	active
	introspect "$CLIENT_ID" "$CLIENT_SECRET" "$before"
	inactive
}

@test "a client deactivated and reactivated does not get its old tokens back" {
	local tid c id secret at
	tid=$(provision "$(uniq_slug react)")
	c=$(curl -sS -X POST "$XV_URL/admin/oauth/clients" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(token)" -H "X-Tenant-ID: $tid" \
	    -d '{"name":"R","client_type":"confidential","grant_types":["client_credentials"],"scopes":["read"]}')
	id=$(echo "$c" | jq -r .id); cid=$(echo "$c" | jq -r .client_id); secret=$(echo "$c" | jq -r .client_secret)
	at=$(curl -sS -X POST "$XV_URL/oauth/token" -u "$cid:$secret" -d grant_type=client_credentials | jq -r .access_token)
	api DELETE "/admin/oauth/clients/$id" -H "Authorization: Bearer $(token)" -H "X-Tenant-ID: $tid"
	[ "$status_code" = 204 ]
	api PUT "/admin/oauth/clients/$id" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(token)" -H "X-Tenant-ID: $tid" -d '{"is_active":true}'
	[ "$status_code" = 200 ]
	sleep 1
	api POST /oauth/introspect -u "$cid:$secret" -d "token=$at"
	[ "$status_code" = 200 ]
	[ "$body" = '{"active":false}' ]
	# while a token issued after the reactivation is active
	at=$(curl -sS -X POST "$XV_URL/oauth/token" -u "$cid:$secret" -d grant_type=client_credentials | jq -r .access_token)
	api POST /oauth/introspect -u "$cid:$secret" -d "token=$at"
	[ "$(echo "$body" | jq -r .active)" = true ]
}

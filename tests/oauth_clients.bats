#!/usr/bin/env bats
# oauth_clients.bats: client administration of oauth.fcgi (API.md
# sections 1, 2 and 4): the field rules of a client document, where a
# client secret may and may not appear (answers, audit log, log files,
# database), who may manage clients, and that a tenant admin of A can
# neither see nor change B's clients.
load helpers
load oauth_helpers

setup_file() {
	new_tenant ocl
	export TENANT_ID ADMIN_JWT
}

# create JSON: POST /admin/oauth/clients in TENANT_ID as its admin.
create() {
	api POST /admin/oauth/clients -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID" \
	    -d "$1"
}

# conf [FIELD=JSON...]: a valid confidential client document, with fields
# replaced or added.
conf() {
	local doc='{"name":"svc","client_type":"confidential","redirect_uris":[],"grant_types":["client_credentials"],"scopes":["read"]}' kv
	for kv in "$@"; do
		doc=$(jq -c --argjson v "${kv#*=}" --arg k "${kv%%=*}" '.[$k] = $v' <<<"$doc")
	done
	printf '%s' "$doc"
}

# redirect URI: a public authorization_code client with that one URI.
redirect() {
	create "{\"name\":\"spa\",\"client_type\":\"public\",\"grant_types\":[\"authorization_code\"],\"redirect_uris\":[\"$1\"]}"
}

# ---- field rules (API.md section 4) ----

@test "client_type must be confidential or public" {
	create "$(conf client_type='"private"')"
	problem_is 400 validation_failed client_type
	create "$(conf client_type='"Confidential"')"
	problem_is 400 validation_failed client_type
	create "$(jq -c 'del(.client_type)' <<<"$(conf)")"
	problem_is 400 validation_failed client_type
	create "$(conf client_type=1)"
	problem_is 400 validation_failed client_type
}

@test "grant_types is a non-empty subset of the three supported grants" {
	create "$(conf grant_types='["client_credentials","password"]')"
	problem_is 400 validation_failed 'grant_types[1]'
	create "$(conf grant_types='["implicit"]')"
	problem_is 400 validation_failed 'grant_types[0]'
	create "$(conf grant_types='[]')"
	problem_is 400 validation_failed grant_types
	create "$(conf grant_types='"client_credentials"')"
	problem_is 400 validation_failed grant_types
	create "$(conf grant_types='["client_credentials","refresh_token","authorization_code"]' \
	    redirect_uris='["https://app.example.com/cb"]')"
	status_is 200
}

@test "a public client cannot have client_credentials" {
	create "$(conf client_type='"public"')"
	problem_is 400 validation_failed grant_types
	create "$(conf client_type='"public"' grant_types='["authorization_code","client_credentials"]' \
	    redirect_uris='["https://app.example.com/cb"]')"
	problem_is 400 validation_failed grant_types
}

@test "authorization_code needs at least one redirect URI" {
	create "$(conf grant_types='["authorization_code"]')"
	problem_is 400 validation_failed redirect_uris
}

@test "redirect URIs over https are accepted" {
	redirect "https://app.example.com/callback?x=1"
	status_is 200
	json_is .redirect_uris '["https://app.example.com/callback?x=1"]'
}

@test "redirect URIs over http are accepted on loopback hosts only" {
	for u in http://127.0.0.1:8080/cb http://localhost/cb http://localhost \
	    'http://[::1]:9000/cb'; do
		redirect "$u"
		status_is 200
	done
	for u in http://app.example.com/cb http://localhost.example.com/cb \
	    http://127.0.0.1.example.com/ http://10.0.0.1/cb; do
		redirect "$u"
		problem_is 400 validation_failed 'redirect_uris[0]'
	done
}

@test "an http redirect URI whose userinfo looks like a loopback host is refused" {
	# The host of these is evil.example, not localhost.
	for u in 'http://localhost:80@evil.example/cb' \
	    'http://127.0.0.1:x@evil.example/cb' 'http://[::1]:1@evil.example/'; do
		redirect "$u"
		problem_is 400 validation_failed 'redirect_uris[0]'
	done
}

@test "redirect URIs must be absolute and without a fragment" {
	for u in /callback callback //app.example.com/cb \
	    'https://app.example.com/cb#frag' 'https://app.example.com/#' \
	    https:// https:///cb 'https://app.example.com/a b' \
	    ftp://app.example.com/cb javascript:alert; do
		redirect "$u"
		problem_is 400 validation_failed 'redirect_uris[0]'
	done
}

@test "an unknown field is refused and named" {
	create "$(conf redirect_uri='["https://app.example.com/cb"]')"
	problem_is 400 unknown_field redirect_uri
	create "$(conf client_secret='"mine"')"
	problem_is 400 unknown_field client_secret
}

@test "scopes are RFC 6749 scope-tokens of at most 64 characters" {
	create "$(conf scopes='["read write"]')"
	problem_is 400 validation_failed 'scopes[0]'
	create "$(conf scopes='["read","say\"hi"]')"
	problem_is 400 validation_failed 'scopes[1]'
	create "$(conf scopes='["back\\slash"]')"
	problem_is 400 validation_failed 'scopes[0]'
	create "$(conf scopes='[""]')"
	problem_is 400 validation_failed 'scopes[0]'
	create "$(conf scopes='["caf\u00e9"]')"
	problem_is 400 validation_failed 'scopes[0]'
	create "$(conf scopes="[\"$(printf 'a%.0s' {1..65})\"]")"
	problem_is 400 validation_failed 'scopes[0]'
	create "$(conf scopes="[\"$(printf 'a%.0s' {1..64})\",\"user:read\",\"https://api.example.com/x\"]")"
	status_is 200
}

@test "a value repeated in scopes, grant_types or redirect_uris is refused" {
	create "$(conf scopes='["read","write","read"]')"
	problem_is 400 validation_failed scopes
	create "$(conf grant_types='["client_credentials","client_credentials"]')"
	problem_is 400 validation_failed grant_types
	create "$(conf grant_types='["authorization_code"]' \
	    redirect_uris='["https://a.example.com/cb","https://a.example.com/cb"]')"
	problem_is 400 validation_failed redirect_uris
}

@test "name is required, 1 to 200 characters" {
	create "$(jq -c 'del(.name)' <<<"$(conf)")"
	problem_is 400 validation_failed name
	create "$(conf name='""')"
	problem_is 400 validation_failed name
	create "$(conf name="\"$(printf 'n%.0s' {1..201})\"")"
	problem_is 400 validation_failed name
	create "$(conf name="\"$(printf 'n%.0s' {1..200})\"")"
	status_is 200
}

@test "a body that is not a JSON object is 400 and another media type 415" {
	create '{"name":'
	problem_is 400 invalid_json
	create '["not","an","object"]'
	problem_is 400 invalid_json
	api POST /admin/oauth/clients -H "Authorization: Bearer $ADMIN_JWT" \
	    -H "X-Tenant-ID: $TENANT_ID" -d "name=svc"
	problem_is 415 unsupported_media_type
}

@test "a client document with a null field is refused" {
	create "$(conf scopes=null)"
	problem_is 400 validation_failed scopes
}

# ---- updates ----

@test "an update cannot change client_type" {
	new_client "$TENANT_ID" "$ADMIN_JWT"
	api PUT /admin/oauth/clients/$CLIENT_REC -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID" \
	    -d '{"client_type":"public"}'
	problem_is 400 validation_failed client_type
}

@test "an update is checked against the same rules as a creation" {
	new_client "$TENANT_ID" "$ADMIN_JWT" "$(conf client_type='"public"' \
	    grant_types='["authorization_code"]' redirect_uris='["https://a.example.com/cb"]')"
	for doc in '{"grant_types":["authorization_code","client_credentials"]}' \
	    '{"redirect_uris":[]}' '{"scopes":["a","a"]}' '{"redirect_uris":["http://a.example.com/cb"]}' \
	    '{"secret":"x"}' '{"is_active":"yes"}'; do
		api PUT /admin/oauth/clients/$CLIENT_REC -H "Content-Type: application/json" \
		    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID" \
		    -d "$doc"
		status_is 400
	done
	api GET /admin/oauth/clients/$CLIENT_REC \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	json_is .grant_types '["authorization_code"]'
	json_is .redirect_uris '["https://a.example.com/cb"]'
	jq_is .is_active true
}

@test "an update with is_active true brings a deactivated client back" {
	new_client "$TENANT_ID" "$ADMIN_JWT"
	api DELETE /admin/oauth/clients/$CLIENT_REC \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 204
	api PUT /admin/oauth/clients/$CLIENT_REC -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID" \
	    -d '{"is_active":true}'
	status_is 200
	jq_is .is_active true
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
}

@test "a public client has no secret to regenerate (409)" {
	new_client "$TENANT_ID" "$ADMIN_JWT" "$(conf client_type='"public"' \
	    grant_types='["authorization_code"]' redirect_uris='["https://a.example.com/cb"]')"
	[ -z "$CLIENT_SECRET" ]
	api POST /admin/oauth/clients/$CLIENT_REC/regenerate-secret -H 'Content-Length: 0' \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	problem_is 409 public_client
}

@test "regenerate-secret takes no body" {
	new_client "$TENANT_ID" "$ADMIN_JWT"
	api POST /admin/oauth/clients/$CLIENT_REC/regenerate-secret \
	    -H "Content-Type: application/json" -d '{"client_secret":"chosen"}' \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	problem_is 400 invalid_request
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
}

@test "an unknown or malformed client id is 404" {
	for id in 00000000-0000-4000-8000-000000000000 not-a-uuid; do
		api GET /admin/oauth/clients/$id \
		    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
		problem_is 404 not_found
		api DELETE /admin/oauth/clients/$id \
		    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
		problem_is 404 not_found
	done
}

@test "a method a client path does not take is 405 with Allow" {
	new_client "$TENANT_ID" "$ADMIN_JWT"
	api PATCH /admin/oauth/clients/$CLIENT_REC -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID" -d '{}'
	problem_is 405 method_not_allowed
	[ "$(header Allow)" = "GET, PUT, DELETE" ]
	api DELETE /admin/oauth/clients \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	problem_is 405 method_not_allowed
	[ "$(header Allow)" = "GET, POST" ]
	api GET /admin/oauth/clients/$CLIENT_REC/regenerate-secret \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	problem_is 405 method_not_allowed
	[ "$(header Allow)" = POST ]
}

@test "the client list pages with limit and offset" {
	new_tenant opage
	for i in 1 2 3; do new_client "$TENANT_ID" "$ADMIN_JWT"; done
	api GET "/admin/oauth/clients?limit=2&offset=1" \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	jq_is '.clients | length' 2
	jq_is .total 3
	jq_is .limit 2
	jq_is .offset 1
	jq_is '.clients[1].id' "$CLIENT_REC"
	for q in limit=0 limit=101 offset=-1 limit=x; do
		api GET "/admin/oauth/clients?$q" \
		    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
		status_is 400
	done
}

# ---- the secret: shown once, stored as an HMAC, never logged ----

@test "the database holds only the 64-hex HMAC-SHA-256 of a client secret" {
	new_client "$TENANT_ID" "$ADMIN_JWT"
	stored=$(super_psql "SELECT secret_hash FROM oauth_clients WHERE id = '$CLIENT_REC'")
	[[ "$stored" =~ $HEX64 ]]
	# Keyed by the master key (oauth.fcgi(8)), so a leaked table alone
	# cannot even confirm a guessed secret.
	mk=$(grep '^MASTER_KEY=' "$XV_STACK/secrets/secrets.env" | cut -d= -f2)
	want=$(printf '%s' "$CLIENT_SECRET" | openssl dgst -sha256 \
	    -hmac "$mk:oauth-client-secret" | sed 's/.*= //')
	[ "$stored" = "$want" ]
	plain=$(printf '%s' "$CLIENT_SECRET" | sha256sum | cut -d' ' -f1)
	[ "$stored" != "$plain" ]
}

@test "a public client has no secret hash at all" {
	new_client "$TENANT_ID" "$ADMIN_JWT" "$(conf client_type='"public"' \
	    grant_types='["authorization_code"]' redirect_uris='["https://a.example.com/cb"]')"
	[ "$(super_psql "SELECT secret_hash IS NULL FROM oauth_clients WHERE id = '$CLIENT_REC'")" = t ]
}

@test "no table of the database holds a client secret, old or new" {
	new_client "$TENANT_ID" "$ADMIN_JWT"
	old=$CLIENT_SECRET
	api POST /admin/oauth/clients/$CLIENT_REC/regenerate-secret -H 'Content-Length: 0' \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	new=$(jq -r .client_secret <<<"$body")
	dump=$(
		# shellcheck disable=SC1091
		. "$XV_STACK/secrets/secrets.env"
		PGPASSWORD=$PG_SUPER_PW pg_dump --data-only -h "$XV_STACK/run" \
		    -p "$XV_PGPORT" -U postgres xavyo
	)
	[[ "$dump" == *"$CLIENT_REC"* ]]
	[[ "$dump" != *"$old"* ]]
	[[ "$dump" != *"$new"* ]]
}

@test "the secret appears in no answer but the one that makes it" {
	new_client "$TENANT_ID" "$ADMIN_JWT"
	s1=$CLIENT_SECRET
	api PUT /admin/oauth/clients/$CLIENT_REC -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID" \
	    -d '{"name":"renamed"}'
	status_is 200
	[[ "$body" != *"$s1"* ]]
	jq_is 'has("client_secret")' false
	api POST /admin/oauth/clients/$CLIENT_REC/regenerate-secret -H 'Content-Length: 0' \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	s2=$(jq -r .client_secret <<<"$body")
	[[ "$body" != *"$s1"* ]]
	for p in /admin/oauth/clients/$CLIENT_REC "/admin/oauth/clients?limit=100"; do
		api GET "$p" -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
		status_is 200
		[[ "$body" != *"$s1"* ]]
		[[ "$body" != *"$s2"* ]]
		[[ "$body" != *client_secret* ]]
	done
}

@test "the audit log records client changes without the secret or its hash" {
	new_tenant oaudit
	new_client "$TENANT_ID" "$ADMIN_JWT"
	s1=$CLIENT_SECRET
	api POST /admin/oauth/clients/$CLIENT_REC/regenerate-secret -H 'Content-Length: 0' \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	s2=$(jq -r .client_secret <<<"$body")
	api DELETE /admin/oauth/clients/$CLIENT_REC \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	hash=$(super_psql "SELECT secret_hash FROM oauth_clients WHERE id = '$CLIENT_REC'")
	api GET "/admin/audit-logs?resource_type=oauth_client&limit=100" \
	    -H "Authorization: Bearer $ADMIN_JWT" -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
	json_is '[.audit_logs[].action] | sort' \
	    '["oauth_client.created","oauth_client.deactivated","oauth_client.secret_regenerated"]'
	jq_is "[.audit_logs[] | select(.resource_id == \"$CLIENT_REC\")] | length" 3
	[[ "$body" != *"$s1"* ]]
	[[ "$body" != *"$s2"* ]]
	[[ "$body" != *"$hash"* ]]
	[[ "$body" != *secret_hash* ]]
}

@test "no log file of the stack contains a client secret or its hash" {
	new_client "$TENANT_ID" "$ADMIN_JWT"
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
	api POST /oauth/token -d "grant_type=client_credentials&client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET"
	status_is 200
	api POST /oauth/token -u "$CLIENT_ID:$CLIENT_SECRET-wrong" -d grant_type=client_credentials
	status_is 401
	hash=$(super_psql "SELECT secret_hash FROM oauth_clients WHERE id = '$CLIENT_REC'")
	ls "$XV_STACK"/log/*.log >/dev/null
	! grep -rqF -e "$CLIENT_SECRET" -e "$hash" "$XV_STACK"/log/
}

@test "oauth.fcgi's log lines reach a log file of the stack" {
	# Without this the test above proves nothing.
	rid=oauth-log-$RANDOM$RANDOM
	api GET /.well-known/jwks.json -H "X-Request-Id: $rid"
	status_is 200
	sleep 0.2
	grep -rqF "\"request_id\":\"$rid\"" "$XV_STACK"/log/ ||
	    { echo "no log line for $rid in $XV_STACK/log (lighttpd sends the programs' stderr to /dev/null unless server.breakagelog is set; under Apache it goes to log/oauth-fcgi.log)"; return 1; }
}

# ---- who may manage clients ----

@test "client administration needs a bearer token (401) of an admin (403)" {
	create "$(conf)"
	status_is 200
	api GET /admin/oauth/clients -H "X-Tenant-ID: $TENANT_ID"
	problem_is 401 unauthorized
	[[ "$(header WWW-Authenticate)" == Bearer* ]]
	api GET /admin/oauth/clients -H "X-Tenant-ID: $TENANT_ID" \
	    -H "Authorization: Bearer not.a.jwt"
	problem_is 401 unauthorized
	user=$(token -t "$TENANT_ID" -r user -s someone)
	api GET /admin/oauth/clients -H "X-Tenant-ID: $TENANT_ID" \
	    -H "Authorization: Bearer $user"
	problem_is 403 forbidden
	api POST /admin/oauth/clients -H "X-Tenant-ID: $TENANT_ID" \
	    -H "Authorization: Bearer $user" -H "Content-Type: application/json" \
	    -d "$(conf)"
	problem_is 403 forbidden
}

@test "an OAuth access token is no admin credential" {
	new_client "$TENANT_ID" "$ADMIN_JWT"
	get_token "$CLIENT_ID" "$CLIENT_SECRET" admin
	# Refused as a token of the wrong kind (401), not for lack of a role.
	api GET /admin/oauth/clients -H "X-Tenant-ID: $TENANT_ID" \
	    -H "Authorization: Bearer $ACCESS_TOKEN"
	problem_is 401 unauthorized
}

@test "X-Tenant-ID is required on client administration" {
	api GET /admin/oauth/clients -H "Authorization: Bearer $ADMIN_JWT"
	problem_is 400 tenant_required
	api GET /admin/oauth/clients -H "Authorization: Bearer $ADMIN_JWT" \
	    -H "X-Tenant-ID: nope"
	problem_is 400 invalid_tenant_id
}

@test "a super admin manages any tenant's clients by naming it" {
	api POST /admin/oauth/clients -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(token)" -H "X-Tenant-ID: $TENANT_ID" \
	    -d "$(conf)"
	status_is 200
	rec=$(jq -r .id <<<"$body")
	api GET /admin/oauth/clients/$rec -H "Authorization: Bearer $ADMIN_JWT" \
	    -H "X-Tenant-ID: $TENANT_ID"
	status_is 200
}

# ---- another tenant's clients ----

@test "a tenant admin of A naming B in X-Tenant-ID is refused (403 tenant_mismatch)" {
	a_jwt=$ADMIN_JWT
	new_tenant ocl-b
	new_client "$TENANT_ID" "$ADMIN_JWT"
	for m in GET DELETE; do
		api $m /admin/oauth/clients/$CLIENT_REC \
		    -H "Authorization: Bearer $a_jwt" -H "X-Tenant-ID: $TENANT_ID"
		problem_is 403 tenant_mismatch
	done
	api GET /admin/oauth/clients \
	    -H "Authorization: Bearer $a_jwt" -H "X-Tenant-ID: $TENANT_ID"
	problem_is 403 tenant_mismatch
}

@test "a tenant admin of A cannot read, change, delete or regenerate B's client (404), and B's client is unchanged" {
	a_tenant=$TENANT_ID
	a_jwt=$ADMIN_JWT
	new_tenant ocl-b
	new_client "$TENANT_ID" "$ADMIN_JWT"
	before=$(super_psql "SELECT row_to_json(c) FROM oauth_clients c WHERE id = '$CLIENT_REC'")
	as_a() {
		api "$@" -H "Authorization: Bearer $a_jwt" -H "X-Tenant-ID: $a_tenant"
	}
	as_a GET /admin/oauth/clients/$CLIENT_REC
	problem_is 404 not_found
	as_a PUT /admin/oauth/clients/$CLIENT_REC -H "Content-Type: application/json" \
	    -d '{"name":"taken","is_active":false}'
	problem_is 404 not_found
	as_a DELETE /admin/oauth/clients/$CLIENT_REC
	problem_is 404 not_found
	as_a POST /admin/oauth/clients/$CLIENT_REC/regenerate-secret -H 'Content-Length: 0'
	problem_is 404 not_found
	as_a GET "/admin/oauth/clients?limit=100"
	status_is 200
	[[ "$body" != *"$CLIENT_REC"* ]]
	after=$(super_psql "SELECT row_to_json(c) FROM oauth_clients c WHERE id = '$CLIENT_REC'")
	[ "$before" = "$after" ]
	get_token "$CLIENT_ID" "$CLIENT_SECRET"
}

@test "the oauth role sees no client outside the tenant its transaction names" {
	new_client "$TENANT_ID" "$ADMIN_JWT"
	[ "$(psql_as xavyo_oauth -c "SELECT count(*) FROM oauth_clients")" = 0 ]
	[ "$(psql_as xavyo_oauth -c "BEGIN" -c "SELECT set_config('app.tenant_id', '$TENANT_ID', true)" \
	    -c "SELECT count(*) > 0 FROM oauth_clients WHERE id = '$CLIENT_REC'" | tail -1)" = t ]
}

@test "the owner role, a member of xavyo_lookup, sees no client or tenant outside a scope" {
	new_client "$TENANT_ID" "$ADMIN_JWT"
	[ "$(psql_as xavyo_owner -c "SELECT count(*) FROM oauth_clients")" = 0 ]
	[ "$(psql_as xavyo_owner -c "SELECT count(*) FROM tenants")" = 0 ]
	# The lookup function, owned by xavyo_lookup, still finds the client.
	[ "$(psql_as xavyo_oauth -c "SELECT tenant_id FROM xv_client_lookup('$CLIENT_ID')")" = "$TENANT_ID" ]
}

@test "only the oauth role may call xv_client_lookup" {
	new_client "$TENANT_ID" "$ADMIN_JWT"
	[ "$(psql_as xavyo_oauth -c "SELECT tenant_id FROM xv_client_lookup('$CLIENT_ID')")" = "$TENANT_ID" ]
	run psql_as xavyo_tenants -c "SELECT tenant_id FROM xv_client_lookup('$CLIENT_ID')"
	[ "$status" -ne 0 ]
	[[ "$output" == *"permission denied"* ]]
}

#!/usr/bin/env bats
# invitations.bats: invitations.fcgi (API.md section 6): the guide's
# example as written, the mail and its link, accept (JSON and the page),
# each rule at its boundary (allowed_domains, one pending per email, no
# invitation for a user, super_admin, expiry, resend, the password
# policy, ten racing accepts, a suspended tenant), other tenants, the
# stored token, and the program's database role.

load helpers
load invitations_helpers

PW='Good-Passw0rd!'

setup_file() {
	export A B
	A=$(provision "$(uniq_slug inva)")
	B=$(provision "$(uniq_slug invb)")
}

# accept TOKEN JSON: POST /invite/TOKEN with a JSON body.
accept() {
	api POST "/invite/$1" -H "Content-Type: application/json" -d "$2"
}

# An invitation of tenant $1 to a fresh address: sets $ID, $EMAIL, $TOK.
fresh() {
	EMAIL=$(addr)
	invite "$1" "$EMAIL" "${2:-[\"user\"]}"
	status_is 201 || return 1
	ID=$(printf '%s' "$body" | jq -r .id)
	TOK=$(mail_link "$(mail_wait "$EMAIL")")
	TOK=${TOK##*/invite/}
}

@test "the guide's invitation example works as written" {
	local U=$XV_URL ADMIN_JWT TENANT_ID=$A
	ADMIN_JWT=$(admin_token "$A")
	curl_as_written -X POST $U/admin/invitations \
	  -H "Content-Type: application/json" \
	  -H "Authorization: Bearer $ADMIN_JWT" \
	  -H "X-Tenant-ID: $TENANT_ID" \
	  -d '{
	    "email": "new.user@example.com",
	    "roles": ["user", "editor"],
	    "message": "Welcome to Acme Corp!"
	  }'
	status_is 201
	printf '%s' "$body" | jq -e '(keys == ["created_at","email","expires_at",
	    "id","invited_by","message","roles","status"]) and .status == "pending"
	    and .roles == ["user","editor"] and .message == "Welcome to Acme Corp!"'
	[ "$(header Location)" = "/admin/invitations/$(printf '%s' "$body" | jq -r .id)" ]
	# Seven days, to the second.
	printf '%s' "$body" | jq -e '((.expires_at | fromdate) - (.created_at | fromdate)) == 604800'
}

@test "the mail arrives with the link; accepting it creates a user who can log in at once" {
	local f link t
	EMAIL=$(addr)
	invite "$A" "$EMAIL" '["user","editor"]'
	status_is 201
	f=$(mail_wait "$EMAIL")
	mail_header "$f" Message-ID | grep -Eq '^<[0-9a-f-]{36}@localhost>$'
	mail_header "$f" Subject | grep -q 'Invitation to join'
	link=$(mail_link "$f")
	[[ "$link" == "$XV_URL/invite/"* ]]
	t=${link##*/invite/}
	api GET "/invite/$t" -H "Accept: application/json"
	status_is 200
	jq_is .email "$EMAIL"
	jq_is .status pending
	accept "$t" "{\"password\":\"$PW\",\"display_name\":\"New User\"}"
	status_is 201
	printf '%s' "$body" | jq -e --arg e "$EMAIL" '.email == $e and
	    .roles == ["user","editor"] and .status == "active" and
	    .display_name == "New User" and .mfa_enabled == false'
	login "$A" "$EMAIL" "$PW"
	status_is 200
	[ -n "$(printf '%s' "$body" | jq -r .access_token)" ]
	# Single use: the same link again is refused.
	accept "$t" "{\"password\":\"$PW\"}"
	problem_is 409 invitation_accepted
	api GET "/admin/invitations?email=$EMAIL" -H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A"
	jq_is '.invitations[0].status' accepted
}

@test "the raw token is in no table, the mail sent keeps it no longer" {
	local pw
	fresh "$A"
	pw=$(grep '^PG_SUPER_PW=' "$XV_STACK/secrets/secrets.env" | cut -d= -f2)
	run bash -c "PGPASSWORD=$pw pg_dump -h '$XV_STACK/run' -p '$XV_PGPORT' -U postgres xavyo | grep -c -- '$TOK'"
	[ "$output" = 0 ]
	# Marked sent once the server answered, a moment after the file.
	for _ in $(seq 1 50); do
		[ "$(super_psql -c "SELECT count(*) FROM mail_outbox WHERE invitation_id = '$ID' AND status = 'sent' AND token_sealed IS NULL")" = 1 ] && break
		sleep 0.1
	done
	[ "$(super_psql -c "SELECT count(*) FROM mail_outbox WHERE invitation_id = '$ID' AND status = 'sent' AND token_sealed IS NULL")" = 1 ]
	[ "$(super_psql -c "SELECT count(*) FROM invitations WHERE id = '$ID' AND token_hash ~ '^[0-9a-f]{64}$'")" = 1 ]
}

@test "list filters by status and email; bad filters and pages are 400" {
	local h=(-H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A")
	fresh "$A"
	api GET "/admin/invitations?email=$(echo "$EMAIL" | tr a-z A-Z)" "${h[@]}"
	status_is 200
	printf '%s' "$body" | jq -e --arg id "$ID" '.total == 1 and .invitations[0].id == $id and .limit == 20 and .offset == 0'
	api GET "/admin/invitations?status=pending&email=$EMAIL" "${h[@]}"
	jq_is .total 1
	api GET "/admin/invitations?status=accepted&email=$EMAIL" "${h[@]}"
	jq_is .total 0
	api GET "/admin/invitations?status=bogus" "${h[@]}"
	problem_is 400 validation_failed status
	api GET "/admin/invitations?limit=0" "${h[@]}"
	status_is 400
	api GET "/admin/invitations/$ID" "${h[@]}"
	status_is 200
	jq_is .id "$ID"
	[ "$(printf '%s' "$body" | jq 'has("token") or has("token_hash")')" = false ]
}

@test "allowed_domains: the domain itself only, at invite and at accept" {
	local T h e
	T=$(provision "$(uniq_slug invd)")
	h=(-H "Authorization: Bearer $(admin_token "$T")" -H "X-Tenant-ID: $T" -H "Content-Type: application/json")
	api PUT "/admin/tenants/$T/settings" "${h[@]}" -d '{"allowed_domains":["example.com"]}'
	status_is 200
	for e in "x@sub.example.com" "x@example.com.evil.org" "x@example.org"; do
		invite "$T" "$(addr "${e#*@}")"
		problem_is 422 domain_not_allowed email
	done
	invite "$T" "$(addr EXAMPLE.COM)"
	status_is 201
	fresh "$T"
	api PUT "/admin/tenants/$T/settings" "${h[@]}" -d '{"allowed_domains":["example.org"]}'
	status_is 200
	accept "$TOK" "{\"password\":\"$PW\"}"
	problem_is 422 domain_not_allowed
}

@test "one pending invitation per email, none for an existing user; revoked or expired ones make room" {
	local h=(-H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A")
	fresh "$A"
	invite "$A" "$(echo "$EMAIL" | tr a-z A-Z)"
	problem_is 409 invitation_pending email
	api DELETE "/admin/invitations/$ID" "${h[@]}"
	status_is 204
	invite "$A" "$EMAIL"
	status_is 201
	ID=$(printf '%s' "$body" | jq -r .id)
	owner_sql "$A" "UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = '$ID'"
	invite "$A" "$EMAIL"
	status_is 201
	TOK=$(mail_link "$(mail_wait "$EMAIL" 3)")
	accept "${TOK##*/invite/}" "{\"password\":\"$PW\"}"
	status_is 201
	invite "$A" "$EMAIL"
	problem_is 409 user_exists email
}

@test "super_admin is never granted; roles, message and fields are checked" {
	local r21 m
	invite "$A" "$(addr)" '["user","super_admin"]'
	problem_is 403 forbidden roles
	invite "$SYSTEM_TENANT_ID" "$(addr)" '["super_admin"]'
	problem_is 403 forbidden roles
	r21=$(jq -cn '[range(21) | "r\(.)"]')
	invite "$A" "$(addr)" "$r21"
	problem_is 400 validation_failed roles
	invite "$A" "$(addr)" '[""]'
	problem_is 400 validation_failed 'roles[0]'
	invite "$A" "$(addr)" "$(jq -cn '[range(20) | "r\(.)"]')"
	status_is 201
	m=$(head -c 2000 /dev/zero | tr '\0' m)
	api POST /admin/invitations -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A" \
	    -d "{\"email\":\"$(addr)\",\"message\":\"$m\"}"
	status_is 201
	api POST /admin/invitations -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A" \
	    -d "{\"email\":\"$(addr)\",\"message\":\"${m}m\"}"
	problem_is 400 validation_failed message
	api POST /admin/invitations -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A" \
	    -d "{\"email\":\"$(addr)\",\"rolez\":[]}"
	problem_is 400 unknown_field rolez
	api POST /admin/invitations -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A" \
	    -d '{"email":"not-an-email"}'
	problem_is 400 validation_failed email
}

@test "expiry: a second past it 410, seconds before it the link works" {
	local h=(-H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A")
	fresh "$A"
	owner_sql "$A" "UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = '$ID'"
	api GET "/invite/$TOK" -H "Accept: application/json"
	problem_is 410 invitation_expired
	accept "$TOK" "{\"password\":\"$PW\"}"
	problem_is 410 invitation_expired
	api GET "/admin/invitations/$ID" "${h[@]}"
	jq_is .status expired
	api GET "/admin/invitations?status=expired&email=$EMAIL" "${h[@]}"
	jq_is .total 1
	owner_sql "$A" "UPDATE invitations SET expires_at = now() + interval '2 seconds' WHERE id = '$ID'"
	accept "$TOK" "{\"password\":\"$PW\"}"
	status_is 201
}

@test "resend: a new token and expiry, the old token dies, the new mail carries the new link" {
	local h=(-H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A") old t2
	fresh "$A"
	old=$TOK
	owner_sql "$A" "UPDATE invitations SET expires_at = now() - interval '1 day' WHERE id = '$ID'"
	api POST "/admin/invitations/$ID/resend" "${h[@]}" -H "Content-Length: 0"
	status_is 200
	jq_is .status pending
	printf '%s' "$body" | jq -e '(.expires_at | fromdate) > now + 604000'
	t2=$(mail_link "$(mail_wait "$EMAIL" 2)")
	t2=${t2##*/invite/}
	[ "$t2" != "$old" ]
	accept "$old" "{\"password\":\"$PW\"}"
	problem_is 404 invalid_invitation
	accept "$t2" "{\"password\":\"$PW\"}"
	status_is 201
	api POST "/admin/invitations/$ID/resend" "${h[@]}" -H "Content-Length: 0"
	problem_is 409 invitation_closed
}

@test "accept checks the password policy and names every rule broken" {
	fresh "$A"
	accept "$TOK" '{"password":"abc"}'
	problem_is 422 password_policy
	printf '%s' "$body" | jq -e '.violations == ["min_length","require_uppercase","require_numbers","require_special_chars"]'
	accept "$TOK" '{"password":"Abcdef1!"}'
	status_is 201
}

@test "ten concurrent accepts create the user exactly once" {
	local i codes
	fresh "$A"
	for i in $(seq 1 10); do
		curl -s -o /dev/null -w '%{http_code}\n' -X POST "$XV_URL/invite/$TOK" \
		    -H "Content-Type: application/json" \
		    -d "{\"password\":\"$PW-$i\"}" > "$BATS_TEST_TMPDIR/c$i" &
	done
	wait
	codes=$(cat "$BATS_TEST_TMPDIR"/c* | sort | uniq -c | tr -s ' ')
	echo "$codes"
	[ "$(cat "$BATS_TEST_TMPDIR"/c* | grep -c '^201$')" = 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR"/c* | grep -c '^409$')" = 9 ]
	[ "$(owner_sql "$A" "SELECT count(*) FROM users WHERE lower(email) = lower('$EMAIL')")" = 1 ]
}

@test "an accept after the tenant was suspended is refused" {
	local T
	T=$(provision "$(uniq_slug invs)")
	fresh "$T"
	api POST "/system/tenants/$T/suspend" -H "Authorization: Bearer $(token)" \
	    -H "Content-Type: application/json" -d '{"reason":"test"}'
	status_is 200
	accept "$TOK" "{\"password\":\"$PW\"}"
	problem_is 403 tenant_suspended
	api GET "/invite/$TOK" -H "Accept: application/json"
	problem_is 403 tenant_suspended
	[ "$(owner_sql "$T" "SELECT count(*) FROM users")" = 0 ]
}

@test "another tenant's invitation: 404 by id, 403 by X-Tenant-ID swap, bulk resend resends nothing" {
	local hb=(-H "Authorization: Bearer $(admin_token "$B")" -H "X-Tenant-ID: $B") n
	fresh "$A"
	api GET "/admin/invitations/$ID" "${hb[@]}"
	problem_is 404 not_found
	api DELETE "/admin/invitations/$ID" "${hb[@]}"
	problem_is 404 not_found
	api POST "/admin/invitations/$ID/resend" "${hb[@]}" -H "Content-Length: 0"
	problem_is 404 not_found
	api GET "/admin/invitations?email=$EMAIL" "${hb[@]}"
	jq_is .total 0
	# B's admin naming A, and A's token naming B.
	api GET "/admin/invitations/$ID" -H "Authorization: Bearer $(admin_token "$B")" -H "X-Tenant-ID: $A"
	problem_is 403 tenant_mismatch
	api GET "/admin/invitations/$ID" -H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $B"
	problem_is 403 tenant_mismatch
	# The token names its tenant; a header naming another is refused.
	api GET "/invite/$TOK" -H "Accept: application/json" -H "X-Tenant-ID: $B"
	problem_is 403 tenant_mismatch
	n=$(owner_sql "$A" "SELECT count(*) FROM mail_outbox WHERE invitation_id = '$ID'")
	api POST /admin/invitations/bulk-resend "${hb[@]}" -H "Content-Type: application/json" \
	    -d "{\"ids\":[\"$ID\",\"not-a-uuid\"]}"
	status_is 200
	printf '%s' "$body" | jq -e --arg id "$ID" '.resent == 0 and .skipped == [{"id":$id,"reason":"not_found"},{"id":"not-a-uuid","reason":"not_found"}]'
	[ "$(owner_sql "$A" "SELECT count(*) FROM mail_outbox WHERE invitation_id = '$ID'")" = "$n" ]
}

@test "bulk resend by ids and by status says what it resent and what it skipped" {
	local T h i1 i2 i3
	T=$(provision "$(uniq_slug invk)")
	h=(-H "Authorization: Bearer $(admin_token "$T")" -H "X-Tenant-ID: $T" -H "Content-Type: application/json")
	fresh "$T"; i1=$ID
	fresh "$T"; i2=$ID
	accept "$TOK" "{\"password\":\"$PW\"}"
	fresh "$T"; i3=$ID
	api POST /admin/invitations/bulk-resend "${h[@]}" -d "{\"ids\":[\"$i1\",\"$i2\"]}"
	status_is 200
	printf '%s' "$body" | jq -e --arg id "$i2" '.resent == 1 and .skipped == [{"id":$id,"reason":"accepted"}]'
	api POST /admin/invitations/bulk-resend "${h[@]}" -d '{"status":"pending"}'
	status_is 200
	printf '%s' "$body" | jq -e '.resent == 2 and .skipped == []'
	[ "$(owner_sql "$T" "SELECT count(*) FROM mail_outbox WHERE invitation_id = '$i1' AND status <> 'cancelled'")" -ge 2 ]
	api POST /admin/invitations/bulk-resend "${h[@]}" -d '{}'
	problem_is 400 validation_failed
	api POST /admin/invitations/bulk-resend "${h[@]}" -d '{"status":"accepted"}'
	problem_is 400 validation_failed status
	[ -n "$i3" ]
}

@test "revoke: 204, the link dies, a second revoke is 409" {
	local h=(-H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A")
	fresh "$A"
	api DELETE "/admin/invitations/$ID" "${h[@]}"
	status_is 204
	api GET "/admin/invitations/$ID" "${h[@]}"
	jq_is .status revoked
	accept "$TOK" "{\"password\":\"$PW\"}"
	problem_is 409 invitation_revoked
	api DELETE "/admin/invitations/$ID" "${h[@]}"
	problem_is 409 invitation_closed
}

@test "the page: HTML with a strict CSP and no external asset, CSRF, each broken rule in words, then 303" {
	local j="$BATS_TEST_TMPDIR/jar" csrf bad
	fresh "$A"
	api GET "/invite/$TOK" -c "$j"
	status_is 200
	[[ "$(header Content-Type)" == text/html* ]]
	header Content-Security-Policy | grep -q "default-src 'none'; style-src 'sha256-"
	header Content-Security-Policy | grep -q "frame-ancestors 'none'"
	header Content-Security-Policy | grep -q "form-action 'self'"
	[ "$(header X-Frame-Options)" = DENY ]
	! printf '%s' "$body" | grep -Eqi '(src|href)='
	printf '%s' "$body" | grep -q '<label for="password">'
	header Set-Cookie | grep -q 'HttpOnly; SameSite=Strict'
	csrf=$(printf '%s' "$body" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p')
	[ ${#csrf} = 64 ]
	# No CSRF token, or a wrong one: refused, nothing created.
	api POST "/invite/$TOK" -b "$j" --data-urlencode "password=$PW"
	status_is 403
	[[ "$(header Content-Type)" == text/html* ]]
	api POST "/invite/$TOK" --data-urlencode "password=$PW" --data-urlencode "csrf=$csrf"
	status_is 403
	# The last digit changed (never "changed" to itself: 1 in 16).
	bad=${csrf%?}$([ "${csrf: -1}" = 0 ] && echo 1 || echo 0)
	api POST "/invite/$TOK" -b "$j" --data-urlencode "password=$PW" --data-urlencode "csrf=$bad"
	status_is 403
	# A weak password: 422, the form again with each broken rule in words.
	api POST "/invite/$TOK" -b "$j" --data-urlencode "password=weakpass" \
	    --data-urlencode "display_name=<Ann>" --data-urlencode "csrf=$csrf"
	status_is 422
	printf '%s' "$body" | grep -q 'id="broken"><li>An uppercase letter (A-Z)</li><li>A digit (0-9)</li><li>A character that is not a letter or digit</li></ul>'
	printf '%s' "$body" | grep -q 'value="&lt;Ann&gt;"'
	api POST "/invite/$TOK" -b "$j" --data-urlencode "password=$PW" --data-urlencode "csrf=$csrf"
	status_is 303
	[ "$(header Location)" = /invite/accepted ]
	api GET /invite/accepted
	status_is 200
	printf '%s' "$body" | grep -q 'You can now sign in'
	login "$A" "$EMAIL" "$PW"
	status_is 200
}

@test "tokens: malformed and unknown ones are 404, wrong methods 405, the admin API needs an admin" {
	api GET "/invite/short" -H "Accept: application/json"
	problem_is 404 invalid_invitation
	api GET "/invite/$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-43)" -H "Accept: application/json"
	problem_is 404 invalid_invitation
	api GET "/invite/short"
	status_is 404
	[[ "$(header Content-Type)" == text/html* ]]
	api DELETE "/invite/short"
	status_is 405
	api PUT /admin/invitations -H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A"
	status_is 405
	api GET /admin/invitations -H "X-Tenant-ID: $A"
	status_is 401
	api GET /admin/invitations -H "Authorization: Bearer $("$XV_CTL" token -t "$A" -r user -s someone)" -H "X-Tenant-ID: $A"
	problem_is 403 forbidden
}

@test "the program's role creates users but reads no password hash, TOTP secret or sealed token" {
	run psql_as xavyo_invitations -v ON_ERROR_STOP=1 -c "SELECT password_hash FROM users"
	[ "$status" -ne 0 ]
	[[ "$output" == *"permission denied"* ]]
	run psql_as xavyo_invitations -v ON_ERROR_STOP=1 -c "SELECT mfa_secret_sealed FROM users"
	[[ "$output" == *"permission denied"* ]]
	run psql_as xavyo_invitations -v ON_ERROR_STOP=1 -c "SELECT token_sealed FROM mail_outbox"
	[[ "$output" == *"permission denied"* ]]
	run psql_as xavyo_invitations -v ON_ERROR_STOP=1 -c "UPDATE users SET password_hash = 'x'"
	[[ "$output" == *"permission denied"* ]]
	run psql_as xavyo_invitations -v ON_ERROR_STOP=1 -c "SELECT * FROM sessions"
	[[ "$output" == *"permission denied"* ]]
	# The sender reads the outbox only.
	run psql_as xavyo_mailer -v ON_ERROR_STOP=1 -c "SELECT email FROM users"
	[[ "$output" == *"permission denied"* ]]
	run psql_as xavyo_mailer -v ON_ERROR_STOP=1 -c "SELECT token_hash FROM invitations"
	[[ "$output" == *"permission denied"* ]]
	run psql_as xavyo_mailer -v ON_ERROR_STOP=1 -c "INSERT INTO mail_outbox (tenant_id, recipient, subject, body) VALUES ('$A', 'x@example.com', 's', 'b')"
	[[ "$output" == *"permission denied"* ]]
	# Without a tenant scope the program sees no invitation at all.
	[ "$(psql_as xavyo_invitations -c "SELECT count(*) FROM invitations")" = 0 ]
}

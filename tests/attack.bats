#!/usr/bin/env bats
# attack.bats: the isolation matrix and the bad-input catalogue, built
# from the route tables that the programs print (-R) by
# tests/tools/attack.py, so that a new route is attacked as soon as it
# exists, and a route the attacks do not know fails the first test.
#
# Two tenants, A and B, each with a user, API keys of every scope, an
# OAuth client and a token, a browser session (signed in through the
# sign-in page) and an invitation token (read from the delivered mail).  The matrix calls every route with each of
# A's credentials against B's resources (by id under A's X-Tenant-ID,
# and under B's): every call is refused and B's rows are byte-identical
# afterwards.  The catalogue sends every route malformed, truncated,
# mistyped, overlong and out-of-range input: each gets a 4xx in the
# route's error style and the database does not change at all.
load helpers
load oauth_helpers
load oidc_helpers
load invitations_helpers

PROGS=$(sed "/^#/d" "$XV_SRC/programs")
TOOL=$BATS_TEST_DIRNAME/tools/attack.py
PW='Attack-Passw0rd!'

# The routes of every program, one a line (route.c print_routes).
routes_file() {
	local p
	for p in $PROGS; do "$XV_SRC/cgi-bin/$p.fcgi" -R; done
}

spsql() {
	(
		# shellcheck disable=SC1091
		. "$XV_STACK/secrets/secrets.env"
		PGPASSWORD=$PG_SUPER_PW psql -X -At -q -v ON_ERROR_STOP=1 \
		    -h "$XV_STACK/run" -p "$XV_PGPORT" -U postgres -d xavyo "$@"
	)
}

# dump [TENANT]: every row of every table (of TENANT only, if given),
# in a stable order, as text.
dump() {
	local t where
	for t in $(spsql -c "SELECT table_name FROM information_schema.tables
	    WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
	    ORDER BY 1"); do
		where=""
		if [ -n "${1-}" ]; then
			if [ "$t" = tenants ]; then
				where="WHERE id = '$1'"
			elif spsql -c "SELECT 1 FROM information_schema.columns
			    WHERE table_name = '$t' AND column_name = 'tenant_id'" |
			    grep -q 1; then
				where="WHERE tenant_id = '$1'"
			else
				continue
			fi
		fi
		echo "== $t"
		spsql -c "SELECT x::text FROM $t x $where ORDER BY x::text"
	done
}

# Sets up tenant $1 (a or b): prints JSON of its credentials and ids.
tenant_ctx() {
	local n=$1 t adm email uid login key_r key_w key_a c cid csec tok kid
	local ie inv itok pub jar sid
	t=$(provision "$(uniq_slug "atk$n")" "Attack $n")
	adm=$(admin_token "$t")
	email="user-$n-$RANDOM@example.com"
	H=(-H "Authorization: Bearer $adm" -H "X-Tenant-ID: $t" -H "Content-Type: application/json")
	uid=$(curl -sS -X POST "$XV_URL/admin/users" "${H[@]}" \
	    -d "{\"email\":\"$email\",\"roles\":[\"admin\"],\"password\":\"$PW\"}" | jq -r .id)
	login=$(curl -sS -X POST "$XV_URL/auth/login" -H "X-Tenant-ID: $t" \
	    -H "Content-Type: application/json" \
	    -d "{\"email\":\"$email\",\"password\":\"$PW\"}")
	mkkey() {
		curl -sS -X POST "$XV_URL/admin/api-keys" "${H[@]}" \
		    -d "{\"name\":\"$1\",\"scopes\":[\"$1\"]}"
	}
	key_r=$(mkkey read); key_w=$(mkkey write); key_a=$(mkkey admin)
	c=$(curl -sS -X POST "$XV_URL/admin/oauth/clients" "${H[@]}" \
	    -d '{"name":"Attack","client_type":"confidential","grant_types":["client_credentials"],"scopes":["read"]}')
	cid=$(jq -r .client_id <<<"$c")
	csec=$(jq -r .client_secret <<<"$c")
	tok=$(curl -sS -u "$cid:$csec" -d grant_type=client_credentials \
	    "$XV_URL/oauth/token" | jq -r .access_token)
	ie="invitee-$n-$RANDOM@example.com"
	inv=$(curl -sS -X POST "$XV_URL/admin/invitations" "${H[@]}" \
	    -d "{\"email\":\"$ie\"}" | jq -r .id)
	# The invitee's token, from the mail as delivered.
	itok=$(mail_link "$(mail_wait "$ie" 1 20)") || return 1
	itok=${itok##*/}
	# A browser session: the user signs in through the sign-in page of a
	# public client, as a browser would post it; its cookie is kept.
	pub=$(curl -sS -X POST "$XV_URL/admin/oauth/clients" "${H[@]}" \
	    -d "{\"name\":\"SPA\",\"client_type\":\"public\",\"grant_types\":[\"authorization_code\"],\"redirect_uris\":[\"$RP\"],\"scopes\":[\"read\"]}" |
	    jq -r .client_id)
	pkce
	jar=$(mktemp)
	signin "$jar" "$email" "$PW" "$(authz_q "$pub")" >&2 || return 1
	sid=$(awk -v n="xv_sid_$t" '$6 == n { print $7 }' "$jar")
	rm -f "$jar"
	[ -n "$sid" ] || { echo "no session cookie for $email" >&2; return 1; }
	jq -n --arg t "$t" --arg adm "$adm" --arg email "$email" --arg uid "$uid" \
	    --argjson login "$login" --argjson kr "$key_r" --argjson kw "$key_w" \
	    --argjson ka "$key_a" --argjson c "$c" --arg tok "$tok" --arg inv "$inv" \
	    --arg basic "Basic $(printf '%s:%s' "$cid" "$csec" | base64 -w0)" \
	    --arg sid "$sid" --arg itok "$itok" --arg pub "$pub" \
	    '{tenant: $t, admin: $adm, email: $email, user: $login.access_token,
	      refresh: $login.refresh_token, key_read: $kr.key, key_write: $kw.key,
	      key_admin: $ka.key, basic: $basic, token: $tok,
	      sid: $sid, invite_token: $itok, public_client: $pub,
	      ids: {tenant: $t, client: $c.id, apikey: $ka.id, user: $uid,
	            invitation: $inv}}'
}

setup_file() {
	local a b
	a=$(tenant_ctx a) || return 1
	b=$(tenant_ctx b) || return 1
	CTX=$BATS_FILE_TMPDIR/ctx.json
	ROUTES=$BATS_FILE_TMPDIR/routes.tsv
	jq -n --argjson a "$a" --argjson b "$b" --arg url "$XV_URL" \
	    --arg super "$(token)" --arg server "$XV_SERVER" --arg sys "$SYSTEM_TENANT_ID" --arg pw "$PW" \
	    '{url: $url, server: $server, super: $super, system: $sys, a: $a.tenant, b: $b.tenant,
	      a_admin: $a.admin, a_user: $a.user, refresh: $a.refresh,
	      a_email: $a.email, a_password: $pw, a_key_read: $a.key_read,
	      a_key_write: $a.key_write, a_key_admin: $a.key_admin,
	      a_basic: $a.basic, a_ids: $a.ids, b_ids: $b.ids,
	      a_sid: $a.sid, a_invite_token: $a.invite_token,
	      b_public_client: $b.public_client, b_sid: $b.sid, rp: "'"$RP"'",
	      b_token: $b.token, b_key: $b.key_read, b_basic: $b.basic}' > "$CTX"
	routes_file > "$ROUTES"
	export CTX ROUTES
	# The mail sender writes to the outbox as it delivers: the dumps
	# compared below start once it has nothing left to send.
	for _ in $(seq 1 150); do
		[ "$(spsql -c "SELECT count(*) FROM mail_outbox WHERE status = 'queued'")" = 0 ] && break
		sleep 0.1
	done
}

@test "every route that a program serves is known to the attacks, and each they know is served" {
	run python3 "$TOOL" routes "$ROUTES" "$CTX"
	echo "$output"
	[ "$status" -eq 0 ]
	# The route tables are not empty: the matrix below covers them all.
	[ "$(wc -l < "$ROUTES")" -ge 40 ]
	# The figure, in the TAP output of every run.
	echo "# routes attacked: $(wc -l < "$ROUTES")" >&3
}

@test "the context is whole: every credential and id of A and B is set" {
	run jq -e '[.. | scalars] | all(. != null and . != "" and . != "null")' "$CTX"
	[ "$status" -eq 0 ] || { cat "$CTX"; false; }
}

@test "isolation matrix: each of A's credentials, against B by id and by X-Tenant-ID, is refused, and B's rows do not change" {
	dump "$(jq -r .b "$CTX")" > "$BATS_TEST_TMPDIR/before"
	run python3 "$TOOL" matrix "$ROUTES" "$CTX"
	echo "$output" | grep -v '^ok' | tail -40
	dump "$(jq -r .b "$CTX")" > "$BATS_TEST_TMPDIR/after"
	[ "$status" -eq 0 ]
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	[ "$(grep -c . "$BATS_TEST_TMPDIR/before")" -gt 20 ]
	echo "$output" | tail -1 | grep -E '^[0-9]{3,} checks, 0 failed$'
	echo "# isolation matrix: $(echo "$output" | tail -1)" >&3
}

@test "bad-input catalogue: every route answers each malformed input with a 4xx in its own style, and nothing changes" {
	dump > "$BATS_TEST_TMPDIR/before"
	run python3 "$TOOL" catalogue "$ROUTES" "$CTX"
	echo "$output" | grep -v '^ok' | tail -40
	dump > "$BATS_TEST_TMPDIR/after"
	[ "$status" -eq 0 ]
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	echo "$output" | tail -1 | grep -E '^[0-9]{3,} checks, 0 failed$'
	echo "# bad-input catalogue: $(echo "$output" | tail -1)" >&3
}

@test "B's token, API key and browser session still work after the attacks" {
	b=$(jq -r .b "$CTX")
	api POST /admin/api-keys/introspect -H "Authorization: Bearer $(admin_token "$b")" \
	    -H "X-Tenant-ID: $b" -H "Content-Type: application/json" \
	    -d "{\"key\":\"$(jq -r .b_key "$CTX")\"}"
	status_is 200
	jq_is .active true
	api POST /oauth/introspect -H "Authorization: $(jq -r .b_basic "$CTX")" \
	    --data-urlencode "token=$(jq -r .b_token "$CTX")"
	status_is 200
	jq_is .active true
	# The matrix's browser check could fail: B's session, from the same
	# request that A's session was refused, gets a code.
	run python3 "$TOOL" control "$ROUTES" "$CTX"
	echo "$output"
	[ "$status" -eq 0 ]
}

#!/usr/bin/env bats
# pagination.bats: every list by offset and by cursor (?after=, API.md
# section 1, tenants.fcgi(8)): the cursor walk yields exactly the offset
# walk's items in the same order, next is null on the last page, a
# cursor of another tenant's names nothing, bad cursors are refused,
# filters still apply, and a deep cursor page reads about limit rows of
# an index where the offset page at the same depth reads them all.
load helpers

super_psql() {
	local pw
	pw=$(grep '^PG_SUPER_PW=' "$XV_STACK/secrets/secrets.env" | cut -d= -f2)
	PGPASSWORD=$pw psql -X -At -q -v ON_ERROR_STOP=1 -h "$XV_STACK/run" \
	    -p "$XV_PGPORT" -U postgres -d xavyo "$@"
}

# seed TENANT N TAG: N of each tenant-owned listed item in TENANT, the
# first half of them at one and the same created_at (so that only the id
# orders them), the rest apart; NOTE is written into their names.
seed() {
	super_psql -c "
	CREATE TEMP TABLE g AS SELECT g, CASE WHEN g <= $2 / 2
	    THEN timestamptz '2020-01-01' ELSE timestamptz '2020-01-01'
	    + g * interval '1 minute' END AS at FROM generate_series(1, $2) g;
	INSERT INTO api_keys (tenant_id, name, key_prefix, key_hash, scopes,
	    created_by, created_at)
	    SELECT '$1', '$3 key ' || g, 'xvk_pg', encode(sha256(('$1$3' || g)
	    ::bytea), 'hex'), '{read}', 'seed', at FROM g;
	INSERT INTO api_keys (tenant_id, name, key_prefix, key_hash, scopes,
	    created_by, created_at, revoked_at)
	    VALUES ('$1', '$3 revoked', 'xvk_pg', encode(sha256('$1$3 r'
	    ::bytea), 'hex'), '{read}', 'seed', '2020-01-01', now());
	INSERT INTO oauth_clients (tenant_id, client_id, name, client_type,
	    grant_types, created_at)
	    SELECT '$1', '$3-' || g || '-$1', '$3 client ' || g, 'public',
	    '{authorization_code}', at FROM g;
	INSERT INTO users (tenant_id, email, created_at)
	    SELECT '$1', '$3-' || g || '@example.com', at FROM g;
	INSERT INTO invitations (tenant_id, email, token_hash, status,
	    expires_at, invited_by, created_at)
	    SELECT '$1', '$3-inv-' || g || '@example.com',
	    encode(sha256(('$1$3 inv' || g)::bytea), 'hex'),
	    CASE WHEN g % 2 = 0 THEN 'revoked' ELSE 'pending' END,
	    now() + interval '1 day', 'seed', at FROM g;
	INSERT INTO audit_events (tenant_id, actor, action, resource_type,
	    created_at)
	    SELECT '$1', 'seed', CASE WHEN g % 2 = 0 THEN 'page.even'
	    ELSE 'page.odd' END, 'page', at FROM g"
}

setup_file() {
	SA=$(token)
	A=$(provision "$(uniq_slug pa)")
	B=$(provision "$(uniq_slug pb)")
	export SA A B
	ADMIN_A=$(admin_token "$A")
	ADMIN_B=$(admin_token "$B")
	export ADMIN_A ADMIN_B
	seed "$A" 11 a
	seed "$B" 4 b
	# Tenants of one created_at, so that only their ids order them; now,
	# not in the past: the tenant list is shared with other suites, whose
	# first tenant must stay the system tenant.
	super_psql -c "INSERT INTO tenants (name, slug, plan, created_at)
	    SELECT 'Page ' || g, 'pg-$(date +%s%N)-' || g, 'free',
	    date_trunc('second', now()) FROM generate_series(1, 5) g"
}

# get TENANT PATH: GET PATH as TENANT's admin (as the super admin in
# the system context when TENANT is "sys"); sets $status_code, $body.
get() {
	if [ "$1" = sys ]; then
		api GET "$2" -H "Authorization: Bearer $SA"
	elif [ "$1" = "$A" ]; then
		api GET "$2" -H "Authorization: Bearer $ADMIN_A" -H "X-Tenant-ID: $A"
	else
		api GET "$2" -H "Authorization: Bearer $ADMIN_B" -H "X-Tenant-ID: $B"
	fi
}

# sep PATH: the separator of one more query parameter.
sep() { case "$1" in *\?*) echo '&' ;; *) echo '?' ;; esac; }

# walk TENANT PATH PLURAL LIMIT: walks the list by offset into
# $by_offset and by cursor into $by_cursor (ids, one a line), checking
# each answer's shape and next on the way.
walk() {
	local t=$1 p=$2 pl=$3 l=$4 s n o=0 cur="" ids
	s=$(sep "$p")
	by_offset=""
	while :; do
		get "$t" "$p${s}limit=$l&offset=$o"
		status_is 200 || return 1
		printf '%s' "$body" | jq -e --arg p "$pl" --argjson l "$l" \
		    --argjson o "$o" '(.[$p] | type == "array") and .limit == $l
		    and .offset == $o and (.total | type == "number") and
		    .next == (if (.[$p] | length) == $l then .[$p][-1].id
		    else null end)' >/dev/null || { echo "offset page: $body"; return 1; }
		ids=$(printf '%s' "$body" | jq -r --arg p "$pl" '.[$p][].id')
		by_offset+=${ids:+$ids$'\n'}
		[ "$(printf '%s' "$body" | jq -r .next)" = null ] && break
		o=$((o + l))
	done
	by_cursor=""
	get "$t" "$p${s}limit=$l"
	while :; do
		status_is 200 || return 1
		printf '%s' "$body" | jq -e --arg p "$pl" --argjson l "$l" \
		    --arg c "$cur" '(.[$p] | type == "array") and .limit == $l and
		    (if $c == "" then has("total") and .offset == 0 else
		    (has("total") or has("offset")) | not end) and
		    .next == (if (.[$p] | length) == $l then .[$p][-1].id
		    else null end)' >/dev/null || { echo "cursor page: $body"; return 1; }
		ids=$(printf '%s' "$body" | jq -r --arg p "$pl" '.[$p][].id')
		by_cursor+=${ids:+$ids$'\n'}
		n=$(printf '%s' "$body" | jq -r .next)
		[ "$n" = null ] && break
		cur=$n
		get "$t" "$p${s}limit=$l&after=$cur"
	done
}

# same_walk TENANT PATH PLURAL LIMIT MIN: both walks give the same ids
# in the same order, none twice, at least MIN of them (more than a page).
same_walk() {
	walk "$@" || return 1
	[ "$by_offset" = "$by_cursor" ] || { diff <(echo "$by_offset") <(echo "$by_cursor"); return 1; }
	[ "$(printf '%s' "$by_cursor" | sort | uniq -d)" = "" ] || { echo "duplicates"; return 1; }
	[ "$(printf '%s' "$by_cursor" | wc -l)" -ge "$5" ] || { echo "only $(printf '%s' "$by_cursor" | wc -l) items"; return 1; }
	[ "$5" -gt "$4" ]
}

@test "a statement is planned for its values exactly when optional filters (\$n IS NULL OR ...) choose its index" {
	local p bad=0 line name sql mode want
	[ "$(echo $XV_PROGRAMS | wc -w)" -ge 5 ]
	for p in $XV_PROGRAMS; do
		while IFS= read -r line; do
			name=$(printf '%s' "$line" | cut -f1)
			sql=$(printf '%s' "$line" | cut -f3)
			mode=$(printf '%s' "$line" | cut -f4)
			want=generic
			grep -Eq '\(\$[0-9]+::[a-z]+ IS NULL OR' <<< "$sql" && want=custom
			[ "$mode" = "$want" ] || { echo "$p $name: $mode, not $want"; bad=1; }
		done < <("$XV_SRC/cgi-bin/$p.fcgi" -S)
	done
	[ "$bad" = 0 ]
	# And there are some of each.
	"$XV_SRC/cgi-bin/tenants.fcgi" -S | cut -f4 | grep -qx custom
	"$XV_SRC/cgi-bin/tenants.fcgi" -S | cut -f4 | grep -qx generic
}

@test "tenants: the cursor walk is the offset walk" {
	same_walk sys /system/tenants tenants 3 7
}

@test "audit logs: the cursor walk is the offset walk, newest first" {
	same_walk "$A" /admin/audit-logs audit_logs 3 11
	get "$A" "/admin/audit-logs?limit=100"
	printf '%s' "$body" | jq -e '[.audit_logs[].created_at] as $t |
	    $t == ($t | sort | reverse)' >/dev/null
}

@test "API keys: the cursor walk is the offset walk, revoked keys left out" {
	same_walk "$A" /admin/api-keys api_keys 3 11
	[ "$(printf '%s' "$by_cursor" | wc -l)" = 11 ]
}

@test "OAuth clients: the cursor walk is the offset walk" {
	same_walk "$A" /admin/oauth/clients clients 3 11
}

@test "users: the cursor walk is the offset walk" {
	same_walk "$A" /admin/users users 4 11
}

@test "invitations: the cursor walk is the offset walk" {
	same_walk "$A" /admin/invitations invitations 5 11
}

@test "a walk whose last page is full ends on an empty page with next null" {
	get "$A" "/admin/oauth/clients?limit=11"
	next=$(printf '%s' "$body" | jq -r .next)
	[ "$next" != null ]
	get "$A" "/admin/oauth/clients?limit=11&after=$next"
	status_is 200
	jq_is '.clients | length' 0
	jq_is .next null
}

@test "filters apply to cursor pages: audit action, invitation status, user email" {
	same_walk "$A" "/admin/audit-logs?action=page.odd" audit_logs 2 6
	[ "$(printf '%s' "$by_cursor" | wc -l)" = 6 ]
	get "$A" "/admin/audit-logs?action=page.odd&limit=100"
	[ "$(printf '%s' "$body" | jq -r '[.audit_logs[].action] | unique | join(",")')" = page.odd ]
	same_walk "$A" "/admin/invitations?status=revoked" invitations 2 5
	[ "$(printf '%s' "$by_cursor" | wc -l)" = 5 ]
	get "$A" "/admin/invitations?status=revoked&limit=2"
	next=$(printf '%s' "$body" | jq -r .next)
	get "$A" "/admin/invitations?status=revoked&limit=100&after=$next"
	[ "$(printf '%s' "$body" | jq -r '[.invitations[].status] | unique | join(",")')" = revoked ]
	jq_is '.invitations | length' 3
	get "$A" "/admin/users?email=a-3@example.com&limit=1"
	next=$(printf '%s' "$body" | jq -r .next)
	[ "$next" != null ]
	get "$A" "/admin/users?email=a-3@example.com&after=$next"
	jq_is '.users | length' 0
}

@test "a cursor of tenant B's gives tenant A an empty page, never B's items" {
	local p pl
	for p in /admin/audit-logs:audit_logs /admin/api-keys:api_keys \
	    /admin/oauth/clients:clients /admin/users:users \
	    /admin/invitations:invitations; do
		pl=${p#*:} p=${p%%:*}
		get "$B" "$p?limit=1"
		bid=$(printf '%s' "$body" | jq -r --arg p "$pl" '.[$p][0].id')
		[ -n "$bid" ] && [ "$bid" != null ]
		get "$A" "$p?after=$bid"
		status_is 200
		printf '%s' "$body" | jq -e --arg p "$pl" \
		    '.[$p] == [] and .next == null' >/dev/null ||
		    { echo "$p: $body"; return 1; }
		# And B's own walk from that cursor still works.
		get "$B" "$p?after=$bid"
		status_is 200
		printf '%s' "$body" | jq -e --arg p "$pl" '.[$p] | length > 0' \
		    >/dev/null || { echo "$p for B: $body"; return 1; }
	done
}

@test "a cursor that is no id is refused naming after, and so is after with offset" {
	local p id
	for p in /system/tenants /admin/audit-logs /admin/api-keys \
	    /admin/oauth/clients /admin/users /admin/invitations; do
		t=$A; [ "$p" = /system/tenants ] && t=sys
		for bad in nope 1 "$A'" "%00" "$A$A"; do
			get "$t" "$p?after=$bad"
			# lighttpd refuses a NUL in the URL itself, with its
			# own 400 problem, before any program reads it.
			if [ "$bad" = "%00" ] && [ "$XV_SERVER" = lighttpd ]; then
				problem_is 400 invalid_request ||
				    { echo "$p after=$bad"; return 1; }
				continue
			fi
			problem_is 400 validation_failed after ||
			    { echo "$p after=$bad"; return 1; }
		done
		get "$t" "$p?after=$A&after=$A"
		problem_is 400 validation_failed after || { echo "$p twice"; return 1; }
		get "$t" "$p?after=$A&offset=3"
		problem_is 400 validation_failed offset || { echo "$p"; return 1; }
		get "$t" "$p?after=$A&offset=0"
		status_is 200
	done
}

# explain ROLE TENANT SLOTS-JSON STMT PROGRAM [GENERIC]: EXPLAIN
# (ANALYZE, FORMAT JSON) of PROGRAM's statement STMT (its -S line) as
# ROLE with app.tenant_id set to TENANT, its slots filled from
# SLOTS-JSON ({"slot": value, ...}, null for absent ones).
explain() {
	local line slots sql args runs i mode
	line=$("$XV_SRC/cgi-bin/$5.fcgi" -S | awk -F'\t' -v s="$4" '$1 == s')
	[ -n "$line" ] || { echo "no statement $4" >&2; return 1; }
	slots=$(printf '%s' "$line" | cut -f2)
	sql=$(printf '%s' "$line" | cut -f3)
	args=$(jq -rn --argjson v "$3" --arg s "$slots" '[$s | split(",")[] |
	    $v[.] | if . == null then "NULL" else "'"'"'\(.)'"'"'" end] |
	    join(", ")')
	# Ten runs first, as a program's connection has them: past five,
	# PostgreSQL may keep a generic plan for good.
	runs=()
	for i in 1 2 3 4 5 6 7 8 9 10; do runs+=(-c "EXECUTE p($args)"); done
	# As the program plans it (its -S says), unless told otherwise.
	mode=$(printf '%s' "$line" | cut -f4)
	[ "$mode" = custom ] && mode=auto || mode=force_generic_plan
	psql_as "$1" -v ON_ERROR_STOP=1 -c "BEGIN" \
	    -c "SELECT set_config('app.tenant_id', '$2', true)" \
	    -c "SET LOCAL plan_cache_mode = ${6:-$mode}" \
	    -c "PREPARE p AS $sql" "${runs[@]}" \
	    -c "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE p($args)" \
	    -c "ROLLBACK" | sed -n '/^\[/,/^\]/p'
}

@test "a deep cursor page reads limit rows of an index; the offset page reads them all" {
	local C cur plan mode
	C=$(provision "$(uniq_slug pc)")
	super_psql -c "INSERT INTO audit_events (tenant_id, actor, action,
	    resource_type, created_at) SELECT '$C', 'seed', 'deep.' || g % 7,
	    'deep', timestamptz '2024-01-01' - g * interval '1 second'
	    FROM generate_series(1, 4000) g; ANALYZE audit_events"
	# The 3,000th newest event: the cursor of the page at offset 3,000.
	api GET "/admin/audit-logs?limit=1&offset=2999" \
	    -H "Authorization: Bearer $(admin_token "$C")" -H "X-Tenant-ID: $C"
	cur=$(printf '%s' "$body" | jq -r '.audit_logs[0].id')
	[ -n "$cur" ] && [ "$cur" != null ]
	for mode in force_custom_plan auto; do
		plan=$(explain xavyo_tenants "$C" "{\"tenant\":\"$C\",
		    \"after\":\"$cur\",\"limit\":\"20\"}" audit_after tenants "$mode")
		echo "$mode:"; printf '%s' "$plan" | jq -c '.. | objects |
		    select(has("Node Type")) | [."Node Type", ."Index Name",
		    ."Actual Rows", ."Rows Removed by Filter", ."Index Cond",
		    ."Filter"]'
		# No sort; the scan of the list's rows reads 21: the page and
		# the cursor's own event, which the filter drops.
		printf '%s' "$plan" | jq -e '[.. | objects | select(has("Node Type"))
		    | select(."Node Type" | test("Sort"))] == []' >/dev/null
		printf '%s' "$plan" | jq -e '[.. | objects |
		    select(."Node Type" == "Index Scan" and
		    ."Index Name" == "audit_events_tenant_time_id")] |
		    length == 1 and .[0]."Actual Rows" == 20 and
		    (.[0]."Rows Removed by Filter" // 0) <= 1' >/dev/null
	done
	# The same depth by offset: thousands of rows read to show 20.
	plan=$(explain xavyo_tenants "$C" "{\"tenant\":\"$C\",
	    \"offset\":\"3000\",\"limit\":\"20\"}" audit_list tenants)
	printf '%s' "$plan" | jq -e '[.. | objects | select(."Node Type" |
	    strings | test("Scan")) | ."Actual Rows"] | max >= 3000' >/dev/null
	# Both answer the same page.
	api GET "/admin/audit-logs?limit=20&offset=3000" \
	    -H "Authorization: Bearer $(admin_token "$C")" -H "X-Tenant-ID: $C"
	o=$(printf '%s' "$body" | jq -c '[.audit_logs[].id]')
	api GET "/admin/audit-logs?limit=20&after=$cur" \
	    -H "Authorization: Bearer $(admin_token "$C")" -H "X-Tenant-ID: $C"
	[ "$(printf '%s' "$body" | jq -c '[.audit_logs[].id]')" = "$o" ]
}

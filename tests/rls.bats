#!/usr/bin/env bats
# rls.bats: the database's own wall (API.md section 2).  Connected as the
# programs' roles (never the owner or a superuser, for whom RLS would
# prove nothing), a session sees no tenant-owned row until it sets
# app.tenant_id, then only that tenant's rows, and cannot touch another
# tenant's rows.  The roles are neither superusers nor BYPASSRLS nor
# table owners, and every table with a tenant_id column forces RLS.
load helpers
load auth_helpers

setup_file() {
	A=$(provision "$(uniq_slug rls-a)")
	B=$(provision "$(uniq_slug rls-b)")
	export A B
	for t in "$A" "$B"; do
		psql_as xavyo_auth -v ON_ERROR_STOP=1 \
		    -c "SELECT set_config('app.tenant_id', '$t', false)" \
		    -c "INSERT INTO users (tenant_id, email) VALUES ('$t', 'rls@$t.example')" \
		    >/dev/null
	done
}

# sql_after ROLE PRELUDE SQL: runs PRELUDE (one statement, its output
# dropped), then SQL, in one session as ROLE; prints SQL's result.
sql_after() {
	local out
	out=$(psql_as "$1" -v ON_ERROR_STOP=1 -c "$2" -c "$3") || return
	printf '%s\n' "$out" | tail -n +2
}

# sql ROLE TENANT SQL: runs SQL as ROLE with app.tenant_id set to TENANT
# for the session, or not set at all if TENANT is empty.
sql() {
	if [ -n "$2" ]; then
		sql_after "$1" "SELECT set_config('app.tenant_id', '$2', false)" "$3"
	else
		psql_as "$1" -v ON_ERROR_STOP=1 -c "$3"
	fi
}

# How many of a table's rows belong to A, to B, and in all.
COUNTS="SELECT count(*) FILTER (WHERE tenant_id = '%s'), count(*) FILTER (WHERE tenant_id = '%s'), count(*) FROM %s"

@test "the test tenants exist with rows in every tenant-owned table" {
	[ -n "$A" ]
	[ "$A" != null ]
	[ -n "$B" ]
	[ "$B" != null ]
	api GET "/admin/audit-logs" -H "Authorization: Bearer $(token)" -H "X-Tenant-ID: $B"
	status_is 200
	jq_is .total 1
}

@test "without app.tenant_id, xavyo_tenants sees no row of tenants, settings, WebAuthn policies or audit events" {
	run sql xavyo_tenants "" "SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM tenant_settings), (SELECT count(*) FROM webauthn_policies), (SELECT count(*) FROM audit_events)"
	[ "$status" -eq 0 ]
	[ "$output" = "0|0|0|0" ]
}

@test "without app.tenant_id, xavyo_auth sees no user" {
	run sql xavyo_auth "" "SELECT count(*) FROM users"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}

@test "an app.tenant_id reset to the empty string denies quietly instead of failing" {
	run sql_after xavyo_tenants "SELECT set_config('app.tenant_id', '', false)" "SELECT (SELECT count(*) FROM tenant_settings), (SELECT count(*) FROM tenants), (SELECT count(*) FROM audit_events)"
	[ "$status" -eq 0 ]
	[ "$output" = "0|0|0" ]
}

@test "the system context shows tenants but no tenant's settings, policies or events" {
	run sql_after xavyo_tenants "SELECT set_config('app.system', 'on', false)" "SELECT (SELECT count(*) > 2 FROM tenants), (SELECT count(*) FROM tenant_settings), (SELECT count(*) FROM webauthn_policies), (SELECT count(*) FROM audit_events)"
	[ "$status" -eq 0 ]
	[ "$output" = "t|0|0|0" ]
}

@test "only tenants.fcgi's role can use the system context: the other programs' roles see no tenant with it" {
	local r
	for r in xavyo_oauth xavyo_apikeys xavyo_auth xavyo_invitations; do
		run sql_after "$r" "SELECT set_config('app.system', 'on', false)" "SELECT count(*) FROM tenants"
		[ "$status" -eq 0 ]
		[ "$output" = 0 ] || { echo "$r sees $output tenants"; return 1; }
	done
}

@test "scoped to A, xavyo_tenants sees A's tenant row and none of B's" {
	run sql xavyo_tenants "$A" "SELECT count(*) FILTER (WHERE id = '$A'), count(*) FILTER (WHERE id = '$B'), count(*) FROM tenants"
	[ "$status" -eq 0 ]
	[ "$output" = "1|0|1" ]
}

@test "scoped to A, xavyo_tenants sees A's settings and WebAuthn policy and none of B's" {
	for t in tenant_settings webauthn_policies; do
		run sql xavyo_tenants "$A" "$(printf "$COUNTS" "$A" "$B" "$t")"
		[ "$status" -eq 0 ]
		[ "$output" = "1|0|1" ]
	done
}

@test "scoped to A, xavyo_tenants sees A's audit events and none of B's" {
	run sql xavyo_tenants "$A" "$(printf "$COUNTS" "$A" "$B" audit_events)"
	[ "$status" -eq 0 ]
	IFS='|' read -r mine theirs all <<<"$output"
	[ "$mine" -ge 1 ]
	[ "$theirs" -eq 0 ]
	[ "$all" -eq "$mine" ]
}

@test "scoped to A, xavyo_auth sees A's users and none of B's" {
	run sql xavyo_auth "$A" "$(printf "$COUNTS" "$A" "$B" users)"
	[ "$status" -eq 0 ]
	[ "$output" = "1|0|1" ]
}

@test "scoped to A, updates of B's rows touch no row and B is unchanged" {
	for t in tenant_settings webauthn_policies; do
		run sql xavyo_tenants "$A" "WITH u AS (UPDATE $t SET updated_at = now() - interval '1 day' WHERE tenant_id = '$B' RETURNING 1) SELECT count(*) FROM u"
		[ "$status" -eq 0 ]
		[ "$output" = 0 ]
	done
	run sql xavyo_tenants "$A" "WITH u AS (UPDATE tenant_settings SET settings = '{}' RETURNING tenant_id) SELECT count(*) FILTER (WHERE tenant_id = '$B') FROM u"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	run sql xavyo_tenants "$A" "WITH u AS (UPDATE tenants SET name = 'taken over' WHERE id = '$B' RETURNING 1) SELECT count(*) FROM u"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	run sql xavyo_auth "$A" "WITH u AS (UPDATE users SET status = 'disabled' WHERE tenant_id = '$B' RETURNING 1) SELECT count(*) FROM u"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	sa=$(token)
	api GET "/admin/tenants/$B/settings" -H "Authorization: Bearer $sa" -H "X-Tenant-ID: $B"
	status_is 200
	jq_is .session_timeout_minutes 30
	api GET "/system/tenants/$B" -H "Authorization: Bearer $sa"
	jq_is '.name | startswith("Tenant ")' true
}

@test "scoped to A, a row written for B is refused by the policy" {
	run sql xavyo_tenants "$A" "INSERT INTO audit_events (tenant_id, actor, action, resource_type) VALUES ('$B', 'intruder', 'x', 'y')"
	[ "$status" -ne 0 ]
	[[ "$output" == *"row-level security"* ]]
	run sql xavyo_auth "$A" "INSERT INTO users (tenant_id, email) VALUES ('$B', 'intruder@example.com')"
	[ "$status" -ne 0 ]
	[[ "$output" == *"row-level security"* ]]
	run sql xavyo_auth "$A" "UPDATE users SET tenant_id = '$B' WHERE tenant_id = '$A'"
	[ "$status" -ne 0 ]
	[[ "$output" == *"row-level security"* ]]
	run sql xavyo_auth "$B" "$(printf "$COUNTS" "$A" "$B" users)"
	[ "$output" = "0|1|1" ]
}

@test "xavyo_tenants may not read users at all" {
	run sql xavyo_tenants "$A" "SELECT count(*) FROM users"
	[ "$status" -ne 0 ]
	[[ "$output" == *"permission denied"* ]]
}

@test "no program role is a superuser or has BYPASSRLS" {
	run sql xavyo_tenants "" "SELECT rolname FROM pg_roles WHERE rolname LIKE 'xavyo%' AND (rolsuper OR rolbypassrls)"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run sql xavyo_tenants "" "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
	[ "$output" = "f|f" ]
	run sql xavyo_tenants "" "SELECT count(*) FROM pg_roles WHERE rolname IN ('xavyo_tenants', 'xavyo_owner')"
	[ "$output" = 2 ]
}

@test "every program role plans its statements once: plan_cache_mode is force_generic_plan in its sessions" {
	[ "$(echo $XV_PROGRAMS | wc -w)" -ge 5 ]
	for r in $XV_PROGRAMS mailer; do
		run sql "xavyo_$r" "" "SHOW plan_cache_mode"
		[ "$status" -eq 0 ]
		[ "$output" = force_generic_plan ] || { echo "xavyo_$r: $output"; return 1; }
	done
	# The owner (migrations, xavyoctl) keeps PostgreSQL's own choice.
	run sql xavyo_owner "" "SHOW plan_cache_mode"
	[ "$output" = auto ]
}

@test "xavyo_tenants owns no table, and no program role owns anything in the schema" {
	run sql xavyo_tenants "" "SELECT count(*) FROM pg_tables WHERE tableowner = 'xavyo_tenants'"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	run sql xavyo_tenants "" "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) <> 'xavyo_owner'"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run sql xavyo_tenants "" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'xavyo_owner'"
	[ "$output" -ge 6 ]
}

@test "every table with a tenant_id column has row-level security enabled and forced, with a policy" {
	run sql xavyo_tenants "" "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attname = 'tenant_id' AND NOT a.attisdropped AND NOT (c.relrowsecurity AND c.relforcerowsecurity AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run sql xavyo_tenants "" "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FILTER (WHERE c.relname IN ('audit_events', 'tenant_settings', 'users', 'webauthn_policies')) FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid WHERE a.attname = 'tenant_id' AND c.relforcerowsecurity"
	[ "$output" = "audit_events,tenant_settings,users,webauthn_policies" ]
}

@test "the tenants table itself has row-level security enabled and forced" {
	run sql xavyo_tenants "" "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'public.tenants'::regclass"
	[ "$status" -eq 0 ]
	[ "$output" = "t|t" ]
}

@test "the owner role too sees no tenant's clients, keys or usage without a scope, member of xavyo_lookup though it is" {
	local k
	curl -sS -o /dev/null -X POST "$XV_URL/admin/oauth/clients" \
	    -H "Content-Type: application/json" -H "Authorization: Bearer $(token)" \
	    -H "X-Tenant-ID: $A" \
	    -d '{"name":"R","client_type":"confidential","grant_types":["client_credentials"],"scopes":["read"]}'
	k=$(curl -sS -X POST "$XV_URL/admin/api-keys" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(token)" -H "X-Tenant-ID: $A" \
	    -d '{"name":"R","scopes":["read"]}' | jq -r .key)
	curl -sS -o /dev/null "$XV_URL/admin/api-keys" -H "X-API-Key: $k"
	sleep 1	# the use is counted after the answer
	run sql xavyo_owner "" "SELECT (SELECT count(*) FROM oauth_clients), (SELECT count(*) FROM api_keys), (SELECT count(*) FROM api_key_usage), (SELECT count(*) FROM oauth_revocations), (SELECT count(*) FROM tenants)"
	[ "$status" -eq 0 ]
	[ "$output" = "0|0|0|0|0" ]
	# while in A's scope it sees A's
	run sql xavyo_owner "$A" "SELECT (SELECT count(*) > 0 FROM oauth_clients), (SELECT count(*) > 0 FROM api_keys)"
	[ "$output" = "t|t" ]
}

@test "one-read routes: GETs only, each in a READ ONLY transaction that leaves none open; other routes in a plain one" {
	local p got tok log n0 i
	[ "$(echo $XV_PROGRAMS | wc -w)" -ge 5 ]
	# Which routes read in one round trip (-R's last column): GETs only.
	got=$(for p in $XV_PROGRAMS; do "$XV_SRC/cgi-bin/$p.fcgi" -R; done |
	    awk -F'\t' '$NF == "one-read" { print $1, $2 }' | LC_ALL=C sort)
	[ "$got" = "$(printf '%s\n' "GET /admin/api-keys" "GET /admin/api-keys/{id}" \
	    "GET /admin/tenants/{tenant_id}/settings" \
	    "GET /admin/tenants/{tenant_id}/webauthn-policy" "GET /auth/me" |
	    LC_ALL=C sort)" ] || { echo "one-read routes: $got"; return 1; }
	tok=$(admin_token "$A")
	# PostgreSQL's own log says how each program begins its transactions.
	log=$XV_STACK/log/postgres.log
	n0=$(wc -l < "$log")
	super_psql -c "ALTER SYSTEM SET log_statement = 'all'" \
	    -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] user=%u '" \
	    -c "SELECT pg_reload_conf()" >/dev/null
	sleep 1
	for i in 1 2 3 4; do
		api GET "/admin/tenants/$A/settings" -H "Authorization: Bearer $tok" -H "X-Tenant-ID: $A"
		status_is 200
		api GET /admin/api-keys -H "Authorization: Bearer $tok" -H "X-Tenant-ID: $A"
		status_is 200
		# Another tenant's, and a tenant that is not: refused as ever.
		api GET "/admin/tenants/$B/settings" -H "Authorization: Bearer $tok" -H "X-Tenant-ID: $B"
		status_is 403
		api GET /admin/api-keys -H "Authorization: Bearer $tok" \
		    -H "X-Tenant-ID: 00000000-0000-4000-8000-000000000000"
		status_is 403
		# A route that is not one-read: the audit log (two statements).
		api GET /admin/audit-logs -H "Authorization: Bearer $tok" -H "X-Tenant-ID: $A"
		status_is 200
	done
	super_psql -c "ALTER SYSTEM RESET log_statement" \
	    -c "ALTER SYSTEM RESET log_line_prefix" -c "SELECT pg_reload_conf()" >/dev/null
	got=$(tail -n +"$((n0 + 1))" "$log")
	# apikeys.fcgi read only under READ ONLY; tenants.fcgi both ways.
	printf '%s\n' "$got" | grep 'user=xavyo_apikeys .*BEGIN READ ONLY' >/dev/null ||
	    { echo "no BEGIN READ ONLY by xavyo_apikeys"; return 1; }
	! printf '%s\n' "$got" | grep -E 'user=xavyo_apikeys .*BEGIN$' ||
	    { echo "a plain BEGIN by xavyo_apikeys"; return 1; }
	printf '%s\n' "$got" | grep 'user=xavyo_tenants .*BEGIN READ ONLY' >/dev/null ||
	    { echo "no BEGIN READ ONLY by xavyo_tenants"; return 1; }
	printf '%s\n' "$got" | grep -E 'user=xavyo_tenants .*BEGIN$' >/dev/null ||
	    { echo "no plain BEGIN by xavyo_tenants (the audit log)"; return 1; }
	# Each program's connections are idle, none left in a transaction.
	got=$(super_psql -Atc "SELECT usename, state FROM pg_stat_activity
	    WHERE usename IN ('xavyo_tenants', 'xavyo_apikeys') AND state <> 'idle'
	      AND pid <> pg_backend_pid()")
	[ -z "$got" ] || { echo "$got"; return 1; }
}

#!/usr/bin/env bats
# pooling.bats: tenant scoping holds when database connections are
# shared.  Two tenants' requests, reads and writes, run many at once
# through every program; each answer must hold its own tenant's data and
# none of the other's, and every row written lands in the tenant that
# wrote it.  In script/test's sanitizer pass the programs reach
# PostgreSQL through PgBouncer in transaction pooling mode, two server
# connections per role, so that one program's processes and both
# tenants take turns on the same server sessions: a tenant setting or a
# prepared statement that outlived its transaction would show here (with
# db_prepare = 1 through PgBouncer this test fails).  Elsewhere each
# process's own connection serves both tenants in turn, which the same
# checks cover.
load helpers

setup_file() {
	local t n
	A=$(provision "$(uniq_slug pa)" "Pool A")
	B=$(provision "$(uniq_slug pb)" "Pool B")
	export A B
	for t in A B; do
		eval "ADMIN_$t=\$(admin_token \"\$$t\")"
	done
	export ADMIN_A ADMIN_B
	for t in A B; do
		n=${!t}
		jwt=ADMIN_$t
		curl -sS -o /dev/null -X PUT "$XV_URL/admin/tenants/$n/settings" \
		    -H "Authorization: Bearer ${!jwt}" -H "X-Tenant-ID: $n" \
		    -H "Content-Type: application/json" \
		    -d "{\"session_timeout_minutes\":$([ $t = A ] && echo 41 || echo 42)}"
		curl -sS -o /dev/null -X POST "$XV_URL/admin/oauth/clients" \
		    -H "Authorization: Bearer ${!jwt}" -H "X-Tenant-ID: $n" \
		    -H "Content-Type: application/json" \
		    -d "{\"name\":\"pool-$n\",\"client_type\":\"confidential\",\"grant_types\":[\"client_credentials\"],\"scopes\":[\"read\"]}"
		curl -sS -o /dev/null -X POST "$XV_URL/admin/users" \
		    -H "Authorization: Bearer ${!jwt}" -H "X-Tenant-ID: $n" \
		    -H "Content-Type: application/json" \
		    -d "{\"email\":\"pool-$n@example.com\",\"roles\":[],\"password\":\"Pool-Pass-1\"}"
		eval "KEY_$t=\$(curl -sS -X POST \"\$XV_URL/admin/api-keys\" \
		    -H \"Authorization: Bearer \${!jwt}\" -H \"X-Tenant-ID: \$n\" \
		    -H 'Content-Type: application/json' \
		    -d '{\"name\":\"pool-$n\",\"scopes\":[\"read\",\"write\",\"admin\"]}' | jq -r .key)"
	done
	export KEY_A KEY_B
}

# request N TENANT-LETTER: request N's lines of a curl config.  N picks
# the route (N % 5: four programs' reads and a write) and the credential
# (N / 10 % 2: the tenant's admin JWT or its API key; the tenant is
# N / 5 % 2, so each route meets each tenant with each credential); the
# answer goes to $OUT/N.
request() {
	local i=$1 n=${!2} jwt=ADMIN_$2 key=KEY_$2 p
	if [ $((i / 10 % 2)) = 0 ]; then
		echo "header = \"Authorization: Bearer ${!jwt}\""
	else
		echo "header = \"X-API-Key: ${!key}\""
	fi
	case $((i % 5)) in
	0) p=/admin/tenants/$n/settings ;;
	1) p=/admin/oauth/clients?limit=100 ;;
	2|4) p=/admin/api-keys?limit=100 ;;
	3) p=/admin/users?limit=100 ;;
	esac
	if [ $((i % 5)) = 4 ]; then
		echo "header = \"Content-Type: application/json\""
		echo "data = \"{\\\"name\\\":\\\"w-$n-$i\\\",\\\"scopes\\\":[\\\"read\\\"]}\""
	fi
	echo "header = \"X-Tenant-ID: $n\""
	echo "url = \"$XV_URL$p\""
	echo "output = \"$OUT/$i\""
	echo "write-out = \"%{filename_effective} %{http_code}\\n\""
}

# psql as the cluster's superuser, who sees every tenant's rows.
psql_super() {
	local pw
	pw=$(grep '^PG_SUPER_PW=' "$XV_STACK/secrets/secrets.env" | cut -d= -f2)
	PGPASSWORD=$pw psql -X -At -q -h "$XV_STACK/run" -p "$XV_PGPORT" \
	    -U postgres -d xavyo "$@"
}

# check N TENANT-LETTER: the answer of request N is its tenant's alone
# (without a fork: 400 of them).
check() {
	local i=$1 t=$2 n=${!2} o code want body=
	[ "$t" = A ] && o=$B || o=$A
	code=${CODE[$i]}
	IFS= read -r -d '' body < "$OUT/$i"
	want=200
	[ $((i % 5)) = 4 ] && want=201
	[ "$code" = "$want" ] || { echo "request $i ($t): HTTP $code: $body"; return 1; }
	if [[ $body == *"$o"* ]]; then
		echo "request $i ($t) saw the other tenant: $body"
		return 1
	fi
	case $((i % 5)) in
	0) [[ $body =~ \"session_timeout_minutes\":\ ?$([ "$t" = A ] && echo 41 || echo 42)[,}] ]] ;;
	1|2|3) [[ $body == *"pool-$n"* ]] ;;
	4) [[ $body =~ \"name\":\ ?\"w-$n-$i\" ]] ;;
	esac || { echo "request $i ($t) lacks its own tenant's data: $body"; return 1; }
}

@test "400 concurrent reads and writes of two tenants through every program each see and change only their own tenant" {
	OUT=$BATS_TEST_TMPDIR/out
	mkdir -p "$OUT"
	export OUT
	for i in $(seq 0 399); do
		echo "$i $([ $((i / 5 % 2)) = 0 ] && echo A || echo B)"
	done > "$OUT/list"
	while read -r i t; do
		[ "$i" = 0 ] || echo next
		request "$i" "$t"
	done < "$OUT/list" > "$OUT/curl.conf"
	# One curl, 16 requests at a time.
	curl --parallel --parallel-max 16 --no-progress-meter -K "$OUT/curl.conf" \
	    > "$OUT/codes"
	declare -A CODE
	while read -r f c; do CODE[${f##*/}]=$c; done < "$OUT/codes"
	bad=0
	while read -r i t; do
		check "$i" "$t" || bad=$((bad + 1))
	done < "$OUT/list"
	[ "$bad" = 0 ] || { echo "$bad of 400 answers wrong"; return 1; }
	# Each key written lies in the tenant that wrote it, and each is there.
	run psql_super -c "SELECT count(*) FILTER (WHERE name LIKE 'w-' || tenant_id || '-%'),
	    count(*) FROM api_keys WHERE tenant_id IN ('$A', '$B') AND name LIKE 'w-%'"
	[ "$output" = "80|80" ] || { echo "keys in their own tenant, of all: $output"; return 1; }
}

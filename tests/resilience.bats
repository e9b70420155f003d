#!/usr/bin/env bats
# resilience.bats: the programs outlive their database.  PostgreSQL is
# restarted (or stopped) under the running stack; requests answer 503
# problem details meanwhile and recover within a few seconds, without
# restarting the web server or the FastCGI programs (db.c resets the
# connection and prepares its statements again).
load helpers

setup() {
	. "$XV_SRC/script/lib.sh"
	PG=("$PGBIN/pg_ctl" -D "$XV_STACK/pg")
	PGLOG=$XV_STACK/log/postgres.log
}

# pg CTL-ARGS...: pg_ctl on the stack's cluster, as its service user.
# The postmaster it starts must not inherit Bats' descriptors (fd 3 and
# others), or Bats waits for them to close after the last test.
pg() {
	(
		for fd in $(ls /proc/$BASHPID/fd); do
			if [ "$fd" -gt 2 ] && [ "$fd" -lt 255 ]; then
				eval "exec $fd>&-"
			fi
		done
		exec </dev/null >/dev/null 2>&1
		xv_as_svc "${PG[@]}" "$@"
	)
}

# Whatever a test did, the next test (or suite) finds PostgreSQL
# running and every program process reconnected: /healthz opens a
# transaction, which resets a dead connection.
teardown() {
	local i
	pg status || pg -l "$PGLOG" -w -t 30 start
	for i in $(seq 16); do
		curl -s -o /dev/null "$XV_URL/healthz" &
	done
	wait
}

# The web server's pid and the programs' (each program's supervisor and
# its children).  Apache's own children are left out: its MPM may start
# and stop them under load.
server_pids() {
	local p
	echo "$(cat "$XV_STACK/run/$XV_SERVER.pid") $(for p in tenants oauth apikeys; do
		cat "$XV_STACK/run/$p-fcgi.pid"; program_pids "$p"
	done | sort -n | tr '\n' ' ')"
}

# A super admin token signed by a key no process has cached yet: each
# process then reads it during warm_up, so its cache entry is fresh
# (younger than key_refresh) for the whole test.
fresh_token() {
	"$XV_CTL" keys rotate -i >/dev/null
	token
}

# Several requests at once, so that every program process has served
# one (and cached the signing key) before the database goes away.
warm_up() {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		curl -s -o /dev/null -H "Authorization: Bearer $1" \
		    "$XV_URL/system/tenants" &
	done
	wait
}

# until_ok SECONDS CURL-ARGS...: repeats the request until it answers
# 200; every other answer must be a 503 problem (or /healthz's own 503,
# {"status":"unavailable"}: through PgBouncer, the first connection may
# fail for up to server_login_retry after PostgreSQL is back).  Sets
# $tries.
until_ok() {
	local end=$(( $(date +%s) + $1 ))
	shift
	tries=0
	while :; do
		tries=$((tries + 1))
		api "$@"
		[ "$status_code" = 200 ] && return 0
		if [ "$2" = /healthz ]; then
			status_is 503 && jq_is .status unavailable || return 1
		else
			problem_is 503 service_unavailable || return 1
		fi
		[ "$(date +%s)" -lt "$end" ] || { echo "no recovery in time"; return 1; }
		sleep 0.2
	done
}

@test "requests recover after a PostgreSQL restart without restarting the web server or the programs" {
	sa=$(fresh_token)
	id=$(provision "$(uniq_slug restart)")
	api PUT "/admin/tenants/$id/settings" -H "Authorization: Bearer $sa" \
	    -H "X-Tenant-ID: $id" -H "Content-Type: application/json" \
	    -d '{"session_timeout_minutes":61}'
	status_is 200
	warm_up "$sa"
	pids=$(server_pids)
	[ "$(wc -w <<<"$pids")" -ge 2 ]
	pg -m fast -w restart -l "$PGLOG"
	until_ok 10 GET "/admin/tenants/$id/settings" \
	    -H "Authorization: Bearer $sa" -H "X-Tenant-ID: $id"
	jq_is .session_timeout_minutes 61
	# Every process reconnects: a burst of requests all succeed.
	for _ in 1 2 3 4 5 6; do
		api GET "/admin/tenants/$id/settings" \
		    -H "Authorization: Bearer $sa" -H "X-Tenant-ID: $id"
		[ "$status_code" = 200 ] || problem_is 503 service_unavailable
	done
	until_ok 5 PUT "/admin/tenants/$id/settings" \
	    -H "Authorization: Bearer $sa" -H "X-Tenant-ID: $id" \
	    -H "Content-Type: application/json" -d '{"session_timeout_minutes":62}'
	jq_is .session_timeout_minutes 62
	[ "$(server_pids)" = "$pids" ]
}

@test "while PostgreSQL is down, requests answer 503 problems, and they recover once it is back" {
	sa=$(fresh_token)
	id=$(provision "$(uniq_slug down)")
	warm_up "$sa"
	pids=$(server_pids)
	[ "$(wc -w <<<"$pids")" -ge 2 ]
	pg -m fast -w stop
	api GET /healthz
	status_is 503
	jq_is .status unavailable
	api GET "/admin/tenants/$id/settings" -H "Authorization: Bearer $sa" \
	    -H "X-Tenant-ID: $id"
	problem_is 503 service_unavailable
	api GET /system/tenants -H "Authorization: Bearer $sa"
	problem_is 503 service_unavailable
	api GET /system/tenants
	problem_is 401 unauthorized
	pg -l "$PGLOG" -w -t 30 start
	until_ok 10 GET /healthz
	until_ok 10 GET "/admin/tenants/$id/settings" \
	    -H "Authorization: Bearer $sa" -H "X-Tenant-ID: $id"
	jq_is .session_timeout_minutes 30
	api POST /tenants/provision -H "Authorization: Bearer $sa" \
	    -H "Content-Type: application/json" \
	    -d "{\"name\":\"After\",\"slug\":\"$(uniq_slug after)\",\"plan\":\"free\"}"
	status_is 201
	[ "$(server_pids)" = "$pids" ]
}

@test "a token whose key a process has not cached yet works again after a PostgreSQL restart" {
	id=$(provision "$(uniq_slug newkey)")
	warm_up "$(token)"
	pg -m fast -w restart -l "$PGLOG"
	sa=$(fresh_token)
	until_ok 10 GET "/admin/tenants/$id/settings" \
	    -H "Authorization: Bearer $sa" -H "X-Tenant-ID: $id"
	jq_is .session_timeout_minutes 30
}

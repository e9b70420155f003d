#!/usr/bin/env bash
# tests/bench/apikeys.sh: load benchmark of authentication by API key.
# Builds, starts a throwaway stack of its own (PostgreSQL with its
# durable defaults, fsync and synchronous_commit on, and lighttpd with
# XV_BENCH_PROCS FastCGI processes per program, default 4) on free ports,
# creates a tenant, a key with the read and admin scopes and a few more
# keys to list, then runs
#
#   wrk -t2 -c32 -d20s --latency -H "X-API-Key: xavyo_ak_..." /admin/api-keys
#
# once with the programs' access log off and once with it on.  Every
# request is authenticated by the key and counted in its usage, as in
# production; the script checks that the usage the server reports covers
# every request wrk saw answered.  It prints requests/s, p50 and p99
# latency, the CPU time the stack and wrk spent per request (and so the
# rate the machine could sustain if nothing else ran), and the machine's
# load: other work on the machine depresses the measured figures.  Goal on the reference 2-core machine, wrk included:
# >= 4,000 requests/s with p99 < 20 ms.
#
# Environment: XV_BENCH_PROCS (4), XV_BENCH_CONNS (32), XV_BENCH_THREADS
# (2), XV_BENCH_DURATION (20s), XV_BENCH_ACCESS_LOG ("0 1"), XV_KEEP=1
# keeps the stack's directory.
set -uo pipefail
. "$(dirname "$0")/../../script/lib.sh"

PROCS=${XV_BENCH_PROCS:-4}
CONNS=${XV_BENCH_CONNS:-32}
THREADS=${XV_BENCH_THREADS:-2}
DURATION=${XV_BENCH_DURATION:-20s}
LOGS=${XV_BENCH_ACCESS_LOG:-0 1}

die() { xv_say "bench: $*"; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed"
xv_build || die "build failed"

T=$(mktemp -d /tmp/xavyo-bench.XXXXXX)
chmod 755 "$T"
cleanup() {
	xv_lighttpd_stop "$T" 2>/dev/null
	xv_pg_stop "$T" 2>/dev/null
	if [ "${XV_KEEP:-0}" = 1 ]; then xv_say "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

# Busy share of the CPUs over one second, from /proc/stat.
cpu_busy() {
	local a b
	a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
	awk -v a="${a[*]}" -v b="${b[*]}" 'BEGIN {
		split(a, x); split(b, y); t = 0
		for (i = 2; i <= 11; i++) t += y[i] - x[i]
		idle = (y[5] - x[5]) + (y[6] - x[6])
		printf "%.0f%%", t ? 100 * (t - idle) / t : 0 }'
}

# CPU time (clock ticks) used so far by the stack: PostgreSQL's
# processes, lighttpd and the FastCGI programs it spawned.
stack_ticks() {
	local pm lt p t=0
	pm=$(head -1 "$T/pg/postmaster.pid" 2>/dev/null)
	lt=$(cat "$T/run/lighttpd.pid" 2>/dev/null)
	for p in $pm $(pgrep -P "$pm") $lt $(pgrep -P "$lt"); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
HZ=$(getconf CLK_TCK)
NCPU=$(nproc)

PGPORT=$(xv_free_port)
HTTP=$(xv_free_port)
URL=http://127.0.0.1:$HTTP
CTL="$XV_SRC/cgi-bin/xavyoctl"
export XAVYO_CONF=$T/xavyo.conf

# usage KEY-ID JWT TENANT: total_requests of the key today.
usage() {
	curl -sS "$URL/admin/api-keys/$1/usage" -H "Authorization: Bearer $2" \
	    -H "X-Tenant-ID: $3" | jq -r .total_requests
}

for log in $LOGS; do
	xv_lighttpd_stop "$T" 2>/dev/null
	XV_ACCESS_LOG=$log xv_stack_up "$T" "$PGPORT" "$HTTP" 0 "$PROCS" ||
	    die "cannot start the stack (logs in $T/log)"
	SUPER=$("$CTL" token)
	TENANT=$(curl -sS -X POST "$URL/tenants/provision" \
	    -H "Content-Type: application/json" -H "Authorization: Bearer $SUPER" \
	    -d "{\"name\":\"Bench\",\"slug\":\"bench-$log-$RANDOM\",\"plan\":\"free\"}" |
	    jq -r .id)
	ADMIN=$("$CTL" token -t "$TENANT" -r admin -s bench-admin -l 3600)
	for i in 1 2 3 4; do
		curl -sS -o /dev/null -X POST "$URL/admin/api-keys" \
		    -H "Content-Type: application/json" -H "Authorization: Bearer $ADMIN" \
		    -H "X-Tenant-ID: $TENANT" -d "{\"name\":\"other $i\",\"scopes\":[\"read\"]}"
	done
	K=$(curl -sS -X POST "$URL/admin/api-keys" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $ADMIN" -H "X-Tenant-ID: $TENANT" \
	    -d '{"name":"bench","scopes":["read","admin"]}')
	KEY=$(echo "$K" | jq -r .key)
	KID=$(echo "$K" | jq -r .id)
	n=$(curl -sS "$URL/admin/api-keys" -H "X-API-Key: $KEY" | jq -r .total)
	[ "$n" = 5 ] || die "the key does not list the tenant's keys ($n)"
	sleep 1
	before=$(usage "$KID" "$ADMIN" "$TENANT")
	idle=$(cpu_busy)
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	s0=$(stack_ticks)
	out=$( { /usr/bin/time -f 'wrkcpu %U %S' wrk -t"$THREADS" -c"$CONNS" \
	    -d"$DURATION" --latency -H "X-API-Key: $KEY" "$URL/admin/api-keys"; } 2>&1)
	s1=$(stack_ticks)
	load1=$(cut -d' ' -f1-3 /proc/loadavg)
	sleep 1
	after=$(usage "$KID" "$ADMIN" "$TENANT")
	rps=$(echo "$out" | awk '/^Requests\/sec/ { printf "%d", $2 }')
	p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
	p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
	done_=$(echo "$out" | awk '/requests in/ { print $1 }')
	non2xx=$(echo "$out" | awk '/Non-2xx/ { print $NF }')
	wrkcpu=$(echo "$out" | awk '/^wrkcpu/ { printf "%d", ($2 + $3) * 1e6 }')
	stackus=$(( (s1 - s0) * 1000000 / HZ / done_ ))
	wrkus=$(( wrkcpu / done_ ))
	echo "$out" | grep -v '^wrkcpu' | sed 's/^/  /'
	printf 'apikeys list by X-API-Key, access_log=%s, %s procs, -t%s -c%s -d%s:\n' \
	    "$log" "$PROCS" "$THREADS" "$CONNS" "$DURATION"
	printf '  %s req/s, p50 %s, p99 %s, non-2xx %s\n' "$rps" "$p50" "$p99" \
	    "${non2xx:-0}"
	printf '  usage counted %s for %s answers wrk read\n' \
	    "$((after - before))" "$done_"
	printf '  CPU per request: %s us stack (PostgreSQL, lighttpd, programs) + %s us wrk;\n' \
	    "$stackus" "$wrkus"
	printf '    %s CPUs so fit about %s req/s with the machine to themselves\n' \
	    "$NCPU" "$(( NCPU * 1000000 / (stackus + wrkus) ))"
	printf '  machine: CPU busy %s before the run; load average %s before, %s after\n' \
	    "$idle" "$load0" "$load1"
	[ "$((after - before))" -ge "$done_" ] ||
	    xv_say "bench: usage fell short of the requests answered"
done

#!/usr/bin/env bats
# slow.bats: clients that send their headers or body slowly, or stop
# half-way (slowloris), hold neither the web server nor the programs:
# while more of them stall than a program has processes, the same
# routes answer at once, and each stalled request is cut off within the
# server's read timeout (Apache: mod_reqtimeout, body 10 s, headers
# 20-40 s; lighttpd: server.max-read-idle 10 s) rather than hanging.
# Behind Apache, mod_proxy_fcgi hands a body to the program as it
# arrives, so a stalled body holds one process of the program until
# mod_reqtimeout cuts it off: the other requests wait at most that long
# (README, Known limits); lighttpd reads each body whole first.
load helpers

# How long a request may wait while bodies stall: at once behind
# lighttpd, within mod_reqtimeout's body timeout and a margin behind Apache.
if [ "${XV_SERVER:-apache}" = lighttpd ]; then WAIT=3; else WAIT=15; fi

# stall N PATH HEADERS-ONLY: N connections that send a request for PATH
# and then stop: after a part of the body (Content-Length 100, 10 bytes
# sent), or after a part of the headers.  Prints, when all are done,
# how each ended and after how many seconds.
stall() {
	python3 - "$XV_URL" "$1" "$2" "$3" <<'PY'
import socket, sys, time, threading, urllib.parse
url, n, path, headers_only = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
u = urllib.parse.urlsplit(url)
out = []
def one():
    s = socket.create_connection((u.hostname, u.port))
    s.settimeout(70)
    t = time.time()
    if headers_only:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode())
    else:
        s.sendall((f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Content-Length: 100\r\n\r\n{\"name\":\"").encode())
    try:
        data = s.recv(200)
        first = data.split(b"\r\n")[0].decode(errors="replace") or "closed"
    except socket.timeout:
        first = "no answer"
    out.append((first, round(time.time() - t)))
    s.close()
ts = [threading.Thread(target=one) for _ in range(n)]
for th in ts: th.start()
for th in ts: th.join()
for first, secs in out:
    print(f"{secs} {first}")
PY
}

# timed_get: the status of an authenticated GET /admin/api-keys, which
# apikeys.fcgi serves, and how long it took (seconds, 2 decimals).
timed_get() {
	curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 20 \
	    -H "Authorization: Bearer $(token)" \
	    -H "X-Tenant-ID: $SYSTEM_TENANT_ID" "$XV_URL/admin/api-keys"
}

# keys: how many API keys the system tenant has.
keys() {
	curl -sS -H "Authorization: Bearer $(token)" -H "X-Tenant-ID: $SYSTEM_TENANT_ID" \
	    "$XV_URL/admin/api-keys?limit=1" | jq .total
}

@test "stalled bodies: the program still answers at once, each stall is cut off within 30 s, and nothing is stored" {
	n=$(keys)
	stall 6 /admin/api-keys 0 > "$BATS_TEST_TMPDIR/stalls" &
	sp=$!
	sleep 1
	# Six stalls, and the program has two processes: it still answers.
	for i in 1 2 3; do
		run timed_get
		echo "$output"
		[ "${output%% *}" = 200 ]
		awk -v w="$WAIT" '{ exit !($2 < w) }' <<<"$output"
	done
	wait "$sp"
	cat "$BATS_TEST_TMPDIR/stalls"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/stalls")" -eq 6 ]
	# Each cut off (408, 400, or the connection closed), none left hanging.
	! grep -q "no answer" "$BATS_TEST_TMPDIR/stalls"
	awk '{ exit !($1 <= 30) }' "$BATS_TEST_TMPDIR/stalls"
	! grep -E '^[0-9]+ HTTP/1.1 (2|5)' "$BATS_TEST_TMPDIR/stalls"
	[ "$(keys)" = "$n" ]
}

@test "stalled headers: the server still answers at once, and each stall is cut off within 60 s" {
	stall 6 /admin/api-keys 1 > "$BATS_TEST_TMPDIR/stalls" &
	sp=$!
	sleep 1
	run timed_get
	echo "$output"
	[ "${output%% *}" = 200 ]
	# Stalled headers never reach a program: answered at once on both.
	awk '{ exit !($2 < 3) }' <<<"$output"
	wait "$sp"
	cat "$BATS_TEST_TMPDIR/stalls"
	! grep -q "no answer" "$BATS_TEST_TMPDIR/stalls"
	awk '{ exit !($1 <= 60) }' "$BATS_TEST_TMPDIR/stalls"
}

#!/usr/bin/env bats
# invitations_mail.bats: mail is never lost.  The stack's SMTP sink
# (tests/tools/smtp-sink) stopped while invitations are made, then
# started: the mail arrives.  The sender killed mid-batch (a slow sink
# holds each answer): every message arrives, a duplicate carrying the
# same Message-ID.  The sender's own check (-n).

load helpers
load invitations_helpers

setup_file() {
	export A
	A=$(provision "$(uniq_slug invm)")
}

# running PIDFILE: its process lives.
running() {
	local p
	p=$(cat "$1" 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null
}

# Whatever a test stopped or slowed, the next one finds as before.
teardown() {
	SINK_DELAY=0 xv_sink_start "$XV_STACK"
	running "$XV_STACK/run/mailer.pid" || xv_mailer_start "$XV_STACK"
}

@test "with the SMTP server down the mail waits in the outbox, and arrives once it is up" {
	local e
	e=$(addr)
	xv_sink_stop "$XV_STACK"
	invite "$A" "$e"
	status_is 201
	# The sender tried and failed: the message is queued with its error.
	for _ in $(seq 1 50); do
		[ "$(super_psql -c "SELECT count(*) FROM mail_outbox WHERE recipient = '$e' AND status = 'queued' AND attempts > 0 AND last_error IS NOT NULL")" = 1 ] && break
		sleep 0.1
	done
	[ "$(super_psql -c "SELECT count(*) FROM mail_outbox WHERE recipient = '$e' AND status = 'queued' AND attempts > 0")" = 1 ]
	[ -z "$(mail_files "$e")" ]
	xv_sink_start "$XV_STACK"
	mail_wait "$e" 1 10
	for _ in $(seq 1 50); do
		[ "$(super_psql -c "SELECT status FROM mail_outbox WHERE recipient = '$e'")" = sent ] && return 0
		sleep 0.1
	done
	false
}

@test "the sender killed mid-batch: every message arrives, duplicates with the same Message-ID" {
	local e i f n=6 list=() got
	xv_mailer_stop "$XV_STACK"
	SINK_DELAY=0.4 xv_sink_start "$XV_STACK"
	for i in $(seq 1 $n); do
		e=$(addr)
		list+=("$e")
		invite "$A" "$e"
		status_is 201
	done
	xv_mailer_start "$XV_STACK"
	mail_wait "${list[0]}" 1 10
	# Killed outright, while a message is with the server.
	kill -9 "$(cat "$XV_STACK/run/mailer.pid")"
	[ "$(super_psql -c "SELECT count(*) FROM mail_outbox WHERE recipient IN ($(printf "'%s'," "${list[@]}" | sed 's/,$//')) AND status = 'queued'")" -gt 0 ]
	xv_mailer_start "$XV_STACK"
	for e in "${list[@]}"; do
		f=$(mail_wait "$e" 1 20)
		# Every copy of one message has the same Message-ID.
		got=$(for f in $(mail_files "$e"); do mail_header "$f" Message-ID; done | sort -u | wc -l)
		[ "$got" = 1 ]
	done
	# The sink writes a message before it answers: the last one may be
	# marked sent a moment after its file is there.
	for _ in $(seq 1 50); do
		[ "$(super_psql -c "SELECT count(*) FROM mail_outbox WHERE recipient IN ($(printf "'%s'," "${list[@]}" | sed 's/,$//')) AND status = 'sent'")" = "$n" ] && return 0
		sleep 0.1
	done
	false
}

@test "xavyo-mailer -n checks its configuration and database" {
	run xv_as_prog mailer env XAVYO_CONF="$XAVYO_CONF" "$XV_BIN/xavyo-mailer" -n
	[ "$status" -eq 0 ]
	[[ "$output" == *"configuration and database OK"* ]]
}

@test "smtp_tls required (the default) sends nothing to a server without STARTTLS" {
	local e
	e=$(addr)
	xv_mailer_stop "$XV_STACK"
	invite "$A" "$e"
	status_is 201
	run xv_as_prog mailer env XAVYO_CONF="$XAVYO_CONF" XAVYO_MAILER_SMTP_TLS=required \
	    "$XV_BIN/xavyo-mailer" -1
	[ "$status" -eq 0 ]
	[ "$(super_psql -c "SELECT status || ' ' || attempts FROM mail_outbox WHERE recipient = '$e'")" = "queued 1" ]
	super_psql -c "SELECT last_error FROM mail_outbox WHERE recipient = '$e'" | grep -iq 'ssl\|tls'
	[ -z "$(mail_files "$e")" ]
	xv_mailer_start "$XV_STACK"
	mail_wait "$e" 1 10
}

@test "the sender and the program read each other's secrets not" {
	local dir
	xv_root || skip "as root only: each runs as its own user"
	dir=$(sed -n 's/^secrets_dir *= *//p' "$XAVYO_CONF")
	run xv_as_prog mailer cat "$dir/invitations.conf"
	[ "$status" -ne 0 ]
	run xv_as_prog invitations cat "$dir/mailer.conf"
	[ "$status" -ne 0 ]
	run xv_as_prog mailer cat "$dir/mailer.conf"
	[ "$status" -eq 0 ]
	[[ "$output" == *outbox_key* ]]
}

# cpu_ticks PID: user plus system time of PID so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

@test "with nothing due the sender sleeps: it does not spin on an empty outbox" {
	local p before after e
	e=$(addr)
	invite "$A" "$e"
	status_is 201
	mail_wait "$e" 1 10
	# Now nothing is queued; give the sender a moment to go idle.
	sleep 0.5
	p=$(cat "$XV_STACK/run/mailer.pid")
	before=$(cpu_ticks "$p")
	sleep 3
	after=$(cpu_ticks "$p")
	# A spinning sender burns about 100 ticks a second; an idle one 0.
	[ $((after - before)) -le 10 ] || {
		echo "the sender used $((after - before)) ticks in 3 s"; false; }
	# And it still wakes for new mail at once.
	e=$(addr)
	invite "$A" "$e"
	mail_wait "$e" 1 5
}

@test "the sender's smtp_url reaches this stack's own sink, not another's" {
	local port e
	port=$(sed -n 's|^mailer.smtp_url = smtp://127.0.0.1:||p' "$XAVYO_CONF")
	[ -n "$port" ]
	e=$(addr)
	python3 - "$port" "$e" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=5)
s.sendmail("t@localhost", [sys.argv[2]],
           "To: %s\r\nSubject: port\r\n\r\nport check\r\n" % sys.argv[2])
s.quit()
PY
	# The message lands in this stack's mail directory.
	mail_wait "$e" 1 5
}

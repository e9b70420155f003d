#!/usr/bin/env bats
# privilege.bats: each program runs as its own Unix user and reads only
# its own secrets (issue 8; xavyo-idp(7), the privilege table): its
# database password, and the master key or the API-key secret only where
# it needs them.  The owner's password is root's alone; xavyo.conf holds
# no secret; the web server's user reads none.  As an ordinary user
# everything runs as that user, and this suite has nothing to show.
load helpers

setup_file() {
	. "$XV_SRC/script/lib.sh"
	export PROGRAMS=$XV_PROGRAMS SVC=$XV_SVC
	export SDIR=$XV_STACK/secrets/programs
}

setup() {
	[ "$(id -u)" = 0 ] || skip "per-program users need the stack started as root"
}

@test "xavyo.conf, which every program and the web server read, holds no secret" {
	run grep -Ei '^[a-z._-]*(password|master_key|api_key_secret)' "$XAVYO_CONF"
	[ "$status" -ne 0 ]
}

@test "each program's processes run as its own user" {
	for p in $PROGRAMS; do
		sup=$(cat "$XV_STACK/run/$p-fcgi.pid")
		[ "$(ps -o user= -p "$sup" | tr -d ' ')" = "$SVC-$p" ]
		kids=$(pgrep -P "$sup")
		[ -n "$kids" ]
		for k in $kids; do
			[ "$(ps -o user= -p "$k" | tr -d ' ')" = "$SVC-$p" ]
		done
	done
}

@test "each program's user reads its own secrets and no other's, nor the owner's" {
	for p in $PROGRAMS; do
		runuser -u "$SVC-$p" -- grep -q '^db_password' "$SDIR/$p.conf"
		for q in $PROGRAMS owner; do
			[ "$q" = "$p" ] && continue
			run runuser -u "$SVC-$p" -- cat "$SDIR/$q.conf"
			[ "$status" -ne 0 ] || { echo "$p read $q's secrets"; false; }
		done
		# Nor list the directory to find out what else is there.
		run runuser -u "$SVC-$p" -- ls "$SDIR"
		[ "$status" -ne 0 ]
	done
}

@test "the web server's user reads no secret" {
	for q in $PROGRAMS owner; do
		run runuser -u "$SVC" -- cat "$SDIR/$q.conf"
		[ "$status" -ne 0 ]
	done
	run runuser -u "$SVC" -- cat "$XV_STACK/secrets/secrets.env"
	[ "$status" -ne 0 ]
}

@test "a program holds the master key only where it signs, the API-key secret only where keys are taken" {
	for p in $PROGRAMS; do
		case $p in
		oauth|auth) grep -q '^master_key' "$SDIR/$p.conf" ;;
		*) ! grep -q '^master_key' "$SDIR/$p.conf" ;;
		esac
		grep -q '^api_key_secret' "$SDIR/$p.conf"
	done
	! grep -q '^api_key_secret' "$SDIR/owner.conf"
	grep -q '^master_key' "$SDIR/owner.conf"
}

@test "a program's own secrets are enough for it: it answers" {
	api GET /.well-known/jwks.json
	status_is 200
	api GET /system/tenants -H "Authorization: Bearer $(token)"
	status_is 200
}

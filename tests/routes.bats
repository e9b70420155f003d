#!/usr/bin/env bats
# routes.bats: every path a program serves (its route table, printed by
# -P) is sent to that program, and to no other, by both web servers'
# configurations in httpd-conf/; so no route can be left out of a
# server's config.  The programs come from XV_PROGRAMS (script/lib.sh).
load helpers

setup_file() {
	. "$XV_SRC/script/lib.sh"
	export PROGRAMS=$XV_PROGRAMS
}

# apache_re PROG: the path pattern xavyo-apache.conf routes to PROG.
apache_re() {
	local up
	up=$(tr a-z A-Z <<<"$1")
	sed -n "s/^Define XAVYO_${up}_PATHS \"\(.*\)\"$/\1/p" \
	    "$XV_SRC/httpd-conf/xavyo-apache.conf"
}

# lighttpd_re PROG: the url condition of the block whose socket is PROG's.
lighttpd_re() {
	awk -v sock="/$1.sock\"" '
	    /^\$HTTP\["url"\] =~ "/ { re = $0; sub(/^\$HTTP\["url"\] =~ "/, "", re); sub(/" *\{ *$/, "", re) }
	    index($0, sock) { print re; exit }' "$XV_SRC/httpd-conf/xavyo-lighttpd.conf"
}

# check SERVER RE-FUNCTION: each program's paths match its pattern alone.
check() {
	local fn=$1 p q path re bad=0
	for p in $PROGRAMS; do
		re=$($fn "$p")
		[ -n "$re" ] || { echo "$fn: no route for $p"; return 1; }
		while read -r path; do
			printf '%s\n' "$path" | grep -Eq -- "$re" ||
			    { echo "$fn: $path of $p is not routed to it"; bad=1; }
			for q in $PROGRAMS; do
				[ "$q" = "$p" ] && continue
				printf '%s\n' "$path" | grep -Eq -- "$($fn "$q")" &&
				    { echo "$fn: $path of $p is routed to $q too"; bad=1; }
			done
		done < <("$XV_SRC/cgi-bin/$p.fcgi" -P | sort -u)
	done
	return "$bad"
}

@test "every program prints the paths of its routes" {
	for p in $PROGRAMS; do
		run "$XV_SRC/cgi-bin/$p.fcgi" -P
		[ "$status" -eq 0 ]
		[ "${#lines[@]}" -gt 0 ]
		for l in "${lines[@]}"; do [[ "$l" == /* ]]; done
	done
}

@test "Apache sends every path of every program to that program alone" {
	check apache_re
}

@test "lighttpd sends every path of every program to that program alone" {
	check lighttpd_re
}

@test "the check fails for a path no server routes (it can fail)" {
	apache_re() { echo '^/nothing-here/'; }
	run check apache_re
	[ "$status" -ne 0 ]
}

@test "/healthz reaches a program through the web server" {
	api GET /healthz
	status_is 200
}

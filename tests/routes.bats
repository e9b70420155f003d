#!/usr/bin/env bats
# routes.bats: every path a program serves (its route table, printed by
# -P) is sent to that program, and to no other, by both web servers'
# configurations in httpd-conf/; so no route can be left out of a
# server's config.  The programs come from the file programs (through
# XV_PROGRAMS, script/lib.sh), and every other list of them must agree.
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

# lists_agree NAMES: every list of the FastCGI programs that cannot read
# the file programs (script/lib.sh's XV_PROGRAMS does) names exactly
# NAMES; prints each list that does not.
lists_agree() {
	local want got bad=0 s=$XV_SRC
	want=$(printf '%s\n' $1 | sort)
	same() {
		[ "$2" = "$want" ] && return 0
		echo "$1 names: $(echo $2); the file programs: $(echo $want)"
		bad=1
	}
	same "Makefile.am's fcgi_PROGRAMS" "$(sed -n '/^fcgi_PROGRAMS/,/[^\\]$/p' "$s/Makefile.am" |
	    grep -o 'cgi-bin/[a-z]*\.fcgi' | sed 's|cgi-bin/||; s|\.fcgi||' | sort)"
	same "Makefile.am's man pages" "$(grep -o 'man/[a-z]*\.fcgi\.8' "$s/Makefile.am" |
	    sed 's|man/||; s|\.fcgi\.8||' | sort -u)"
	same "man/" "$(ls "$s"/man/*.fcgi.8 | sed 's|.*/||; s|\.fcgi\.8||' | sort)"
	same "roles.sql's roles" "$(sed -n '/^SELECT format(.CREATE ROLE/,/\\gexec/p' "$s/sql/roles.sql" |
	    grep -o "'xavyo_[a-z]*'" | tr -d "'" | sed 's/^xavyo_//' |
	    grep -vx 'owner\|mailer' | sort)"
	same "roles.sql's passwords" "$(sed -n 's/^ALTER ROLE xavyo_\([a-z]*\) PASSWORD .*/\1/p' \
	    "$s/sql/roles.sql" | grep -vx 'owner\|mailer' | sort)"
	same "roles.sql's generic plans" "$(sed -n '/^SELECT format(.ALTER ROLE %I SET plan_cache_mode/,/\\gexec/p' \
	    "$s/sql/roles.sql" | grep -o "'xavyo_[a-z]*'" | tr -d "'" |
	    sed 's/^xavyo_//' | grep -vx 'mailer' | sort)"
	same "xavyo-idp.target" "$(sed -n 's/^Wants=//p' "$s/debian/systemd/xavyo-idp.target" |
	    tr ' ' '\n' | sed -n 's/^xavyo-\(.*\)\.service$/\1/p' | grep -vx mailer | sort)"
	same "debian/systemd's units" "$(ls "$s"/debian/systemd/xavyo-*.service |
	    sed 's|.*/xavyo-||; s|\.service$||' | grep -vx mailer | sort)"
	same "xavyo-apache.conf" "$(sed -n 's/^Define XAVYO_\([A-Z]*\)_PATHS .*/\1/p' \
	    "$s/httpd-conf/xavyo-apache.conf" | tr A-Z a-z | sort)"
	same "xavyo-lighttpd.conf" "$(grep -o '/[a-z]*\.sock"' "$s/httpd-conf/xavyo-lighttpd.conf" |
	    sed 's|^/||; s|\.sock"$||' | sort -u)"
	same "the package's lighttpd snippet" "$(grep -o '/[a-z]*\.sock"' \
	    "$s/debian/lighttpd/50-xavyo-idp.conf" | sed 's|^/||; s|\.sock"$||' | sort -u)"
	return "$bad"
}

@test "one list of programs: Makefile.am, roles.sql, the units, the man pages and both servers name those of the file programs" {
	[ -n "$PROGRAMS" ]
	[ "$PROGRAMS" = "$(sed '/^#/d' "$XV_SRC/programs" | xargs)" ]
	lists_agree "$PROGRAMS"
}

@test "the list check fails for a program the other lists lack (it can fail)" {
	run lists_agree "$PROGRAMS ghost"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Makefile.am's fcgi_PROGRAMS names"* ]]
	[[ "$output" == *"xavyo-apache.conf names"* ]]
}

#!/usr/bin/env bats
# httpd.bats: what the web server answers itself, before or instead of a
# program (httpd-conf/).  Nothing of the stack's directory (pid files,
# PostgreSQL's socket and lock file, the configuration) is ever served:
# any path that no program routes is a 404 problem.
load helpers

# The pid file of the running web server.
pid_file() { echo "$XV_STACK/run/$XV_SERVER.pid"; }

@test "the document root is an empty directory that the service user cannot write" {
	[ -d "$XV_STACK/www" ]
	[ -z "$(ls -A "$XV_STACK/www")" ]
	[ "$(stat -c %a "$XV_STACK/www")" = 555 ]
	[ -s "$(pid_file)" ]
}

@test "the web server's pid file and PostgreSQL's lock file are 404 problems, not their contents" {
	for p in "/$XV_SERVER.pid" "/.s.PGSQL.$XV_PGPORT.lock" \
	    "/.s.PGSQL.$XV_PGPORT" /xavyo.conf /secrets/secrets.env; do
		api GET "$p"
		problem_is 404 not_found || { echo "GET $p"; return 1; }
		[[ "$body" != *"$XV_STACK"* ]]
		[[ "$body" != *"$(cat "$(pid_file)")"* ]]
	done
}

@test "no file of the stack's run directory is served" {
	local f n=0
	for f in "$XV_STACK"/run/* "$XV_STACK"/run/.[!.]*; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		for p in "/${f##*/}" "/run/${f##*/}"; do
			api GET "$p"
			problem_is 404 not_found || { echo "GET $p"; return 1; }
		done
	done
	# The pid file, the PostgreSQL socket and its lock file at least.
	[ "$n" -ge 3 ]
}

@test "any path that no program routes is a 404 problem, whatever the method" {
	for p in / /nope /index.html /admin /admin/ /oauth /system \
	    /.xavyo-error/404.html /errors/404.html /www/ /healthz/x; do
		for m in GET DELETE PUT PATCH; do
			api "$m" "$p"
			problem_is 404 not_found || { echo "$m $p"; return 1; }
		done
		api POST "$p" -H 'Content-Type: application/json' -d '{}'
		problem_is 404 not_found || { echo "POST $p"; return 1; }
		api HEAD "$p" -I
		status_is 404 || { echo "HEAD $p"; return 1; }
	done
}

#!/usr/bin/env bats
# httpd.bats: what the web server answers itself, before or instead of a
# program (httpd-conf/, README "Known limits").  Every answer is JSON: an
# RFC 9457 problem, or an RFC 6749 error on /oauth/token,
# /oauth/introspect and /oauth/revoke; and nothing of the stack's
# directory (pid files, PostgreSQL's socket and lock file, the
# configuration) is ever served.
load helpers

# raw_http REQUEST: sends REQUEST (printf format) as it is, for what curl
# will not send; sets $status_code, $headers and $body like api.
raw_http() {
	local out
	out=$(
		exec 3<>"/dev/tcp/127.0.0.1/${XV_URL##*:}"
		# shellcheck disable=SC2059
		printf "$1" >&3
		timeout 5 cat <&3
	)
	headers=${out%%$'\r\n\r\n'*}
	body=${out#*$'\r\n\r\n'}
	status_code=$(printf '%s' "$headers" | head -1 | cut -d' ' -f2)
}

# oauth_doc_is STATUS ERROR: an RFC 6749 section 5.2 error document:
# JSON with exactly "error" and "error_description".
oauth_doc_is() {
	status_is "$1" || return 1
	case "$(header Content-Type)" in
	application/json*) ;;
	*) echo "not JSON: $(header Content-Type): $body"; return 1 ;;
	esac
	printf '%s' "$body" | jq -e --arg e "$2" '(keys == ["error",
	    "error_description"]) and .error == $e' >/dev/null && return 0
	echo "expected error $2, got: $body"
	return 1
}

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

@test "a path that climbs above the root is a problem, and serves nothing" {
	for p in /%2e%2e/xavyo.conf /%2e%2e/run/$XV_SERVER.pid; do
		api GET "$p"
		# Apache refuses it (400); lighttpd resolves it to / first (404).
		if [ "$XV_SERVER" = apache ]; then
			problem_is 400 invalid_request || return 1
		else
			problem_is 404 not_found || return 1
		fi
	done
}

@test "a body over the web server's cap is a 413 problem, an RFC 6749 error on the OAuth endpoints" {
	big=$BATS_TEST_TMPDIR/big
	head -c 2000000 /dev/zero | tr '\0' a >"$big"
	api POST /tenants/provision -H 'Content-Type: application/json' \
	    -H 'Expect:' --data-binary "@$big"
	problem_is 413 payload_too_large
	for p in /oauth/token /oauth/introspect /oauth/revoke; do
		api POST "$p" -H 'Expect:' --data-binary "@$big"
		oauth_doc_is 413 invalid_request || { echo "POST $p"; return 1; }
	done
}

@test "TRACE is a 405 problem, an RFC 6749 error on the OAuth endpoints" {
	api TRACE /system/tenants
	problem_is 405 method_not_allowed
	api TRACE /oauth/token
	oauth_doc_is 405 invalid_request
}

@test "a method nobody knows is a problem" {
	api FROB /system/tenants
	# Apache passes it to the program, which allows GET only there;
	# lighttpd refuses it itself.
	if [ "$XV_SERVER" = apache ]; then
		problem_is 405 method_not_allowed
	else
		problem_is 501 not_implemented
	fi
}

@test "a malformed request is a 400 problem" {
	raw_http 'GET /system/tenants HTTP/1.1\r\nHost: x\r\nno colon here\r\nConnection: close\r\n\r\n'
	problem_is 400 invalid_request
	raw_http 'NONSENSE\r\n\r\n'
	problem_is 400 invalid_request
}

@test "a malformed request to an OAuth endpoint is a 400 RFC 6749 error (a problem behind lighttpd)" {
	raw_http 'POST /oauth/token HTTP/1.1\r\nHost: x\r\nno colon here\r\nConnection: close\r\n\r\n'
	# lighttpd raises it before any URL condition applies (README, Known
	# limits).
	if [ "$XV_SERVER" = apache ]; then
		oauth_doc_is 400 invalid_request
	else
		problem_is 400 invalid_request
	fi
}

@test "a request line over the web server's limit is a problem" {
	long=$(head -c 20000 /dev/zero | tr '\0' a)
	api GET "/system/tenants?q=$long"
	# Apache: 414 URI Too Long; lighttpd: 431, its header limit.
	if [ "$XV_SERVER" = apache ]; then
		problem_is 414 uri_too_long
	else
		problem_is 431 headers_too_large
	fi
}

@test "a POST with neither body nor Content-Length reaches the program behind Apache, and is a 411 problem behind lighttpd" {
	id=$(provision "$(uniq_slug nolen)")
	curl_as_written -X POST "$XV_URL/system/tenants/$id/suspend"
	if [ "$XV_SERVER" = apache ]; then
		problem_is 401 unauthorized
	else
		problem_is 411 length_required
	fi
	curl_as_written -X POST "$XV_URL/oauth/revoke"
	if [ "$XV_SERVER" = apache ]; then
		status_is 401
		jq_is .error invalid_client
	else
		# Before any URL condition: a problem here too.
		problem_is 411 length_required
	fi
}

@test "a chunked request body is read whole behind lighttpd, and a 411 (never an empty body) behind Apache" {
	id=$(provision "$(uniq_slug chunked)")
	api PUT "/admin/tenants/$id/settings" -H "Authorization: Bearer $(token)" \
	    -H "X-Tenant-ID: $id" -H 'Content-Type: application/json' \
	    -H 'Transfer-Encoding: chunked' -d '{"session_timeout_minutes":45}'
	if [ "$XV_SERVER" = apache ]; then
		problem_is 411 length_required
	else
		status_is 200
		jq_is .session_timeout_minutes 45
	fi
	api POST /oauth/token -H 'Transfer-Encoding: chunked' \
	    -u nobody:wrong -d grant_type=client_credentials
	if [ "$XV_SERVER" = apache ]; then
		oauth_doc_is 411 invalid_request
	else
		status_is 401
		jq_is .error invalid_client
	fi
}

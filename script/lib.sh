# lib.sh: what script/up, script/down and script/test share: installing
# the Debian packages, building, and starting or stopping one stack (a
# private PostgreSQL cluster, the migrations, the bootstrap, and a web
# server with the project's own httpd-conf) in a directory of its own.
# The web server is Apache httpd (mod_proxy_fcgi) or lighttpd, in front
# of the programs running as socket servers under their own supervisor
# (-s SOCKET -c PROCS), each as its own user.
#
# With XV_PGBOUNCER_PORT set, xv_stack_up puts PgBouncer in transaction
# pooling mode in front of the cluster (xv_pgbouncer_start) and points
# xavyo.conf at it, with db_prepare = 0; XV_PGBOUNCER_POOL (default 2)
# is its server connections per role, XV_PGBOUNCER_ADDR a TCP address
# it listens on besides the stack's run directory.
#
# As root, the cluster and the web server run as the unprivileged system
# account "xavyo" (initdb refuses root), and each FastCGI program as an
# account of its own, "xavyo-PROGRAM" (group xavyo, so that the web
# server reaches its socket), which alone reads the program's secrets
# file (xavyo.conf(5), secrets_dir); the owner's secrets are root's.  As
# an ordinary user everything runs as that user.
#
# Every stack also runs a local SMTP sink (tests/tools/smtp-sink), which
# writes each message into DIR/mail/ as an .eml file, and the mail
# sender xavyo-mailer (as the user xavyo-mailer) delivering to it.

XV_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
XV_SVC=xavyo
XV_PACKAGES="build-essential autoconf automake pkg-config libfcgi-dev
 libpq-dev libargon2-dev libjansson-dev libjwt-dev libssl-dev postgresql-15
 postgresql-client-15 lighttpd apache2 bats curl jq openssl python3
 python3-jwt python3-cryptography mandoc wrk iproute2 oathtool argon2 libfcgi-bin
 libcurl4-openssl-dev python3-aiosmtpd chromium nodejs python3-authlib python3-requests libapache2-mod-auth-openidc
 pgbouncer"
# The FastCGI programs, in the order they start: the file programs.
XV_PROGRAMS=$(sed '/^#/d' "$XV_SRC/programs" | tr '\n' ' ')
XV_PROGRAMS=${XV_PROGRAMS% }
# xavyoctl, which migrates and bootstraps: the build's, unless a test of
# packaged programs (tests/package/run) names another.
XV_CTL=${XV_CTL:-$XV_SRC/cgi-bin/xavyoctl}
# The FastCGI programs: the build's, unless a test names another build
# (script/test's sanitizer pass).
XV_BIN=${XV_BIN:-$XV_SRC/cgi-bin}
XV_SYSTEM_TENANT=00000000-0000-0000-0000-000000000001

xv_root() { [ "$(id -u)" = 0 ]; }
xv_sudo() { if xv_root; then "$@"; else sudo "$@"; fi; }
xv_as_svc() { if xv_root; then runuser -u "$XV_SVC" -- "$@"; else "$@"; fi; }
xv_say() { printf '%s\n' "$*" >&2; }

# Installs what is missing.  A policy-rc.d keeps Debian from starting
# lighttpd, Apache or PostgreSQL system services on port 80 and 5432:
# xavyo-idp runs its own.
xv_install_deps() {
	local p missing="" policy=/usr/sbin/policy-rc.d made=0
	for p in $XV_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	xv_say "installing Debian packages:$missing"
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' | xv_sudo tee "$policy" >/dev/null
		xv_sudo chmod 755 "$policy"
		made=1
	fi
	xv_sudo apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	xv_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $missing >/dev/null
	[ "$made" = 1 ] && xv_sudo rm -f "$policy"
	return 0
}

xv_build() {
	(
		cd "$XV_SRC"
		[ -x configure ] || autoreconf -fi >/dev/null 2>&1
		[ -f Makefile ] || ./configure -q
		make -s -j2 >/dev/null
	)
}

# A TCP port that no socket uses, below the kernel's ephemeral range (so
# that no client connection of the tests can take it meanwhile).
xv_free_port() {
	local p low
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$low" -gt 12000 ] 2>/dev/null || low=32768
	while :; do
		p=$(( 10000 + RANDOM % (low - 10000) ))
		ss -Htan "( sport = :$p )" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}

xv_svc_user() {
	local p
	xv_root || return 0
	id "$XV_SVC" >/dev/null 2>&1 ||
	    useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin "$XV_SVC"
	for p in $XV_PROGRAMS mailer; do
		id "$XV_SVC-$p" >/dev/null 2>&1 ||
		    useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin -g "$XV_SVC" "$XV_SVC-$p"
	done
}

# xv_as_prog PROGRAM CMD...: CMD as the program's own user (as root).
xv_as_prog() {
	local p=$1; shift
	if xv_root; then runuser -u "$XV_SVC-$p" -g "$XV_SVC" -- "$@"; else "$@"; fi
}

# xv_stack_dirs DIR: the stack's directories, owned by the service user.
# As root, a DIR whose parents the service user cannot traverse is
# replaced by a link to one under /var/tmp.
xv_stack_dirs() {
	local d=$1 real
	if xv_root && [ ! -e "$d" ] &&
	    ! runuser -u "$XV_SVC" -- test -x "$(dirname "$d")"; then
		real=/var/tmp/xavyo-stack-$(printf '%s' "$d" | md5sum | cut -c1-12)
		mkdir -p "$real"
		ln -sfn "$real" "$d"
	fi
	mkdir -p "$d"/pg "$d"/run "$d"/log "$d"/secrets/programs "$d"/www
	# The run directory holds PostgreSQL's socket and the programs':
	# the group (the web server and the programs) may enter and connect.
	# Secrets: each program may open its own file, list none.
	chmod 700 "$d"/pg
	chmod 770 "$d"/run
	chmod 711 "$d"/secrets "$d"/secrets/programs
	chmod 755 "$d"
	if xv_root; then
		chown "$XV_SVC:$XV_SVC" "$d"/pg "$d"/run "$d"/log
		chmod 775 "$d"/log
	fi
	# The web servers' document root: empty, and not writable by the
	# service user (as root, it stays root's).
	chmod 555 "$d"/www
	if [ -n "$(ls -A "$d"/www)" ]; then
		xv_say "$d/www must be empty: it is the web server's document root"
		return 1
	fi
}

xv_secret() { openssl rand -hex "${1:-24}"; }

# xv_stack_secrets DIR: passwords and the master key, made once.
xv_stack_secrets() {
	local d=$1 f=$1/secrets/secrets.env r
	if [ ! -f "$f" ]; then
		{
			echo "PG_SUPER_PW=$(xv_secret)"
			for r in owner $XV_PROGRAMS; do
				echo "PW_$r=$(xv_secret)"
			done
			echo "MASTER_KEY=$(xv_secret 32)"
		} > "$f"
		chmod 600 "$f"
	fi
	# Stacks made before API keys lack their digest key: add it once.
	grep -q '^API_KEY_SECRET=' "$f" ||
	    echo "API_KEY_SECRET=$(xv_secret 32)" >> "$f"
	# Stacks made before the mail sender lack its role's password and
	# the key that seals invitation tokens in the outbox.
	grep -q '^PW_mailer=' "$f" || echo "PW_mailer=$(xv_secret)" >> "$f"
	grep -q '^OUTBOX_KEY=' "$f" ||
	    echo "OUTBOX_KEY=$(xv_secret 32)" >> "$f"
	# The first super admin's password (xavyoctl bootstrap --password-file).
	grep -q '^ADMIN_PW=' "$f" ||
	    echo "ADMIN_PW=$(xv_secret 16)Aa1!" >> "$f"
	# shellcheck disable=SC1090
	. "$f"
}

# xv_pg_start DIR PGPORT FAST: initdb once, then start the cluster.
xv_pg_start() {
	local d=$1 port=$2 fast=${3:-0} pwfile
	if [ ! -f "$d/pg/PG_VERSION" ]; then
		pwfile=$d/run/pwfile
		printf '%s\n' "$PG_SUPER_PW" > "$pwfile"
		xv_root && chown "$XV_SVC" "$pwfile"
		xv_as_svc "$PGBIN/initdb" -D "$d/pg" -U postgres -E UTF8 \
		    --locale=C.UTF-8 --auth-local=scram-sha-256 \
		    --auth-host=scram-sha-256 --pwfile="$pwfile" \
		    > "$d/log/initdb.log" 2>&1
		rm -f "$pwfile"
		{
			echo "listen_addresses = ''"
			echo "unix_socket_directories = '$d/run'"
			echo "unix_socket_permissions = 0770"
			echo "max_connections = 200"
			echo "shared_buffers = 128MB"
			if [ "$fast" = 1 ]; then
				echo "fsync = off"
				echo "synchronous_commit = off"
				echo "full_page_writes = off"
			fi
		} | xv_as_svc tee -a "$d/pg/postgresql.conf" >/dev/null
	fi
	xv_as_svc sed -i -e "s/^#\?port = .*/port = $port/" \
	    -e "s/^unix_socket_permissions = 0700/unix_socket_permissions = 0770/" \
	    "$d/pg/postgresql.conf"
	if ! xv_as_svc "$PGBIN/pg_ctl" -D "$d/pg" status >/dev/null 2>&1; then
		xv_as_svc "$PGBIN/pg_ctl" -D "$d/pg" -l "$d/log/postgres.log" \
		    -w -t 60 start >/dev/null
	fi
}

xv_psql_super() {
	local d=$1; shift
	PGPASSWORD=$PG_SUPER_PW psql -X -q -h "$d/run" -p "$XV_PGPORT" \
	    -U postgres "$@"
}

# xv_secret_needs PROGRAM: the secrets a program holds besides its
# database password (xavyo-idp(7), the privilege table).
xv_secret_needs() {
	case $1 in
	owner) echo master_key ;;
	oauth|auth) echo master_key api_key_secret ;;
	invitations) echo api_key_secret outbox_key ;;
	mailer) echo outbox_key ;;
	*) echo api_key_secret ;;
	esac
}

# xv_stack_conf DIR PGPORT HTTPPORT SMTPPORT: xavyo.conf, which holds no
# secret (the mail sender delivers to the stack's sink, without TLS, and
# retries after 1 then 2 seconds),
# and in DIR/secrets/programs a secrets file for each program (and the
# owner, that is xavyoctl) that its user alone can read.
xv_stack_conf() {
	local d=$1 pgport=$2 http=$3 smtp=${4:-2525} r k f
	{
		echo "# xavyo.conf: written by script/up for this stack; see xavyo.conf(5)"
		echo "# Each program's secrets: secrets_dir/PROGRAM.conf"
		if [ -n "${XV_PGBOUNCER_PORT:-}" ]; then
			xv_pgbouncer_conf "$d" "$pgport"
		else
			echo "database = host=$d/run port=$pgport dbname=xavyo"
		fi
		echo "issuer = http://127.0.0.1:$http"
		echo "secrets_dir = $d/secrets/programs"
		echo "sql_dir = $XV_SRC/sql"
		echo "access_log = ${XV_ACCESS_LOG:-1}"
		echo "mailer.smtp_url = smtp://127.0.0.1:$smtp"
		echo "mailer.smtp_tls = none"
		echo "mailer.mail_from = xavyo-idp <noreply@localhost>"
		echo "mailer.public_url = http://127.0.0.1:$http"
		echo "mailer.retry_base = 1"
		echo "mailer.retry_max = 2"
	} > "$d/xavyo.conf"
	chmod 640 "$d/xavyo.conf"
	xv_root && chgrp "$XV_SVC" "$d/xavyo.conf"
	for r in owner $XV_PROGRAMS mailer; do
		f=$d/secrets/programs/$r.conf
		rm -f "$f"
		(
			umask 077
			{
				echo "# $r's secrets; see xavyo.conf(5)"
				eval "echo \"db_password = \$PW_$r\""
				for k in $(xv_secret_needs "$r"); do
					case $k in
					master_key) echo "master_key = $MASTER_KEY" ;;
					api_key_secret) echo "api_key_secret = $API_KEY_SECRET" ;;
					outbox_key) echo "outbox_key = $OUTBOX_KEY" ;;
					esac
				done
			} > "$f"
		)
		chmod 400 "$f"
		if xv_root && [ "$r" != owner ] && id "$XV_SVC-$r" >/dev/null 2>&1; then
			chown "$XV_SVC-$r" "$f"
		fi
	done
	return 0
}

xv_db_setup() {
	local d=$1 r v
	# The passwords reach psql on its standard input, never in argv.
	{
		for r in owner $XV_PROGRAMS mailer; do
			v=PW_$r
			printf '\\set %s_pw %s\n' "$r" "${!v}"
		done
		cat "$XV_SRC/sql/roles.sql"
	} | xv_psql_super "$d" -d postgres -f - \
	    > "$d/log/roles.log" 2>&1
	XAVYO_CONF=$d/xavyo.conf "$XV_CTL" migrate >> "$d/log/migrate.log"
	( umask 077; printf '%s\n' "$ADMIN_PW" > "$d/secrets/admin.pw" )
	XAVYO_CONF=$d/xavyo.conf "$XV_CTL" bootstrap \
	    --password-file "$d/secrets/admin.pw" >> "$d/log/migrate.log"
}

# xv_lighttpd_start DIR HTTPPORT PROCS: the programs under their
# supervisors, as behind Apache, and lighttpd with the project's
# httpd-conf in front of them.
xv_lighttpd_start() {
	local d=$1 http=$2 procs=${3:-2} p
	{
		echo "server.port = $http"
		if xv_root; then
			echo "server.username = \"$XV_SVC\""
			echo "server.groupname = \"$XV_SVC\""
		fi
	} > "$d/lighttpd-local.conf"
	xv_lighttpd_stop "$d"
	xv_fcgi_start_all "$d" "$procs"
	XAVYO_RUN=$d/run XAVYO_LOG=$d/log \
	    XAVYO_LIGHTTPD_LOCAL=$d/lighttpd-local.conf \
	    XAVYO_DOCROOT=$d/www XAVYO_HTTPD_CONF=$XV_SRC/httpd-conf \
	    lighttpd -f "$XV_SRC/httpd-conf/lighttpd.conf" || return 1
	xv_wait_http "http://127.0.0.1:$http/healthz"
}

xv_wait_http() {
	local i
	for i in $(seq 1 100); do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	xv_say "no answer from $1"
	return 1
}

# xv_pid_stop PIDFILE WHAT: stops the process that PIDFILE names, if it
# still is one whose command line holds WHAT (a pid may be reused), and
# waits up to 5 seconds for it to end.
xv_pid_stop() {
	local f=$1 what=$2 pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f" 2>/dev/null || true)
	if [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" |
	    grep -qF -- "$what" && kill "$pid" 2>/dev/null; then
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -f "$f"
}

xv_lighttpd_stop() {
	xv_pid_stop "$1/run/lighttpd.pid" lighttpd
}

xv_pg_stop() {
	local d=$1
	[ -f "$d/pg/PG_VERSION" ] || return 0
	xv_as_svc "$PGBIN/pg_ctl" -D "$d/pg" -m fast -w stop >/dev/null 2>&1 || true
}

# xv_fcgi_start DIR PROGRAM PROCS: the program as a socket server on
# DIR/run/PROGRAM.sock, a supervisor that keeps PROCS processes serving
# and respawns any that dies (see tenants.fcgi(8), -s and -c); its pid
# in DIR/run/PROGRAM-fcgi.pid, its standard error (the programs' JSON
# log) in DIR/log/PROGRAM-fcgi.log.
xv_fcgi_start() {
	local d=$1 p=$2 procs=$3
	rm -f "$d/run/$p.sock"
	# The shell writes its own pid, then becomes the supervisor.
	# It runs as its own user; its socket is the group's (umask 007).
	xv_as_prog "$p" sh -c 'umask 007 && echo $$ > "$0" && exec "$@"' \
	    "$d/run/$p-fcgi.pid" \
	    env XAVYO_CONF="$d/xavyo.conf" "$XV_BIN/$p.fcgi" \
	    -s "$d/run/$p.sock" -c "$procs" \
	    </dev/null >/dev/null 2>>"$d/log/$p-fcgi.log" &
}

# xv_fcgi_start_all DIR PROCS: every program, each as its own user;
# returns once their sockets are there.
xv_fcgi_start_all() {
	local d=$1 procs=$2 p
	for p in $XV_PROGRAMS; do
		xv_fcgi_start "$d" "$p" "$procs"
	done
	for p in $XV_PROGRAMS; do
		for _ in $(seq 1 50); do [ -S "$d/run/$p.sock" ] && break; sleep 0.1; done
	done
}

# The supervisor stops its processes on SIGTERM before it exits.
xv_fcgi_stop() {
	xv_pid_stop "$1/run/$2-fcgi.pid" "-s $1/run/$2.sock"
	rm -f "$1/run/$2.sock"
}

# xv_apache_start DIR PORT PROCS: the programs under their supervisors,
# and Apache httpd (mod_proxy_fcgi) with the project's httpd-conf in
# front of them.
xv_apache_start() {
	local d=$1 port=$2 procs=${3:-2} p def=()
	xv_apache_stop "$d"
	xv_fcgi_start_all "$d" "$procs"
	xv_root && def=(-D XAVYO_AS_ROOT)
	XAVYO_RUN=$d/run XAVYO_LOG=$d/log XAVYO_APACHE_PORT=$port \
	    XAVYO_DOCROOT=$d/www XAVYO_USER=$XV_SVC \
	    XAVYO_HTTPD_CONF=$XV_SRC/httpd-conf \
	    apache2 -f "$XV_SRC/httpd-conf/apache.conf" "${def[@]}" -k start ||
	    return 1
	xv_wait_http "http://127.0.0.1:$port/healthz"
}

xv_apache_stop() {
	local d=$1 p
	xv_pid_stop "$d/run/apache.pid" apache2
	for p in $XV_PROGRAMS; do
		xv_fcgi_stop "$d" "$p"
	done
}

# xv_server_start DIR HTTPPORT PROCS SERVER: SERVER (apache or lighttpd)
# and the programs behind it; the other server, if it runs, is stopped.
xv_server_start() {
	local d=$1 http=$2 procs=$3 server=$4
	case "$server" in
	apache)
		xv_lighttpd_stop "$d"
		xv_apache_start "$d" "$http" "$procs" ;;
	lighttpd)
		xv_apache_stop "$d"
		xv_lighttpd_start "$d" "$http" "$procs" ;;
	*)
		xv_say "unknown web server '$server': apache or lighttpd"
		return 1 ;;
	esac
}

# Stops whichever web server runs, and the programs.
xv_server_stop() {
	xv_apache_stop "$1"
	xv_lighttpd_stop "$1"
}

# Closes every file descriptor above 2 of the shell that runs it.
# shellcheck disable=SC2016
XV_CLOSE_FDS='for f in $(ls /proc/$$/fd); do [ "$f" -gt 2 ] && eval "exec $f>&-"; done'

# xv_sink_start DIR: the SMTP sink on the port xavyo.conf names, as the
# service user, writing into DIR/mail/; its pid in DIR/run/sink.pid.
# SINK_DELAY (seconds) holds each answer (tests).
xv_sink_start() {
	local d=$1 port
	port=$(sed -n 's|^mailer.smtp_url = smtp://127.0.0.1:||p' "$d/xavyo.conf")
	xv_sink_stop "$d"
	# In a session of its own, holding none of its starter's files: what
	# started it (a test, whose runner waits for its pipes) may end first.
	setsid bash -c "$XV_CLOSE_FDS"'; . "$0"; xv_as_svc "$@"' "$XV_SRC/script/lib.sh" \
	    sh -c 'echo $$ > "$0" && exec "$@"' "$d/run/sink.pid" \
	    python3 "$XV_SRC/tests/tools/smtp-sink" --port "$port" \
	    --dir "$d/mail" --delay "${SINK_DELAY:-0}" \
	    </dev/null >/dev/null 2>>"$d/log/sink.log" &
	for _ in $(seq 1 50); do
		ss -Htln "( sport = :$port )" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	xv_say "the SMTP sink did not start; see $d/log/sink.log"
	return 1
}

xv_sink_stop() {
	xv_pid_stop "$1/run/sink.pid" smtp-sink
}

# xv_mailer_start DIR: the mail sender, as its own user; its pid in
# DIR/run/mailer.pid, its log in DIR/log/mailer.log.
xv_mailer_start() {
	local d=$1
	xv_mailer_stop "$d"
	setsid bash -c "$XV_CLOSE_FDS"'; . "$0"; xv_as_prog mailer "$@"' "$XV_SRC/script/lib.sh" \
	    sh -c 'echo $$ > "$0" && exec "$@"' \
	    "$d/run/mailer.pid" env XAVYO_CONF="$d/xavyo.conf" \
	    "${XV_MAILER:-$XV_BIN/xavyo-mailer}" \
	    </dev/null >/dev/null 2>>"$d/log/mailer.log" &
	for _ in $(seq 1 50); do [ -s "$d/run/mailer.pid" ] && return 0; sleep 0.1; done
}

xv_mailer_stop() {
	xv_pid_stop "$1/run/mailer.pid" xavyo-mailer
}

# The sink and the sender of stack DIR.
xv_mail_start() {
	mkdir -p "$1/mail"
	xv_root && chown "$XV_SVC:$XV_SVC" "$1/mail"
	xv_sink_start "$1" && xv_mailer_start "$1"
}

xv_mail_stop() {
	xv_mailer_stop "$1"
	xv_sink_stop "$1"
}

# xv_browser_deps: tests/browser's node modules (playwright-core, as
# package-lock.json pins it), installed by npm ci when missing or older
# than the lock; never a browser (the tests drive Debian's chromium).
# A lock file keeps two passes of script/test from installing at once.
xv_browser_deps() {
	local b=$XV_SRC/tests/browser
	(
		flock 9
		if [ ! -f "$b/node_modules/.package-lock.json" ] ||
		    [ "$b/package-lock.json" -nt "$b/node_modules/.package-lock.json" ]; then
			cd "$b" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci \
			    --no-audit --no-fund --ignore-scripts >&2
		fi
	) 9>"$b/.npm-lock"
}

# xv_stack_up DIR PGPORT HTTPPORT FAST PROCS SERVER [SMTPPORT]: the whole
# stack, its SMTP sink and mail sender included.

# xv_pgbouncer_start DIR: PgBouncer (XV_PGBOUNCER_PORT) in front of
# DIR's cluster (XV_PGPORT), as the service user, in transaction pooling
# mode: a server connection serves one transaction of one client, then
# the next transaction of any client of the same role.  Its socket is in
# DIR/run, beside PostgreSQL's; it listens on XV_PGBOUNCER_ADDR too if
# that is set.  Each program role's password is in its auth file (the
# service user's alone), from which it logs in to PostgreSQL with SCRAM
# in the client's stead.  While PostgreSQL is down, PgBouncer keeps a
# client waiting for a server connection: query_wait_timeout 3 ends the
# wait (and the client's connection) after 3 seconds, so that the
# program answers 503 rather than the web server 504 after a minute
# (the default waits 120).  server_login_retry 1: once PostgreSQL is
# back, the next connection succeeds within a second (the default
# waits 15).
xv_pgbouncer_start() {
	local d=$1 r v users=$1/secrets/pgbouncer.users
	(
		umask 077
		for r in owner $XV_PROGRAMS mailer; do
			v=PW_$r
			printf '"xavyo_%s" "%s"\n' "$r" "${!v}"
		done > "$users"
	)
	xv_root && chown "$XV_SVC" "$users"
	cat > "$d/pgbouncer.ini" <<-INI
	; written by script/lib.sh (xv_pgbouncer_start) for this stack
	[databases]
	xavyo = host=$d/run port=$XV_PGPORT dbname=xavyo
	[pgbouncer]
	listen_addr = ${XV_PGBOUNCER_ADDR:-}
	listen_port = $XV_PGBOUNCER_PORT
	unix_socket_dir = $d/run
	unix_socket_mode = 0770
	auth_type = scram-sha-256
	auth_file = $users
	pool_mode = transaction
	default_pool_size = ${XV_PGBOUNCER_POOL:-2}
	max_client_conn = 1000
	query_wait_timeout = 3
	server_login_retry = 1
	logfile = $d/log/pgbouncer.log
	pidfile = $d/run/pgbouncer.pid
	INI
	xv_pgbouncer_stop "$d"
	xv_as_svc pgbouncer -d -q "$d/pgbouncer.ini" </dev/null >/dev/null 2>&1 ||
	    { xv_say "pgbouncer did not start; see $d/log/pgbouncer.log"; return 1; }
	for _ in $(seq 1 50); do
		[ -S "$d/run/.s.PGSQL.$XV_PGBOUNCER_PORT" ] && return 0
		sleep 0.1
	done
	xv_say "no pgbouncer socket in $d/run"
	return 1
}

xv_pgbouncer_stop() {
	xv_pid_stop "$1/run/pgbouncer.pid" pgbouncer
}

# xv_pgbouncer_conf DIR [PGPORT]: xavyo.conf's lines for PgBouncer: the
# database through it (XV_PGBOUNCER_HOST, default DIR/run), and no
# statement prepared by name, which PgBouncer 1.18 cannot keep in
# transaction mode (xavyo.conf(5), db_prepare); with PGPORT, the mail
# sender's database past it.
xv_pgbouncer_conf() {
	echo "# through PgBouncer in transaction pooling mode (xv_pgbouncer_start)"
	echo "database = host=${XV_PGBOUNCER_HOST:-$1/run} port=$XV_PGBOUNCER_PORT dbname=xavyo"
	echo "db_prepare = 0"
	# LISTEN holds a session, which transaction pooling does not give:
	# the mail sender, one connection, goes to PostgreSQL itself
	# (xavyo-mailer(8), PgBouncer).
	[ -z "${2:-}" ] ||
	    echo "mailer.database = host=$1/run port=$2 dbname=xavyo"
}

# xv_stack_up DIR PGPORT HTTPPORT FAST PROCS SERVER: the whole stack.
xv_stack_up() {
	local d=$1 pgport=$2 http=$3 fast=${4:-0} procs=${5:-2} server=$6
	local smtp=${7:-}
	[ -n "$smtp" ] || smtp=$(xv_free_port)
	XV_PGPORT=$pgport
	xv_svc_user
	xv_stack_dirs "$d" || return 1
	xv_stack_secrets "$d"
	xv_pg_start "$d" "$pgport" "$fast"
	xv_stack_conf "$d" "$pgport" "$http" "$smtp"

	if [ -n "${XV_PGBOUNCER_PORT:-}" ]; then
		xv_pgbouncer_start "$d" || return 1
	fi
	xv_stack_conf "$d" "$pgport" "$http" "$smtp"
	xv_db_setup "$d"
	xv_server_start "$d" "$http" "$procs" "$server" &&
	    xv_mail_start "$d"
}

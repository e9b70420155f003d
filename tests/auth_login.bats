#!/usr/bin/env bats
# auth_login.bats: what a login checks, at the boundaries of each policy:
# the Argon2id rehash when the parameters were raised, the hash run with
# no transaction open, the four refusals that answer alike, the rate
# limit's sliding window, the lockout's duration and reset window, the
# password history and maximum age, and TOTP codes computed by oathtool.
# The rate limit's count is shared with a second server of its own.
load helpers
load auth_helpers

setup_file() {
	A=$(provision "$(uniq_slug la)" "Login A")
	export A
}

# owner_psql TENANT SQL: SQL as the migrating owner, scoped to TENANT
# (the owner too is under FORCE ROW LEVEL SECURITY).
owner_psql() {
	psql_as xavyo_owner -v ON_ERROR_STOP=1 \
	    -c "SELECT set_config('app.tenant_id', '$1', false)" -c "$2" >/dev/null
}

hash_of() { super_psql -c "SELECT password_hash FROM users WHERE id = '$1'"; }

@test "a hash of weaker Argon2id parameters is replaced at the next login by one of the current parameters" {
	local e id weak h
	e=$(addr)
	id=$(mkuser "$A" "$e")
	# made by Debian's argon2, not by the server: 4 MiB, one pass
	weak=$(printf '%s' "$PW" | argon2 "salt$RANDOM$RANDOM" -id -t 1 -m 12 -p 1 -e)
	[[ "$weak" == '$argon2id$v=19$m=4096,t=1,p=1$'* ]]
	owner_psql "$A" "UPDATE users SET password_hash = '$weak' WHERE id = '$id'"
	# a wrong password leaves it as it is
	login "$A" "$e" Wrong-Pass1
	problem_is 401 invalid_credentials
	[ "$(hash_of "$id")" = "$weak" ]
	login "$A" "$e" "$PW"
	status_is 200
	h=$(hash_of "$id")
	[ "$h" != "$weak" ]
	[[ "$h" == '$argon2id$v=19$m=19456,t=2,p=1$'* ]]
	# the new hash holds the same password, and is not redone again
	login "$A" "$e" "$PW"
	status_is 200
	[ "$(hash_of "$id")" = "$h" ]
	login "$A" "$e" Wrong-Pass1
	problem_is 401 invalid_credentials
}

@test "a disabled user's weak hash is not redone: the refusal costs what the others do" {
	local e id weak
	e=$(addr)
	id=$(mkuser "$A" "$e")
	weak=$(printf '%s' "$PW" | argon2 "salt$RANDOM$RANDOM" -id -t 1 -m 12 -p 1 -e)
	owner_psql "$A" "UPDATE users SET password_hash = '$weak', status = 'disabled' WHERE id = '$id'"
	login "$A" "$e" "$PW"
	problem_is 401 invalid_credentials
	[ "$(hash_of "$id")" = "$weak" ]
}

@test "a login holds no transaction while it hashes: its attempt is committed before, its last step starts after" {
	local e out waited gap
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	out=$(mktemp)
	# Hold the sessions table against inserts, which only a login's last
	# step makes, for 3 s.
	super_psql -c "BEGIN; LOCK TABLE sessions IN SHARE MODE; SELECT pg_sleep(3); COMMIT;" >/dev/null &
	for waited in $(seq 50); do
		[ "$(super_psql -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'sessions' AND l.mode = 'ShareLock' AND l.granted")" = 1 ] && break
		sleep 0.05
	done
	curl -sS -o /dev/null -w '%{http_code}' -X POST "$XV_URL/auth/login" \
	    -H "Content-Type: application/json" -H "X-Tenant-ID: $A" \
	    -d "{\"email\":\"$e\",\"password\":\"$PW\"}" >"$out" &
	for waited in $(seq 50); do
		[ "$(super_psql -c "SELECT count(*) FROM pg_stat_activity WHERE usename = 'xavyo_auth' AND wait_event_type = 'Lock'")" = 1 ] && break
		sleep 0.05
	done
	# While the login waits in its last step, the attempt it counted
	# first is visible to others: that transaction has committed.
	[ "$(super_psql -c "SELECT count(*) FROM login_attempts WHERE email = lower('$e')")" = 1 ]
	# and the waiting transaction began after the hash (>= 5 ms on any
	# machine for 19 MiB and two passes), not before it.
	gap=$(super_psql -c "SELECT round(extract(epoch FROM a.xact_start - (SELECT max(at) FROM login_attempts WHERE email = lower('$e'))) * 1000) FROM pg_stat_activity a WHERE a.usename = 'xavyo_auth' AND a.wait_event_type = 'Lock'")
	echo "the last step began $gap ms after the attempt was counted"
	[ "$gap" -ge 5 ]
	wait
	[ "$(cat "$out")" = 200 ]
	rm -f "$out"
}

@test "unknown email, wrong password, disabled user and locked account answer alike" {
	local e d l id ref
	e=$(addr); d=$(addr); l=$(addr)
	mkuser "$A" "$e" >/dev/null
	id=$(mkuser "$A" "$d")
	api DELETE "/admin/users/$id" -H "Authorization: Bearer $(admin_token "$A")" -H "X-Tenant-ID: $A"
	status_is 204
	id=$(mkuser "$A" "$l")
	owner_psql "$A" "UPDATE users SET locked_until = now() + interval '10 minutes' WHERE id = '$id'"
	login "$A" "nobody-$e" "$PW"
	problem_is 401 invalid_credentials
	ref=$(printf '%s' "$body" | jq -S -c .)
	login "$A" "$e" Wrong-Pass1
	[ "$(printf '%s' "$body" | jq -S -c .)" = "$ref" ]
	login "$A" "$d" "$PW"
	[ "$(printf '%s' "$body" | jq -S -c .)" = "$ref" ]
	login "$A" "$l" "$PW"
	[ "$(printf '%s' "$body" | jq -S -c .)" = "$ref" ]
	[ "$(header WWW-Authenticate)" = "" ]
}

@test "rate limit: refused attempts count too, and the window slides: Retry-After is when the oldest leaves it" {
	local e ra
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	for i in 1 2 3 4 5; do login "$A" "$e" "$PW"; status_is 200; done
	login "$A" "$e" "$PW"
	problem_is 429 rate_limited
	login "$A" "$e" "$PW"
	problem_is 429 rate_limited
	# seven attempts so far; the five newest fill the window.  Age all of
	# them by 50 s: the oldest of the five leaves it in about 10 s.
	super_psql -c "UPDATE login_attempts SET at = at - interval '50 seconds' WHERE email = lower('$e')"
	login "$A" "$e" "$PW"
	problem_is 429 rate_limited
	ra=$(header Retry-After)
	[ "$ra" -ge 8 ] && [ "$ra" -le 11 ] || { echo "Retry-After: $ra"; return 1; }
	# 61 s later, every attempt has left the window
	super_psql -c "UPDATE login_attempts SET at = at - interval '11 seconds' WHERE email = lower('$e')"
	login "$A" "$e" "$PW"
	status_is 200
	# the count is by email (any case) in the tenant
	login "$A" "${e^^}" Wrong-Pass1
	problem_is 401 invalid_credentials
}

# fcgi_login SOCKET TENANT EMAIL PASSWORD: a login sent straight to the
# FastCGI socket (Debian's cgi-fcgi), from the address the web server
# reports for the tests' curl; prints the answer's status.
fcgi_login() {
	local b="{\"email\":\"$3\",\"password\":\"$4\"}"
	printf '%s' "$b" | env -i REQUEST_METHOD=POST REQUEST_URI=/auth/login \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#b} HTTP_X_TENANT_ID="$2" \
	    REMOTE_ADDR=127.0.0.1 SERVER_PROTOCOL=HTTP/1.1 \
	    cgi-fcgi -bind -connect "$1" | tr -d '\r' | sed -n 's/^Status: \([0-9]*\).*/\1/p'
}

@test "rate limit: a second server, with processes and a connection of its own, shares the web server's count" {
	local e sock pid i
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	sock=$BATS_FILE_TMPDIR/second.sock
	env XAVYO_CONF="$XAVYO_CONF" "${XV_BIN:-$XV_SRC/cgi-bin}/auth.fcgi" -s "$sock" -c 2 \
	    </dev/null >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	# attempts 1, 3 and 5 through the web server, 2 and 4 through the other
	for i in 1 2 3 4 5; do
		if [ $((i % 2)) = 1 ]; then
			login "$A" "$e" Wrong-Pass1
			problem_is 401 invalid_credentials
		else
			[ "$(fcgi_login "$sock" "$A" "$e" Wrong-Pass1)" = 401 ]
		fi
	done
	[ "$(fcgi_login "$sock" "$A" "$e" "$PW")" = 429 ]
	login "$A" "$e" "$PW"
	problem_is 429 rate_limited
	kill "$pid"
	wait "$pid" || true
}

@test "lockout: it ends by itself after lockout_duration_minutes" {
	local e id
	e=$(addr)
	id=$(mkuser "$A" "$e")
	for i in 1 2 3 4 5; do login "$A" "$e" Wrong-Pass1; done
	[ "$(super_psql -c "SELECT locked_until > now() FROM users WHERE id = '$id'")" = t ]
	super_psql -c "UPDATE login_attempts SET at = at - interval '61 seconds' WHERE email = lower('$e')"
	login "$A" "$e" "$PW"
	problem_is 401 invalid_credentials
	# 15 minutes on (the default duration)
	super_psql -c "UPDATE users SET locked_until = locked_until - interval '15 minutes' WHERE id = '$id'"
	login "$A" "$e" "$PW"
	status_is 200
}

@test "lockout: failures older than reset_after_minutes no longer count" {
	local e id
	e=$(addr)
	id=$(mkuser "$A" "$e")
	for i in 1 2 3 4; do login "$A" "$e" Wrong-Pass1; done
	# the four are 61 minutes old (reset_after_minutes is 60): the next
	# failure is the first of a new count, and does not lock
	super_psql -c "UPDATE users SET first_failed_at = first_failed_at - interval '61 minutes' WHERE id = '$id'"
	super_psql -c "UPDATE login_attempts SET at = at - interval '61 seconds' WHERE email = lower('$e')"
	login "$A" "$e" Wrong-Pass1
	problem_is 401 invalid_credentials
	[ "$(super_psql -c "SELECT failed_attempts, locked_until IS NULL FROM users WHERE id = '$id'")" = "1|t" ]
	login "$A" "$e" "$PW"
	status_is 200
}

@test "password history: with password_history_count 3, the current and the 2 before are refused, the 3rd before is taken" {
	local T e tok
	T=$(provision "$(uniq_slug lh)" "Login history")
	settings "$T" '{"password_policy":{"password_history_count":3}}'
	e=$(addr)
	mkuser "$T" "$e" '[]' 'First-Pass1' >/dev/null
	login "$T" "$e" First-Pass1
	tok=$(printf '%s' "$body" | jq -r .access_token)
	chpw() {
		api POST /auth/password -H "Authorization: Bearer $tok" -H "Content-Type: application/json" \
		    -d "{\"current_password\":\"$1\",\"new_password\":\"$2\"}"
	}
	chpw First-Pass1 Second-Pass2; status_is 204
	chpw Second-Pass2 Third-Pass3; status_is 204
	chpw Third-Pass3 Third-Pass3; problem_is 422 password_reused new_password
	chpw Third-Pass3 Second-Pass2; problem_is 422 password_reused new_password
	chpw Third-Pass3 Fourth-Pass4; status_is 204
	# First-Pass1 is now the 3rd before the current one
	chpw Fourth-Pass4 Second-Pass2; problem_is 422 password_reused new_password
	chpw Fourth-Pass4 First-Pass1; status_is 204
}

@test "maximum age: a password of max_age_days - 1 days logs in, one of max_age_days + 1 is expired; 0 turns it off" {
	local T e id
	T=$(provision "$(uniq_slug lm)" "Login max age")
	settings "$T" '{"password_policy":{"max_age_days":10}}'
	e=$(addr)
	id=$(mkuser "$T" "$e")
	super_psql -c "UPDATE users SET password_changed_at = now() - interval '9 days' WHERE id = '$id'"
	login "$T" "$e" "$PW"
	status_is 200
	super_psql -c "UPDATE users SET password_changed_at = now() - interval '11 days' WHERE id = '$id'"
	login "$T" "$e" "$PW"
	problem_is 403 password_expired
	printf '%s' "$body" | jq -e 'has("access_token") | not' >/dev/null
	settings "$T" '{"password_policy":{"max_age_days":0}}'
	login "$T" "$e" "$PW"
	status_is 200
}

@test "password policy: each rule is named alone when it alone is broken" {
	local e tok rule pw
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	login "$A" "$e" "$PW"
	tok=$(printf '%s' "$body" | jq -r .access_token)
	for rule in min_length:Ab1-xyz require_uppercase:abcdef1-x require_lowercase:ABCDEF1-X \
	    require_numbers:Abcdefg-x require_special_chars:Abcdefg1x; do
		pw=${rule#*:}
		api POST /auth/password -H "Authorization: Bearer $tok" -H "Content-Type: application/json" \
		    -d "{\"current_password\":\"$PW\",\"new_password\":\"$pw\"}"
		status_is 422
		jq_is .error password_policy
		jq_is '.violations | join(",")' "${rule%%:*}"
	done
}

@test "TOTP: oathtool's code is taken once; a wrong one, a used one and an earlier step's are refused" {
	local e tok secret c m
	e=$(addr)
	mkuser "$A" "$e" >/dev/null
	login "$A" "$e" "$PW"
	tok=$(printf '%s' "$body" | jq -r .access_token)
	api POST /auth/mfa/setup -H "Authorization: Bearer $tok" -H "Content-Length: 0"
	status_is 200
	secret=$(printf '%s' "$body" | jq -r .secret)
	# the URI carries what oathtool needs: SHA-1, 6 digits, 30 s
	[[ "$(printf '%s' "$body" | jq -r .otpauth_uri)" == *"algorithm=SHA1"*"digits=6"*"period=30"* ]]
	# a step late is still within the drift; it enrolls
	api POST /auth/mfa/verify -H "Authorization: Bearer $tok" -H "Content-Type: application/json" \
	    -d "{\"code\":\"$(totp "$secret" -1)\"}"
	status_is 200
	jq_is .mfa_enabled true
	login "$A" "$e" "$PW"
	jq_is .mfa_required true
	m=$(printf '%s' "$body" | jq -r .mfa_token)
	c=$(totp "$secret")
	api POST /auth/mfa/verify -H "Content-Type: application/json" \
	    -d "{\"mfa_token\":\"$m\",\"code\":\"$(printf '%06d' $(( (10#$c + 1) % 1000000 )))\"}"
	problem_is 401 invalid_code code
	api POST /auth/mfa/verify -H "Content-Type: application/json" \
	    -d "{\"mfa_token\":\"$m\",\"code\":\"$c\"}"
	status_is 200
	[ "$(claims "$(printf '%s' "$body" | jq -r .access_token)" | jq -c .amr)" = '["pwd","otp"]' ]
	# the same code again, in a new login: used
	login "$A" "$e" "$PW"
	m=$(printf '%s' "$body" | jq -r .mfa_token)
	api POST /auth/mfa/verify -H "Content-Type: application/json" \
	    -d "{\"mfa_token\":\"$m\",\"code\":\"$c\"}"
	problem_is 401 invalid_code code
	# the step before the used one, though within the drift: refused
	api POST /auth/mfa/verify -H "Content-Type: application/json" \
	    -d "{\"mfa_token\":\"$m\",\"code\":\"$(totp "$secret" -1)\"}"
	problem_is 401 invalid_code code
	# the next step's code, within the drift and after the used one: taken
	api POST /auth/mfa/verify -H "Content-Type: application/json" \
	    -d "{\"mfa_token\":\"$m\",\"code\":\"$(totp "$secret" 1)\"}"
	status_is 200
}

@test "xavyoctl bootstrap without --password-file prints a generated password once, and it logs in" {
	local e out pw tok
	e="boot-$(date +%s%N | tail -c 7)@localhost"
	# no super admin for the moment, so that bootstrap makes one
	super_psql -c "UPDATE users SET roles = '{}' WHERE tenant_id = '$SYSTEM_TENANT_ID' AND email = 'admin@localhost'"
	out=$("$XV_CTL" bootstrap -e "$e")
	super_psql -c "UPDATE users SET roles = '{super_admin}' WHERE tenant_id = '$SYSTEM_TENANT_ID' AND email = 'admin@localhost'"
	pw=$(printf '%s\n' "$out" | sed -n 's/^super admin password (shown once): //p')
	[ "${#pw}" -ge 32 ] || { echo "$out"; return 1; }
	login "$SYSTEM_TENANT_ID" "$e" "$pw"
	status_is 200
	tok=$(printf '%s' "$body" | jq -r .access_token)
	[ "$(claims "$tok" | jq -r '.roles | join(",")')" = super_admin ]
	# the password is in no log, and a second bootstrap shows none
	! grep -rqF -- "$pw" "$XV_STACK/log"
	out=$("$XV_CTL" bootstrap -e "other-$e")
	[[ "$out" != *"shown once"* ]]
	super_psql -c "UPDATE users SET roles = '{}', status = 'disabled' WHERE tenant_id = '$SYSTEM_TENANT_ID' AND email = '$e'"
}

# auth_helpers.bash: what the auth.fcgi suites share: users, logins,
# tenant settings, JWT claims, psql as PostgreSQL's superuser, TOTP codes
# from oathtool.

PW='Secret-Pass1'

# mkuser TENANT EMAIL [ROLES-JSON] [PASSWORD]: creates a user, prints its id.
mkuser() {
	local t=$1 tok
	tok=$(admin_token "$t")
	curl -sS -X POST "$XV_URL/admin/users" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $tok" -H "X-Tenant-ID: $t" \
	    -d "{\"email\":\"$2\",\"roles\":${3:-[]},\"password\":\"${4:-$PW}\"}" |
	    jq -r .id
}

# login TENANT EMAIL PASSWORD: sets status_code, body, headers.
login() {
	api POST /auth/login -H "Content-Type: application/json" \
	    -H "X-Tenant-ID: $1" -d "{\"email\":\"$2\",\"password\":\"$3\"}"
}

# settings TENANT JSON: a partial settings PUT by a super admin.
settings() {
	api PUT "/admin/tenants/$1/settings" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(token)" -H "X-Tenant-ID: $1" -d "$2"
	status_is 200
}

# A fresh address for each test: the rate limit counts by email.
addr() { echo "u$(date +%s%N | tail -c 7)$RANDOM@example.com"; }

# b64url TEXT: base64url decoded, padding restored (base64 -d fails without).
b64url() {
	local s
	s=$(printf '%s' "$1" | tr '_-' '/+')
	while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done
	printf '%s' "$s" | base64 -d
}
claims() { b64url "$(printf '%s' "$1" | cut -d. -f2)"; }
jwt_header() { b64url "$(printf '%s' "$1" | cut -d. -f1)"; }

super_psql() {
	local pw
	pw=$(grep '^PG_SUPER_PW=' "$XV_STACK/secrets/secrets.env" | cut -d= -f2)
	PGPASSWORD=$pw psql -X -At -q -h "$XV_STACK/run" -p "$XV_PGPORT" \
	    -U postgres -d xavyo "$@"
}

# totp SECRET-BASE32 [OFFSET-STEPS]: the RFC 6238 code now (or that many
# 30 s steps on), computed by Debian's oathtool, independently of the
# server's own code.
totp() {
	oathtool --totp -b -N "now + $(( ${2:-0} * 30 )) seconds" "$1"
}

# The step after the one whose code (now + 1 step) was used is the next
# step's successor: wait until "now + 1" names a fresh step.
sleep_to_next_step() { sleep $(( 30 - $(date +%s) % 30 + 1 )); }

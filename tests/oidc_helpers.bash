# oidc_helpers.bash: what the OpenID Connect suites share, loaded after
# helpers.bash and oauth_helpers.bash: PKCE pairs, a user and a public
# client of a tenant, and driving the sign-in page with curl (a cookie
# jar per "browser", the forms' hidden fields posted back).

PW='Secret-Pass1'
RP=http://127.0.0.1:9/cb

# pkce: a fresh VERIFIER and its S256 CHALLENGE.
pkce() {
	VERIFIER=$(head -c 48 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
	CHALLENGE=$(printf '%s' "$VERIFIER" | openssl dgst -sha256 -binary |
	    base64 -w0 | tr '+/' '-_' | tr -d '=')
}

# mkuser TENANT EMAIL [PASSWORD]: creates a user (display name "Ada
# Lovelace") with the tenant admin's token; prints its id.
mkuser() {
	curl -sS -X POST "$XV_URL/admin/users" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(admin_token "$1")" -H "X-Tenant-ID: $1" \
	    -d "{\"email\":\"$2\",\"display_name\":\"Ada Lovelace\",\"password\":\"${3:-$PW}\"}" |
	    jq -r .id
}

# public_client TENANT: a public client (authorization_code and
# refresh_token, PKCE) redirecting to $RP; sets CLIENT_ID.
public_client() {
	new_client "$1" "$(admin_token "$1")" "{\"name\":\"SPA\",\"client_type\":\"public\",\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"redirect_uris\":[\"$RP\"],\"post_logout_redirect_uris\":[\"http://127.0.0.1:9/bye\"],\"scopes\":[\"read\"]}"
}

# A fresh address for each test: the rate limit counts by email.
addr() { echo "u$(date +%s%N | tail -c 7)$RANDOM@example.com"; }

# browse JAR METHOD PATH [curl args]: api with a cookie jar.
browse() {
	local jar=$1 m=$2 p=$3
	shift 3
	api "$m" "$p" -b "$jar" -c "$jar" "$@"
}

# authz_q CLIENT_ID [extra query]: an authorization request's query.
authz_q() {
	echo "response_type=code&client_id=$1&redirect_uri=$(printf %s "$RP" | jq -sRr @uri)&scope=openid%20email%20profile&state=st-123&nonce=n-456&code_challenge=$CHALLENGE&code_challenge_method=S256${2:+&$2}"
}

# form_args: the hidden fields of the page in $body as curl arguments
# (FORM_ARGS), each --data-urlencode name=value.
form_args() {
	FORM_ARGS=()
	while IFS= read -r -d '' kv; do
		FORM_ARGS+=(--data-urlencode "$kv")
	done < <(printf '%s' "$body" | /usr/bin/python3 -c '
import sys, html.parser
class P(html.parser.HTMLParser):
    def handle_starttag(self, t, a):
        a = dict(a)
        if t == "input" and a.get("type") == "hidden":
            sys.stdout.write(a["name"] + "=" + a.get("value", "") + "\0")
P().feed(sys.stdin.read())')
}

# signin JAR EMAIL PASSWORD QUERY: opens the page, posts the password;
# the answer in status_code, headers, body.
signin() {
	browse "$1" GET "/oauth/authorize?$4"
	status_is 200 || return 1
	form_args
	browse "$1" POST /oauth/authorize "${FORM_ARGS[@]}" \
	    --data-urlencode "email=$2" --data-urlencode "password=$3"
}

# code_of: the code in the Location of the last answer (302 to $RP).
code_of() {
	local loc
	loc=$(header Location)
	case "$loc" in "$RP?"*) ;; *) echo "no redirect to $RP: $status_code $loc"; return 1 ;; esac
	printf '%s' "$loc" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p'
}
# qparam NAME: a query parameter of the last Location, decoded.
qparam() {
	header Location | sed -n "s/.*[?&]$1=\([^&]*\).*/\1/p" |
	    /usr/bin/python3 -c 'import sys,urllib.parse; print(urllib.parse.unquote(sys.stdin.read().strip()))'
}

# exchange CLIENT_ID CODE [VERIFIER] [REDIRECT] [curl args]: the code grant.
exchange() {
	local cid=$1 code=$2 v=${3-$VERIFIER} r=${4-$RP}
	shift 4 2>/dev/null || shift $#
	api POST /oauth/token -d grant_type=authorization_code \
	    --data-urlencode "client_id=$cid" --data-urlencode "code=$code" \
	    --data-urlencode "code_verifier=$v" --data-urlencode "redirect_uri=$r" "$@"
}

# owner_sql TENANT SQL: SQL as the owner role inside the tenant's scope
# (FORCE ROW LEVEL SECURITY holds for the owner too).
owner_sql() {
	psql_as xavyo_owner -c "SELECT set_config('app.tenant_id', '$1', false)" -c "$2" >/dev/null
}

# totp SECRET-BASE32: the code now, by Debian's oathtool.
totp() { oathtool --totp -b "$1"; }

b64url() {
	local s
	s=$(printf '%s' "$1" | tr '_-' '/+')
	while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done
	printf '%s' "$s" | base64 -d
}
claims() { b64url "$(printf '%s' "$1" | cut -d. -f2)"; }

# invitations_helpers.bash: what the invitation suites share (loaded
# after helpers.bash): inviting, reading the mail the stack's SMTP sink
# wrote into $XV_STACK/mail/, the link in it, SQL as a superuser, and
# the stack's mail sender and sink (script/lib.sh).

# shellcheck disable=SC1091
. "$XV_SRC/script/lib.sh"
MAILDIR=$XV_STACK/mail

# A fresh address at example.com.
addr() { echo "inv-$(date +%s%N | tail -c 9)-$RANDOM@${1:-example.com}"; }

# invite TENANT EMAIL [ROLES-JSON]: POST /admin/invitations as the
# tenant's admin; sets $status_code, $body, $headers.
invite() {
	api POST /admin/invitations -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(admin_token "$1")" -H "X-Tenant-ID: $1" \
	    -d "{\"email\":\"$2\",\"roles\":${3:-[\"user\"]}}"
}

# mail_files EMAIL: the .eml files sent to EMAIL, oldest first.
mail_files() {
	local f
	for f in $(ls "$MAILDIR" 2>/dev/null | grep '\.eml$' | sort); do
		grep -qi "^To: $1" "$MAILDIR/$f" && echo "$MAILDIR/$f"
	done
	return 0
}

# mail_wait EMAIL [N] [SECONDS]: waits until N (1) messages to EMAIL
# arrived; prints the newest's path.
mail_wait() {
	local i n=${2:-1} t=${3:-15}
	for i in $(seq 1 $((t * 10))); do
		if [ "$(mail_files "$1" | wc -l)" -ge "$n" ]; then
			mail_files "$1" | tail -1
			return 0
		fi
		sleep 0.1
	done
	echo "no mail to $1 after ${t}s" >&2
	return 1
}

# mail_link FILE: the invitation link in the message (quoted-printable
# decoded).
mail_link() {
	python3 - "$1" <<'PY'
import email, re, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print(re.search(r"https?://\S+/invite/[A-Za-z0-9_-]{43}", m.get_body().get_content()).group(0))
PY
}

# mail_header FILE NAME: a header of the message.
mail_header() { grep -i "^$2:" "$1" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

super_psql() {
	local pw
	pw=$(grep '^PG_SUPER_PW=' "$XV_STACK/secrets/secrets.env" | cut -d= -f2)
	PGPASSWORD=$pw psql -X -At -q -h "$XV_STACK/run" -p "$XV_PGPORT" \
	    -U postgres -d xavyo "$@"
}

# owner_sql TENANT SQL: SQL as the owner, in the tenant's scope (RLS).
owner_sql() {
	psql_as xavyo_owner -v ON_ERROR_STOP=1 -c "SELECT set_config('app.tenant_id', '$1', false)" -c "$2" | tail -n +2
}

# login TENANT EMAIL PASSWORD: POST /auth/login.
login() {
	api POST /auth/login -H "Content-Type: application/json" \
	    -H "X-Tenant-ID: $1" -d "{\"email\":\"$2\",\"password\":\"$3\"}"
}

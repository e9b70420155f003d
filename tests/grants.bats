#!/usr/bin/env bats
# grants.bats: each program's database role has exactly the privileges
# that xavyo-idp(7)'s privilege table gives it, table by table and
# column by column, and no more: a grant added by a migration fails
# this test until it is written here too, on purpose.  What follows
# from the list: only xavyo_auth reads password hashes, TOTP secrets,
# sessions and refresh tokens; only xavyo_oauth and xavyo_auth read the
# sealed signing keys; no program role owns anything (rls.bats).
load helpers

spsql() {
	(
		# shellcheck disable=SC1091
		. "$XV_STACK/secrets/secrets.env"
		PGPASSWORD=$PG_SUPER_PW psql -X -At -q -v ON_ERROR_STOP=1 \
		    -h "$XV_STACK/run" -p "$XV_PGPORT" -U postgres -d xavyo -c "$1"
	)
}

# Table privileges "ROLE TABLE PRIVS", and column privileges where the
# role lacks the table's: "ROLE TABLE(COLUMNS) PRIV".
GRANTS_SQL="
SELECT grantee || ' ' || table_name || ' ' ||
       string_agg(privilege_type, ',' ORDER BY privilege_type)
  FROM information_schema.role_table_grants
 WHERE grantee ~ '^xavyo_' AND grantee <> 'xavyo_owner'
 GROUP BY grantee, table_name
UNION ALL
SELECT grantee || ' ' || table_name || '(' ||
       string_agg(column_name, ',' ORDER BY column_name) || ') ' || privilege_type
  FROM information_schema.column_privileges c
 WHERE grantee ~ '^xavyo_' AND grantee <> 'xavyo_owner' AND NOT EXISTS (
       SELECT 1 FROM information_schema.role_table_grants g
        WHERE g.grantee = c.grantee AND g.table_name = c.table_name
          AND g.privilege_type = c.privilege_type)
 GROUP BY grantee, table_name, privilege_type
 ORDER BY 1"

EXPECTED=$(cat <<'LIST'
xavyo_apikeys api_key_usage SELECT
xavyo_apikeys api_keys INSERT,SELECT
xavyo_apikeys api_keys(revoked_at) UPDATE
xavyo_apikeys audit_events INSERT,SELECT
xavyo_apikeys signing_keys(alg,created_at,kid,public_pem,retired_at,signs_from) SELECT
xavyo_apikeys tenants SELECT
xavyo_auth audit_events INSERT,SELECT
xavyo_auth login_attempts DELETE,INSERT,SELECT
xavyo_auth mfa_challenges INSERT,SELECT,UPDATE
xavyo_auth password_history DELETE,INSERT,SELECT
xavyo_auth refresh_tokens INSERT,SELECT,UPDATE
xavyo_auth sessions INSERT,SELECT,UPDATE
xavyo_auth signing_keys SELECT
xavyo_auth tenant_settings SELECT
xavyo_auth tenants SELECT
xavyo_auth users INSERT,SELECT,UPDATE
xavyo_invitations audit_events INSERT,SELECT
xavyo_invitations password_history(password_hash,tenant_id,user_id) INSERT
xavyo_invitations signing_keys(alg,created_at,kid,public_pem,retired_at,signs_from) SELECT
xavyo_invitations tenant_settings SELECT
xavyo_invitations tenants SELECT
xavyo_invitations users(created_at,display_name,email,id,last_login_at,mfa_enabled,roles,status,tenant_id,updated_at) SELECT
xavyo_invitations users(display_name,email,password_hash,roles,tenant_id) INSERT
xavyo_lookup api_key_usage INSERT,SELECT,UPDATE
xavyo_lookup api_keys(expires_at,id,key_hash,revoked_at,scopes,tenant_id) SELECT
xavyo_lookup oauth_clients SELECT
xavyo_lookup oauth_revocations SELECT
xavyo_lookup sessions(ended_at,id,last_used_at,tenant_id) SELECT
xavyo_lookup tenant_settings(settings,tenant_id) SELECT
xavyo_lookup tenants SELECT
xavyo_oauth audit_events INSERT,SELECT
xavyo_oauth oauth_clients INSERT,SELECT,UPDATE
xavyo_oauth oauth_revocations DELETE,INSERT,SELECT
xavyo_oauth signing_keys INSERT,SELECT,UPDATE
xavyo_oauth tenants SELECT
xavyo_tenants audit_events INSERT,SELECT
xavyo_tenants signing_keys(alg,created_at,kid,public_pem,retired_at,signs_from) SELECT
xavyo_tenants tenant_settings INSERT,SELECT,UPDATE
xavyo_tenants tenants INSERT,SELECT,UPDATE
xavyo_tenants webauthn_policies INSERT,SELECT,UPDATE
LIST
)

@test "each program's role has exactly the grants of the privilege table" {
	run spsql "$GRANTS_SQL"
	[ "$status" -eq 0 ]
	diff <(echo "$EXPECTED") <(echo "$output")
}

@test "no role but xavyo_auth can read password hashes or TOTP secrets, as the database itself says" {
	for r in xavyo_tenants xavyo_oauth xavyo_apikeys xavyo_invitations xavyo_lookup; do
		for c in password_hash mfa_secret_sealed; do
			run spsql "SELECT has_column_privilege('$r', 'users', '$c', 'SELECT')"
			[ "$output" = f ] || { echo "$r reads users.$c"; false; }
		done
	done
	run spsql "SELECT has_column_privilege('xavyo_auth', 'users', 'password_hash', 'SELECT')"
	[ "$output" = t ]
}

@test "no program role but oauth's and auth's can read the sealed signing keys" {
	for r in xavyo_tenants xavyo_apikeys xavyo_invitations; do
		run spsql "SELECT has_column_privilege('$r', 'signing_keys', 'private_sealed', 'SELECT')"
		[ "$output" = f ] || { echo "$r reads private keys"; false; }
	done
}

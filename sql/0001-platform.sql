-- 0001-platform.sql: tenants, their settings and WebAuthn policy, users
-- and roles, signing keys and the audit log.
--
-- Every tenant-owned table has FORCE ROW LEVEL SECURITY with a policy on
-- the transaction-local setting app.tenant_id, which each request sets
-- first (xv_enter).  The tenants table also admits the system context
-- (app.system = 'on'), which only super-admin routes set, and only for
-- the roles that have such routes (tenants.fcgi's and the owner's): any
-- role can set a custom setting, so the policy names who may use it.
-- Policies read
-- the setting through NULLIF(..., '') so that an unset or reset setting
-- denies quietly instead of raising.

CREATE FUNCTION xv_tenant() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE FUNCTION xv_system() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT coalesce(current_setting('app.system', true), '') = 'on'
      AND current_user IN ('xavyo_tenants', 'xavyo_owner') $$;

CREATE TABLE tenants (
	id			uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name			text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	slug			text NOT NULL UNIQUE
				CHECK (slug ~ '^[a-z0-9](-?[a-z0-9])*$'
				    AND length(slug) BETWEEN 3 AND 63),
	plan			text NOT NULL CHECK (plan IN
				    ('free','starter','professional','enterprise')),
	status			text NOT NULL DEFAULT 'active'
				CHECK (status IN ('active','suspended')),
	suspended_at		timestamptz,
	suspend_reason		text,
	tokens_valid_after	timestamptz,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_scope ON tenants
	USING (id = xv_tenant() OR xv_system())
	WITH CHECK (id = xv_tenant() OR xv_system());

-- Enters a request's scope: sets the transaction-local tenant (and the
-- system context when asked) and returns the tenant's state, read under
-- that very scope.  No row: the tenant does not exist.
CREATE FUNCTION xv_enter(p_tenant text, p_sys boolean)
RETURNS TABLE (status text, tokens_valid_after bigint)
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('app.tenant_id', coalesce(p_tenant, ''), true),
	    set_config('app.system', CASE WHEN p_sys THEN 'on' ELSE '' END, true);
	RETURN QUERY SELECT t.status,
	    coalesce(extract(epoch FROM t.tokens_valid_after), 0)::bigint
	    FROM tenants t WHERE t.id = p_tenant::uuid;
END $$;

CREATE TABLE tenant_settings (
	tenant_id	uuid PRIMARY KEY REFERENCES tenants(id),
	settings	jsonb NOT NULL,
	updated_at	timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenant_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_settings_scope ON tenant_settings
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());

CREATE TABLE webauthn_policies (
	tenant_id	uuid PRIMARY KEY REFERENCES tenants(id),
	policy		jsonb NOT NULL,
	updated_at	timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE webauthn_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE webauthn_policies FORCE ROW LEVEL SECURITY;
CREATE POLICY webauthn_policies_scope ON webauthn_policies
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());

CREATE TABLE users (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	email		text NOT NULL,
	display_name	text,
	password_hash	text,
	roles		text[] NOT NULL DEFAULT '{}',
	is_active	boolean NOT NULL DEFAULT true,
	created_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (NOT ('super_admin' = ANY (roles))
	    OR tenant_id = '00000000-0000-0000-0000-000000000001')
);
CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, lower(email));
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_scope ON users
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());

-- Signing keys are the platform's, not a tenant's.  The private part is
-- sealed (AES-256-GCM) with the master key that only configuration
-- holds; only programs that sign may read it (column grants below).
CREATE TABLE signing_keys (
	kid		text PRIMARY KEY,
	alg		text NOT NULL DEFAULT 'ES256' CHECK (alg = 'ES256'),
	public_pem	text NOT NULL,
	private_sealed	text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	retired_at	timestamptz
);

CREATE TABLE audit_events (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	actor		text NOT NULL,
	actor_tenant	uuid,
	action		text NOT NULL,
	resource_type	text NOT NULL,
	resource_id	text,
	old_value	jsonb,
	new_value	jsonb,
	request_id	text,
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX audit_events_tenant_time ON audit_events (tenant_id, created_at DESC);
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_events_scope ON audit_events
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());

-- The system tenant, reserved for platform operations.
SELECT set_config('app.system', 'on', true);
SELECT set_config('app.tenant_id', '00000000-0000-0000-0000-000000000001', true);
INSERT INTO tenants (id, name, slug, plan)
	VALUES ('00000000-0000-0000-0000-000000000001', 'System', 'system', 'enterprise');

-- Grants.  Every program enters a tenant's scope and writes audit events;
-- tenants.fcgi alone manages tenants and their settings.  Only signing
-- programs may read private key material.
GRANT SELECT ON tenants TO xavyo_tenants, xavyo_oauth, xavyo_apikeys,
    xavyo_auth, xavyo_invitations;
GRANT INSERT, UPDATE ON tenants TO xavyo_tenants;
GRANT SELECT, INSERT, UPDATE ON tenant_settings, webauthn_policies TO xavyo_tenants;
GRANT SELECT ON tenant_settings TO xavyo_auth, xavyo_invitations;
GRANT SELECT, INSERT ON audit_events TO xavyo_tenants, xavyo_oauth,
    xavyo_apikeys, xavyo_auth, xavyo_invitations;
GRANT SELECT (kid, alg, public_pem, created_at, retired_at) ON signing_keys
    TO xavyo_tenants, xavyo_apikeys, xavyo_invitations;
GRANT SELECT ON signing_keys TO xavyo_oauth, xavyo_auth;
GRANT INSERT, UPDATE ON signing_keys TO xavyo_oauth;
GRANT SELECT, INSERT, UPDATE ON users TO xavyo_auth, xavyo_invitations;

-- Writes an audit event under the scope of the tenant it concerns (a
-- super admin acting from the system context audits into the tenant it
-- changed), then restores the caller's scope.  Same transaction as the
-- change it records.
CREATE FUNCTION xv_audit_write(p_tenant uuid, p_actor text, p_actor_tenant uuid,
    p_action text, p_rtype text, p_rid text, p_old jsonb, p_new jsonb,
    p_request_id text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	prev text := current_setting('app.tenant_id', true);
BEGIN
	PERFORM set_config('app.tenant_id', p_tenant::text, true);
	INSERT INTO audit_events (tenant_id, actor, actor_tenant, action,
	    resource_type, resource_id, old_value, new_value, request_id)
	VALUES (p_tenant, p_actor, p_actor_tenant, p_action, p_rtype, p_rid,
	    p_old, p_new, p_request_id);
	PERFORM set_config('app.tenant_id', coalesce(prev, ''), true);
END $$;

-- RFC 3339 UTC text of a timestamp, as every answer shows times.  STABLE
-- as to_char is: declared IMMUTABLE it could never be inlined, and every
-- row of every answer would pay a parse and plan of its body.
CREATE FUNCTION xv_ts(t timestamptz) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

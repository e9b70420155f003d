-- 0002-oauth.sql: OAuth 2.0 clients and token revocations (oauth.fcgi).
--
-- Client ids are unique across tenants, so the token, introspection and
-- revocation endpoints can find a client's tenant from its id alone:
-- xv_client_lookup, owned by the NOLOGIN role xavyo_lookup, does just
-- that under a SELECT policy of its own.  Secrets are stored only as
-- HMAC-SHA-256 digests (they are 256-bit random, so a fast keyed hash is
-- as safe as a slow one and keeps the token endpoint fast).

CREATE TABLE oauth_clients (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	client_id	text NOT NULL UNIQUE,
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	client_type	text NOT NULL CHECK (client_type IN ('confidential','public')),
	redirect_uris	text[] NOT NULL DEFAULT '{}',
	grant_types	text[] NOT NULL,
	scopes		text[] NOT NULL DEFAULT '{}',
	secret_hash	text,
	is_active	boolean NOT NULL DEFAULT true,
	-- Set on deactivation: tokens issued before it stay dead even if
	-- the client is reactivated.
	tokens_valid_after timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CHECK ((client_type = 'confidential') = (secret_hash IS NOT NULL)),
	CHECK (client_type = 'confidential'
	    OR NOT ('client_credentials' = ANY (grant_types)))
);
CREATE INDEX oauth_clients_tenant ON oauth_clients (tenant_id, created_at);
ALTER TABLE oauth_clients ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_clients FORCE ROW LEVEL SECURITY;
CREATE POLICY oauth_clients_scope ON oauth_clients
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());
-- A policy for a role applies to its members too, and xavyo_owner is one:
-- the check on current_user keeps this one, and tenants_lookup below, to
-- the lookup function.
CREATE POLICY oauth_clients_lookup ON oauth_clients FOR SELECT
	TO xavyo_lookup USING (current_user = 'xavyo_lookup');
GRANT SELECT ON oauth_clients TO xavyo_lookup;

-- What client authentication needs, before the tenant is known: the
-- client and the state of its tenant (so that the token endpoint, which
-- writes nothing, answers in one round trip).  plpgsql, so that each
-- session plans it once.
CREATE POLICY tenants_lookup ON tenants FOR SELECT TO xavyo_lookup
	USING (current_user = 'xavyo_lookup');
GRANT SELECT ON tenants TO xavyo_lookup;
CREATE FUNCTION xv_client_lookup(p_client_id text)
RETURNS TABLE (id uuid, tenant_id uuid, client_type text, grant_types text,
    scopes text, secret_hash text, is_active boolean, tenant_status text,
    tokens_valid_after bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN QUERY SELECT c.id, c.tenant_id, c.client_type,
	    array_to_json(c.grant_types)::text, array_to_json(c.scopes)::text,
	    c.secret_hash, c.is_active, t.status,
	    coalesce(extract(epoch FROM t.tokens_valid_after), 0)::bigint
	  FROM oauth_clients c JOIN tenants t ON t.id = c.tenant_id
	 WHERE c.client_id = p_client_id;
END $$;
ALTER FUNCTION xv_client_lookup(text) OWNER TO xavyo_lookup;
REVOKE ALL ON FUNCTION xv_client_lookup(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xv_client_lookup(text) TO xavyo_oauth;

-- Revoked access tokens, by jti, kept until the token would have expired
-- anyway; oauth.fcgi purges expired rows as it revokes (no cron needed:
-- an expired token is refused by its exp claim whether or not its row is
-- still here).
CREATE TABLE oauth_revocations (
	jti		text PRIMARY KEY,
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	expires_at	timestamptz NOT NULL,
	revoked_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oauth_revocations_expiry ON oauth_revocations (tenant_id, expires_at);
ALTER TABLE oauth_revocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_revocations FORCE ROW LEVEL SECURITY;
CREATE POLICY oauth_revocations_scope ON oauth_revocations
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());

-- What introspection and revocation need, in one call: the calling
-- client (as xv_client_lookup answers) and the state of the presented
-- token, read only when the token names the caller's own tenant: that
-- tenant's state, the time before which its tokens are void (the later of
-- its last suspension and the token client's last deactivation), whether
-- the token's client is active and whether the token was revoked.  It
-- runs as xavyo_lookup, so it answers for no other tenant.
CREATE POLICY oauth_revocations_lookup ON oauth_revocations FOR SELECT
	TO xavyo_lookup USING (current_user = 'xavyo_lookup');
GRANT SELECT ON oauth_revocations TO xavyo_lookup;
CREATE FUNCTION xv_client_token(p_client_id text, p_tenant uuid,
    p_token_client text, p_jti text)
RETURNS TABLE (id uuid, tenant_id uuid, client_type text, grant_types text,
    scopes text, secret_hash text, is_active boolean, tenant_status text,
    tokens_valid_after bigint, token_tenant_status text,
    token_valid_after bigint, token_client_active boolean, revoked boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN QUERY SELECT c.id, c.tenant_id, c.client_type,
	    array_to_json(c.grant_types)::text, array_to_json(c.scopes)::text,
	    c.secret_hash, c.is_active, t.status,
	    coalesce(extract(epoch FROM t.tokens_valid_after), 0)::bigint,
	    CASE WHEN c.tenant_id = p_tenant THEN t.status END,
	    greatest(coalesce(extract(epoch FROM t.tokens_valid_after), 0),
	        coalesce(extract(epoch FROM tc.tokens_valid_after), 0))::bigint,
	    tc.is_active,
	    EXISTS (SELECT 1 FROM oauth_revocations r
	      WHERE r.jti = p_jti AND r.tenant_id = p_tenant
	        AND r.tenant_id = c.tenant_id)
	  FROM oauth_clients c JOIN tenants t ON t.id = c.tenant_id
	  LEFT JOIN oauth_clients tc ON tc.client_id = p_token_client
	    AND tc.tenant_id = p_tenant AND tc.tenant_id = c.tenant_id
	 WHERE c.client_id = p_client_id;
END $$;
ALTER FUNCTION xv_client_token(text, uuid, text, text) OWNER TO xavyo_lookup;
REVOKE ALL ON FUNCTION xv_client_token(text, uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xv_client_token(text, uuid, text, text) TO xavyo_oauth;

GRANT SELECT, INSERT, UPDATE ON oauth_clients TO xavyo_oauth;
GRANT SELECT, INSERT, DELETE ON oauth_revocations TO xavyo_oauth;

-- 0007-oidc.sql: browser sign-in, the authorization code grant and
-- OpenID Connect (API.md section 8).
--
-- auth.fcgi signs users in through the browser (it alone reads password
-- hashes and TOTP secrets) and issues authorization codes; oauth.fcgi
-- exchanges them at /oauth/token and rotates the refresh tokens that
-- come from them.  So oauth.fcgi gets what the exchange needs and no
-- more: the codes, the sessions and refresh tokens, and the users'
-- columns that go into tokens, never their secrets.
--
-- A browser session is a row of sessions (the same sid as /auth/login's)
-- with the digest of its cookie.  A code is kept as its digest, lives
-- at most 60 s, and is used once; the refresh tokens it produced name
-- it, so that its reuse can revoke them (and it ends the session).
-- Refresh tokens of the code flow name the client they are bound to.
-- The 0006 number is left to the invitations migration of issue 11.

ALTER TABLE oauth_clients
	ADD COLUMN post_logout_redirect_uris text[] NOT NULL DEFAULT '{}';

ALTER TABLE sessions
	ADD COLUMN cookie_hash text UNIQUE CHECK (cookie_hash ~ '^[0-9a-f]{64}$');

ALTER TABLE refresh_tokens
	ADD COLUMN client_id	text,		-- the OAuth client's client_id, or NULL (/auth/login)
	ADD COLUMN scope	text,
	ADD COLUMN code_hash	text;

CREATE TABLE auth_codes (
	code_hash	text PRIMARY KEY CHECK (code_hash ~ '^[0-9a-f]{64}$'),
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	client_id	text NOT NULL,
	session_id	uuid NOT NULL REFERENCES sessions(id),
	redirect_uri	text NOT NULL,
	scope		text NOT NULL,
	nonce		text,
	code_challenge	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL DEFAULT now() + interval '60 seconds',
	used_at		timestamptz,
	CHECK (expires_at <= created_at + interval '60 seconds')
);
CREATE INDEX auth_codes_expiry ON auth_codes (tenant_id, expires_at);
ALTER TABLE auth_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth_codes FORCE ROW LEVEL SECURITY;
CREATE POLICY auth_codes_scope ON auth_codes
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());

-- What /oauth/authorize and /oauth/logout need of a client before its
-- tenant is known: the client, its URIs and the state of its tenant.
CREATE FUNCTION xv_client_authorize(p_client_id text)
RETURNS TABLE (id uuid, tenant_id uuid, client_type text, grant_types text,
    scopes text, redirect_uris text, post_logout_redirect_uris text,
    is_active boolean, tenant_status text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN QUERY SELECT c.id, c.tenant_id, c.client_type,
	    array_to_json(c.grant_types)::text, array_to_json(c.scopes)::text,
	    array_to_json(c.redirect_uris)::text,
	    array_to_json(c.post_logout_redirect_uris)::text,
	    c.is_active, t.status
	  FROM oauth_clients c JOIN tenants t ON t.id = c.tenant_id
	 WHERE c.client_id = p_client_id;
END $$;
ALTER FUNCTION xv_client_authorize(text) OWNER TO xavyo_lookup;
REVOKE ALL ON FUNCTION xv_client_authorize(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xv_client_authorize(text) TO xavyo_auth, xavyo_oauth;

-- The scopes every tenant's clients have (discovery's scopes_supported).
CREATE FUNCTION xv_client_scopes() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT DISTINCT unnest(scopes) FROM oauth_clients WHERE is_active
	ORDER BY 1 LIMIT 200
$$;
ALTER FUNCTION xv_client_scopes() OWNER TO xavyo_lookup;
REVOKE ALL ON FUNCTION xv_client_scopes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xv_client_scopes() TO xavyo_oauth;

GRANT SELECT, INSERT ON auth_codes TO xavyo_auth;
GRANT SELECT, UPDATE, DELETE ON auth_codes TO xavyo_oauth;
GRANT SELECT, UPDATE ON sessions TO xavyo_oauth;
GRANT SELECT, INSERT, UPDATE, DELETE ON refresh_tokens TO xavyo_oauth;
GRANT SELECT (id, tenant_id, email, display_name, status)
    ON users TO xavyo_oauth;
GRANT SELECT ON tenant_settings TO xavyo_oauth;
-- userinfo (auth.fcgi) refuses a revoked access token.
GRANT SELECT ON oauth_revocations TO xavyo_auth;

-- 0005-users.sql: users who sign in (auth.fcgi): passwords, lockout, MFA,
-- sessions, refresh tokens, password history and the login rate limit.
--
-- Passwords are Argon2id in the encoded form ($argon2id$v=19$m=...), so
-- that parameters can be raised and old hashes rehashed at the next
-- login.  TOTP secrets are sealed with the master key.  Refresh tokens
-- and MFA tokens are 256 random bits; only their HMAC-SHA-256 digest is
-- kept.  Only xavyo_auth (and the owner, for bootstrap) may read
-- password hashes and TOTP secrets: xavyo_invitations gets column grants
-- that leave them out, and no other program has any grant on users.
--
-- A session ends (ended_at) on logout, eviction by the session cap,
-- refresh-token reuse, a password change, the user's disabling; every
-- program refuses an access token whose session has ended through
-- xv_session_alive, a SECURITY DEFINER function owned by xavyo_lookup.

ALTER TABLE users
	ADD COLUMN status		text NOT NULL DEFAULT 'active'
					CHECK (status IN ('active','disabled')),
	ADD COLUMN failed_attempts	integer NOT NULL DEFAULT 0,
	ADD COLUMN first_failed_at	timestamptz,
	ADD COLUMN locked_until		timestamptz,
	ADD COLUMN password_changed_at	timestamptz NOT NULL DEFAULT now(),
	ADD COLUMN mfa_secret_sealed	text,
	ADD COLUMN mfa_enabled		boolean NOT NULL DEFAULT false,
	ADD COLUMN mfa_last_step	bigint NOT NULL DEFAULT 0,
	ADD COLUMN last_login_at	timestamptz,
	ADD COLUMN updated_at		timestamptz NOT NULL DEFAULT now();
UPDATE users SET status = CASE WHEN is_active THEN 'active' ELSE 'disabled' END;
ALTER TABLE users DROP COLUMN is_active;

CREATE TABLE sessions (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	user_id		uuid NOT NULL REFERENCES users(id),
	amr		text[] NOT NULL DEFAULT '{pwd}',
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	last_used_at	timestamptz NOT NULL DEFAULT now(),
	ended_at	timestamptz,
	end_reason	text
);
CREATE INDEX sessions_user_live ON sessions (tenant_id, user_id, created_at)
	WHERE ended_at IS NULL;
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY sessions_scope ON sessions
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());
CREATE POLICY sessions_lookup ON sessions FOR SELECT
	TO xavyo_lookup USING (current_user = 'xavyo_lookup');

-- One row a refresh token ever issued; rotated_at set when it was
-- exchanged.  Presenting a rotated one again ends its session.
CREATE TABLE refresh_tokens (
	token_hash	text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	session_id	uuid NOT NULL REFERENCES sessions(id),
	created_at	timestamptz NOT NULL DEFAULT now(),
	rotated_at	timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY refresh_tokens_scope ON refresh_tokens
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());

-- The second step of a login that needs a TOTP code: an mfa_token (its
-- digest here) that lives 5 minutes and survives 5 wrong codes.
CREATE TABLE mfa_challenges (
	token_hash	text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	user_id		uuid NOT NULL REFERENCES users(id),
	expires_at	timestamptz NOT NULL,
	failures	integer NOT NULL DEFAULT 0,
	used_at		timestamptz
);
ALTER TABLE mfa_challenges ENABLE ROW LEVEL SECURITY;
ALTER TABLE mfa_challenges FORCE ROW LEVEL SECURITY;
CREATE POLICY mfa_challenges_scope ON mfa_challenges
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());

CREATE TABLE password_history (
	id		bigserial PRIMARY KEY,
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	user_id		uuid NOT NULL REFERENCES users(id),
	password_hash	text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX password_history_user ON password_history (tenant_id, user_id, created_at DESC);
ALTER TABLE password_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE password_history FORCE ROW LEVEL SECURITY;
CREATE POLICY password_history_scope ON password_history
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());

-- Login attempts by tenant, client address and email, for the sliding
-- 60 s window of the rate limit; every attempt is a row, refused ones
-- too.  Rows older than the window are deleted as attempts come.
CREATE TABLE login_attempts (
	id		bigserial PRIMARY KEY,
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	client_ip	text NOT NULL,
	email		text NOT NULL,
	at		timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX login_attempts_key ON login_attempts (tenant_id, client_ip, email, at);
ALTER TABLE login_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY login_attempts_scope ON login_attempts
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());

-- Counts one attempt and answers how many came before it in the last 60
-- seconds and, when that is p_max or more, in how many seconds the
-- oldest of them leaves the window.  The advisory lock serialises the
-- attempts of one key across processes and servers, so that no two can
-- both see room for one more.  Runs as the caller, under RLS.
CREATE FUNCTION xv_login_attempt(p_tenant uuid, p_ip text, p_email text,
    p_max integer)
RETURNS TABLE (before integer, retry_after integer)
LANGUAGE plpgsql AS $$
DECLARE
	n integer;
	oldest timestamptz;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended(
	    p_tenant::text || '|' || p_ip || '|' || lower(p_email), 0));
	DELETE FROM login_attempts WHERE tenant_id = p_tenant
	    AND client_ip = p_ip AND email = lower(p_email)
	    AND at < clock_timestamp() - interval '60 seconds';
	SELECT count(*), min(at) INTO n, oldest FROM (
	    SELECT at FROM login_attempts WHERE tenant_id = p_tenant
	       AND client_ip = p_ip AND email = lower(p_email)
	     ORDER BY at DESC LIMIT p_max) a;
	INSERT INTO login_attempts (tenant_id, client_ip, email)
	    VALUES (p_tenant, p_ip, lower(p_email));
	before := n;
	retry_after := CASE WHEN n >= p_max THEN greatest(1, ceil(extract(epoch
	    FROM oldest + interval '60 seconds' - clock_timestamp()))::integer)
	    ELSE 0 END;
	RETURN NEXT;
END $$;

-- Whether session p_sid of tenant p_tenant is alive: what every program
-- asks before it takes a login token that names a session.  Only a
-- boolean comes out.
CREATE FUNCTION xv_session_alive(p_sid uuid, p_tenant uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN EXISTS (SELECT 1 FROM sessions s WHERE s.id = p_sid
	    AND s.tenant_id = p_tenant AND s.ended_at IS NULL);
END $$;
GRANT SELECT (id, tenant_id, ended_at) ON sessions TO xavyo_lookup;
ALTER FUNCTION xv_session_alive(uuid, uuid) OWNER TO xavyo_lookup;
REVOKE ALL ON FUNCTION xv_session_alive(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xv_session_alive(uuid, uuid)
    TO xavyo_tenants, xavyo_oauth, xavyo_apikeys, xavyo_auth, xavyo_invitations;

-- Grants.  auth.fcgi alone reads secrets; invitations.fcgi may create
-- users (with a password hash) and read what is not secret.
REVOKE ALL ON users FROM xavyo_invitations;
GRANT SELECT (id, tenant_id, email, display_name, roles, status,
    mfa_enabled, created_at, last_login_at, updated_at)
    ON users TO xavyo_invitations;
GRANT INSERT (tenant_id, email, display_name, password_hash, roles)
    ON users TO xavyo_invitations;
GRANT INSERT (tenant_id, user_id, password_hash) ON password_history
    TO xavyo_invitations;
GRANT USAGE ON SEQUENCE password_history_id_seq TO xavyo_invitations;
GRANT SELECT, INSERT, UPDATE ON users TO xavyo_auth;
GRANT SELECT, INSERT, UPDATE ON sessions, refresh_tokens, mfa_challenges
    TO xavyo_auth;
GRANT SELECT, INSERT, DELETE ON password_history, login_attempts TO xavyo_auth;
GRANT USAGE ON SEQUENCE password_history_id_seq, login_attempts_id_seq
    TO xavyo_auth;
GRANT SELECT ON tenant_settings TO xavyo_auth;

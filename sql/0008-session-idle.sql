-- 0008-session-idle.sql: a session idle for longer than its tenant's
-- session_timeout_minutes has ended for every program, not only for
-- /auth/refresh.
--
-- "Idle" is the time since the session's last_used_at, which a login
-- sets and each refresh moves on (the access tokens' own uses do not:
-- that would be a write on every request).  xv_session_alive, which
-- every program asks about each login token it is shown, and
-- oauth.fcgi's introspection, now read the timeout from the tenant's
-- settings (30 minutes when it has none, as xv_settings_default says),
-- so an access token dies with its idle session even before it
-- expires.  The numbers 0006 and 0007 are the invitations' and the
-- browser sign-in's.

-- xavyo_lookup reads a tenant's settings only inside its own
-- SECURITY DEFINER functions, as it reads sessions (0005).
CREATE POLICY tenant_settings_lookup ON tenant_settings FOR SELECT
	TO xavyo_lookup USING (current_user = 'xavyo_lookup');
GRANT SELECT (tenant_id, settings) ON tenant_settings TO xavyo_lookup;
GRANT SELECT (last_used_at) ON sessions TO xavyo_lookup;

CREATE OR REPLACE FUNCTION xv_session_alive(p_sid uuid, p_tenant uuid)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN EXISTS (SELECT 1 FROM sessions s
	    LEFT JOIN tenant_settings ts ON ts.tenant_id = s.tenant_id
	    WHERE s.id = p_sid AND s.tenant_id = p_tenant AND s.ended_at IS NULL
	      AND s.last_used_at > now() - make_interval(mins =>
	        CASE WHEN jsonb_typeof(ts.settings->'session_timeout_minutes')
	             = 'number'
	        THEN (ts.settings->>'session_timeout_minutes')::numeric::int
	        ELSE 30 END));
END $$;

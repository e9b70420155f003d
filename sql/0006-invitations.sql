-- 0006-invitations.sql: invitations to join a tenant (invitations.fcgi)
-- and the outbox of mail that the sender, xavyo-mailer, delivers.
--
-- An invitation's token is 256 random bits shown only in the mail; the
-- table keeps its HMAC-SHA-256 digest (token_hash), and the outbox keeps
-- the token sealed (AES-256-GCM, outbox_key, which only invitations.fcgi
-- and the sender hold) until the message is delivered or superseded, so
-- no table ever holds it in the clear.  Resend replaces the digest: the
-- old token dies.  "expired" is stored lazily: a pending invitation past
-- expires_at is expired whatever its stored status says, and is marked
-- so when the same email is invited again.
--
-- The public /invite/{token} must find its tenant before any tenant is
-- known: xv_invitation_tenant, a SECURITY DEFINER function owned by the
-- NOLOGIN role xavyo_lookup, answers only the tenant id of a digest.
--
-- The outbox is written in the transaction that creates or resends the
-- invitation, so a message exists exactly when the invitation does.  The
-- sender (role xavyo_mailer) reads every tenant's outbox, and nothing
-- else: a policy of its own, and column grants for what it updates.  An
-- insert notifies channel xavyo_mail at commit, which wakes the sender.

CREATE TABLE invitations (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	email		text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
	roles		text[] NOT NULL DEFAULT '{}'
			CHECK (cardinality(roles) <= 20
			    AND NOT ('super_admin' = ANY (roles))),
	message		text CHECK (length(message) <= 2000),
	token_hash	text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
	status		text NOT NULL DEFAULT 'pending'
			CHECK (status IN ('pending','accepted','expired','revoked')),
	expires_at	timestamptz NOT NULL,
	invited_by	text NOT NULL,
	user_id		uuid REFERENCES users(id),
	accepted_at	timestamptz,
	revoked_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
-- One pending invitation per email and tenant.
CREATE UNIQUE INDEX invitations_one_pending ON invitations
	(tenant_id, lower(email)) WHERE status = 'pending';
CREATE INDEX invitations_tenant ON invitations (tenant_id, created_at, id);
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_scope ON invitations
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());
-- Holds only while xavyo_lookup is current_user (inside its function).
CREATE POLICY invitations_lookup ON invitations FOR SELECT
	TO xavyo_lookup USING (current_user = 'xavyo_lookup');

-- The status an answer shows: a pending invitation past its expiry is
-- expired.
CREATE FUNCTION xv_invitation_status(p_status text, p_expires timestamptz)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN p_status = 'pending' AND p_expires <= now()
	THEN 'expired' ELSE p_status END $$;

-- The tenant of an invitation token's digest, whatever the invitation's
-- state (the handler reads that under the tenant's scope), or no row.
CREATE FUNCTION xv_invitation_tenant(p_hash text) RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (SELECT i.tenant_id FROM invitations i WHERE i.token_hash = p_hash);
END $$;
GRANT SELECT (tenant_id, token_hash) ON invitations TO xavyo_lookup;
ALTER FUNCTION xv_invitation_tenant(text) OWNER TO xavyo_lookup;
REVOKE ALL ON FUNCTION xv_invitation_tenant(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xv_invitation_tenant(text) TO xavyo_invitations;

-- Mail to deliver.  body holds the literal "{link}" where the sender
-- puts <public_url>/invite/<token>; token_sealed is cleared once the
-- message is sent or cancelled (a resend or a revocation cancels the
-- messages not yet sent).  message_id is fixed at insert, so that every
-- attempt, and a duplicate, carries the same Message-ID.
CREATE TABLE mail_outbox (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	invitation_id	uuid REFERENCES invitations(id),
	recipient	text NOT NULL,
	subject		text NOT NULL,
	body		text NOT NULL,
	token_sealed	text,
	status		text NOT NULL DEFAULT 'queued'
			CHECK (status IN ('queued','sent','cancelled')),
	attempts	integer NOT NULL DEFAULT 0,
	next_attempt_at	timestamptz NOT NULL DEFAULT now(),
	last_error	text,
	sent_at		timestamptz,
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at)
	WHERE status = 'queued';
CREATE INDEX mail_outbox_invitation ON mail_outbox (invitation_id)
	WHERE status = 'queued';
ALTER TABLE mail_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY mail_outbox_scope ON mail_outbox
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());
-- The sender delivers every tenant's mail: it sees the outbox whole.
CREATE POLICY mail_outbox_sender ON mail_outbox
	TO xavyo_mailer USING (current_user = 'xavyo_mailer')
	WITH CHECK (current_user = 'xavyo_mailer');

CREATE FUNCTION xv_mail_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('xavyo_mail', '');
	RETURN NULL;
END $$;
CREATE TRIGGER mail_outbox_notify AFTER INSERT ON mail_outbox
	FOR EACH STATEMENT EXECUTE FUNCTION xv_mail_notify();

-- Grants.  invitations.fcgi: its table, the outbox (write, cancel), and
-- users as 0005 left them (the columns that are not secret, and INSERT
-- with a password hash): it creates users, never reads a secret.
GRANT SELECT, INSERT, UPDATE ON invitations TO xavyo_invitations;
GRANT SELECT (id, tenant_id, invitation_id, status), INSERT
    ON mail_outbox TO xavyo_invitations;
GRANT UPDATE (status, token_sealed) ON mail_outbox TO xavyo_invitations;
GRANT SELECT, UPDATE (status, token_sealed, attempts, next_attempt_at,
    last_error, sent_at) ON mail_outbox TO xavyo_mailer;

-- 0003-apikeys.sql: API keys (apikeys.fcgi) and their usage counts.
--
-- A key is "xavyo_ak_" and 256 random bits; only its HMAC-SHA-256 digest
-- (keyed with api_key_secret from configuration) is stored.  Every
-- program authenticates keys, before it knows the tenant, through
-- xv_api_key_lookup: a SECURITY DEFINER function owned by the NOLOGIN
-- role xavyo_lookup, which alone has a SELECT policy over all tenants'
-- keys and which returns only what authentication needs.  Expiry and
-- revocation are filtered right there, in SQL, so no stale copy of a key
-- anywhere can outlive its delete or its expires_at.
--
-- Usage is counted per key, UTC day and shard (a process's pid modulo
-- 16), so concurrent requests of one key seldom wait on one row lock;
-- reads add the shards up.  xv_api_key_count adds a process's uses for
-- every program, again as xavyo_lookup, given the key's digest (only a
-- holder of the key has it).

CREATE TABLE api_keys (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	key_prefix	text NOT NULL,
	key_hash	text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
	scopes		text[] NOT NULL CHECK (cardinality(scopes) > 0
			    AND scopes <@ ARRAY['read','write','admin']),
	expires_at	timestamptz,
	created_by	text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	revoked_at	timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at DESC)
	WHERE revoked_at IS NULL;
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY api_keys_scope ON api_keys
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());
-- Policies for xavyo_lookup hold only while it is current_user (inside
-- its functions): a policy TO a role also applies to its members, and
-- xavyo_owner is one.
CREATE POLICY api_keys_lookup ON api_keys FOR SELECT
	TO xavyo_lookup USING (current_user = 'xavyo_lookup');

-- Requests per key, UTC day and shard.  Rows are updated in place all
-- day long: a low fillfactor keeps those updates HOT.
CREATE TABLE api_key_usage (
	key_id		uuid NOT NULL REFERENCES api_keys(id),
	tenant_id	uuid NOT NULL REFERENCES tenants(id),
	day		date NOT NULL,
	shard		smallint NOT NULL CHECK (shard BETWEEN 0 AND 63),
	requests	bigint NOT NULL CHECK (requests >= 0),
	last_used_at	timestamptz NOT NULL,
	PRIMARY KEY (key_id, day, shard)
) WITH (fillfactor = 50);
ALTER TABLE api_key_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_key_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY api_key_usage_scope ON api_key_usage
	USING (tenant_id = xv_tenant()) WITH CHECK (tenant_id = xv_tenant());
CREATE POLICY api_key_usage_count_read ON api_key_usage FOR SELECT
	TO xavyo_lookup USING (current_user = 'xavyo_lookup');
CREATE POLICY api_key_usage_count_insert ON api_key_usage FOR INSERT
	TO xavyo_lookup WITH CHECK (current_user = 'xavyo_lookup');
CREATE POLICY api_key_usage_count_update ON api_key_usage FOR UPDATE
	TO xavyo_lookup USING (current_user = 'xavyo_lookup') WITH CHECK (current_user = 'xavyo_lookup');

-- What authentication needs, before the tenant is known: the key's id,
-- tenant and scopes (space-separated), if the key is neither revoked nor
-- expired.  No row: no such key, as far as any caller can tell.  Both
-- functions run on every request made with a key: PL/pgSQL, unlike a
-- SQL function with a SET clause, keeps their plans for the session.
CREATE FUNCTION xv_api_key_lookup(p_hash text)
RETURNS TABLE (id uuid, tenant_id uuid, scopes text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN QUERY SELECT k.id, k.tenant_id, array_to_string(k.scopes, ' ')
	  FROM api_keys k
	 WHERE k.key_hash = p_hash AND k.revoked_at IS NULL
	   AND (k.expires_at IS NULL OR k.expires_at > now());
END $$;

-- Adds p_uses uses, the last at p_last, to the key with this digest, in
-- the caller's shard and on p_day (today or yesterday, UTC: a process
-- writes what it counted up to a second ago).  The caller runs it in a
-- transaction of its own, after the answer has gone, with
-- synchronous_commit off (see apikeys.fcgi(8)).  A request that was
-- authenticated just before its key was deleted still counts.
CREATE FUNCTION xv_api_key_count(p_hash text, p_shard integer, p_day date,
    p_uses integer, p_last timestamptz)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF p_uses NOT BETWEEN 1 AND 1000000 OR p_day NOT BETWEEN
	    (now() AT TIME ZONE 'UTC')::date - 1 AND (now() AT TIME ZONE 'UTC')::date
	THEN
		RAISE EXCEPTION 'xv_api_key_count: bad uses or day';
	END IF;
	INSERT INTO api_key_usage AS u
	    (key_id, tenant_id, day, shard, requests, last_used_at)
	SELECT k.id, k.tenant_id, p_day, p_shard, p_uses, least(p_last, now())
	  FROM api_keys k WHERE k.key_hash = p_hash
	ON CONFLICT (key_id, day, shard) DO UPDATE
	    SET requests = u.requests + excluded.requests,
	        last_used_at = greatest(u.last_used_at, excluded.last_used_at);
END $$;

GRANT SELECT (id, tenant_id, key_hash, scopes, expires_at, revoked_at)
    ON api_keys TO xavyo_lookup;
GRANT SELECT, INSERT, UPDATE ON api_key_usage TO xavyo_lookup;
ALTER FUNCTION xv_api_key_lookup(text) OWNER TO xavyo_lookup;
ALTER FUNCTION xv_api_key_count(text, integer, date, integer, timestamptz)
    OWNER TO xavyo_lookup;
REVOKE ALL ON FUNCTION xv_api_key_lookup(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION xv_api_key_count(text, integer, date, integer, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xv_api_key_lookup(text),
    xv_api_key_count(text, integer, date, integer, timestamptz)
    TO xavyo_tenants, xavyo_oauth, xavyo_apikeys, xavyo_auth, xavyo_invitations;

-- apikeys.fcgi creates keys, deletes them by setting revoked_at (the only
-- column it may change: usage history stays) and reads usage; it never
-- writes counts directly.
GRANT SELECT, INSERT, UPDATE (revoked_at) ON api_keys TO xavyo_apikeys;
GRANT SELECT ON api_key_usage TO xavyo_apikeys;

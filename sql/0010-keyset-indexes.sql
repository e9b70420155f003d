-- 0010-keyset-indexes.sql: every list pages by cursor in constant time
-- (issue 14).
--
-- A list's ?after= page (API.md section 1, tenants.fcgi(8)) reads the
-- rows that follow the cursor's item in the list's order, (created_at,
-- id), the audit log newest first.  An index on the list's tenant_id,
-- created_at and id, in the list's direction, lets that page start at
-- the cursor and stop after limit rows, however deep it is; without id
-- the index leaves the ties of created_at in no order and the page
-- needs a sort of every row past the cursor.  The lists that lacked one:
--
--   tenants        no index on created_at at all;
--   audit_events   (tenant_id, created_at DESC) without id, replaced;
--                  the action and resource_type filters have theirs
--                  (0009), which end in created_at DESC, id already;
--   api_keys       (tenant_id, created_at DESC) of the live keys,
--                  without id, replaced by one in the list's order;
--   oauth_clients  (tenant_id, created_at) without id, replaced;
--   users          none.
--
-- invitations_tenant (0006) is (tenant_id, created_at, id) already.
-- Each replaced index is a prefix of its replacement, which serves
-- whatever it served.
CREATE INDEX tenants_created_id ON tenants (created_at, id);

CREATE INDEX audit_events_tenant_time_id
	ON audit_events (tenant_id, created_at DESC, id);
DROP INDEX audit_events_tenant_time;

CREATE INDEX api_keys_tenant_live ON api_keys (tenant_id, created_at, id)
	WHERE revoked_at IS NULL;
DROP INDEX api_keys_tenant;

CREATE INDEX oauth_clients_tenant_id
	ON oauth_clients (tenant_id, created_at, id);
DROP INDEX oauth_clients_tenant;

CREATE INDEX users_tenant_created ON users (tenant_id, created_at, id);

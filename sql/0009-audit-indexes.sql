-- 0009-audit-indexes.sql: the audit log's filters use indexes (issue 14).
--
-- GET /admin/audit-logs filters a tenant's events by action and by
-- resource_type, within a time range, newest first.  The one index so
-- far, (tenant_id, created_at DESC), serves the unfiltered list and the
-- time range, but a filter on action or resource_type read every event
-- of the tenant in the range and dropped most: with a million events,
-- a rare action cost a scan of them all.  These two lead with the
-- filter's column, so that such a page reads only the rows it shows;
-- tests/bench/audit-explain.txt has the plans.  The id after created_at
-- matches the list's ORDER BY created_at DESC, id, so a page needs no
-- sort.
CREATE INDEX audit_events_tenant_action_time
	ON audit_events (tenant_id, action, created_at DESC, id);
CREATE INDEX audit_events_tenant_resource_time
	ON audit_events (tenant_id, resource_type, created_at DESC, id);

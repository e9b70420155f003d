-- roles.sql: the database roles of xavyo-idp, run by a superuser (the
-- start script, or an operator) before the numbered migrations.
--
-- xavyo_owner owns the schema and runs migrations; it is no superuser and
-- has no BYPASSRLS, and every tenant-owned table has FORCE ROW LEVEL
-- SECURITY, so even the owner sees a tenant's rows only inside that
-- tenant's scope.  Each FastCGI program logs in as its own role, owner of
-- nothing, granted only its own tables by the migrations.
--
-- psql variables: owner_pw, mailer_pw, and PROGRAM_pw for each program
-- of the file programs: tenants_pw, oauth_pw, apikeys_pw, auth_pw,
-- invitations_pw (passwords; the script generates them and gives them
-- on psql's standard input, never in its arguments).  Each program of
-- that file has its role here; tests/routes.bats checks both lists.
-- xavyo_mailer is the mail sender's (xavyo-mailer(8)).  Idempotent.
\set ON_ERROR_STOP on
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', r)
  FROM unnest(ARRAY['xavyo_owner','xavyo_tenants','xavyo_oauth','xavyo_apikeys',
                    'xavyo_auth','xavyo_invitations','xavyo_mailer']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r)
\gexec
-- xavyo_lookup logs in never: it owns the narrow SECURITY DEFINER
-- functions that find which tenant owns a credential (API key, OAuth
-- client, invitation token) before the tenant is known; tables grant it a
-- SELECT policy of its own.  The owner is a member so that migrations can
-- hand such functions to it.
SELECT 'CREATE ROLE xavyo_lookup NOLOGIN NOSUPERUSER NOBYPASSRLS'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'xavyo_lookup')
\gexec
GRANT xavyo_lookup TO xavyo_owner;
ALTER ROLE xavyo_owner PASSWORD :'owner_pw';
ALTER ROLE xavyo_tenants PASSWORD :'tenants_pw';
ALTER ROLE xavyo_oauth PASSWORD :'oauth_pw';
ALTER ROLE xavyo_apikeys PASSWORD :'apikeys_pw';
ALTER ROLE xavyo_auth PASSWORD :'auth_pw';
ALTER ROLE xavyo_invitations PASSWORD :'invitations_pw';
ALTER ROLE xavyo_mailer PASSWORD :'mailer_pw';
-- Every statement of the programs is written for an index and prepared
-- once per connection.  Left to choose, PostgreSQL re-plans a statement
-- at each execution as soon as a table's statistics show tenants of very
-- different sizes (a custom plan looks cheaper for a small one than the
-- generic plan): at 1,000,000 API keys that planning was a third of the
-- database's CPU per request (tests/bench/PROFILES.md).  The generic
-- plan is what each statement was written for, at any size.
SELECT format('ALTER ROLE %I SET plan_cache_mode = force_generic_plan', r)
  FROM unnest(ARRAY['xavyo_tenants','xavyo_oauth','xavyo_apikeys','xavyo_auth',
                    'xavyo_invitations','xavyo_mailer']) AS r
\gexec
SELECT 'CREATE DATABASE xavyo OWNER xavyo_owner'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'xavyo')
\gexec
\connect xavyo
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO xavyo_owner;
REVOKE ALL ON DATABASE xavyo FROM PUBLIC;
GRANT CONNECT ON DATABASE xavyo TO xavyo_owner, xavyo_tenants, xavyo_oauth,
    xavyo_apikeys, xavyo_auth, xavyo_invitations, xavyo_mailer;
-- xavyo_lookup may own functions in the schema (ALTER FUNCTION ... OWNER
-- needs it); it cannot log in, so it cannot use this itself.
GRANT CREATE ON SCHEMA public TO xavyo_lookup;
GRANT USAGE ON SCHEMA public TO xavyo_lookup, xavyo_tenants, xavyo_oauth, xavyo_apikeys,
    xavyo_auth, xavyo_invitations, xavyo_mailer;

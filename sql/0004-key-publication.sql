-- 0004-key-publication.sql: a new signing key is published before it signs.
--
-- Relying parties may cache /.well-known/jwks.json for its max-age (300 s),
-- so a key that signed the moment it was made would fail their validation
-- until their cache expired.  signs_from is when a key starts signing:
-- rotation publishes the new key at once and sets signs_from to
-- key_publish_delay seconds later, and retires the keys that sign until
-- then at that same instant.  The signer is the key with the latest
-- signs_from that has passed; a retired key stays published, and its
-- tokens verify, token_max_ttl after its retired_at.

ALTER TABLE signing_keys ADD COLUMN signs_from timestamptz;
UPDATE signing_keys SET signs_from = created_at;
ALTER TABLE signing_keys ALTER COLUMN signs_from SET NOT NULL,
    ALTER COLUMN signs_from SET DEFAULT now();

GRANT SELECT (signs_from) ON signing_keys
    TO xavyo_tenants, xavyo_apikeys, xavyo_invitations;

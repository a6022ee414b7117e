-- A second factor being set up to replace a confirmed one: kept apart from the confirmed one,
-- which goes on working until a code from the new one confirms it (sealed like the first).
ALTER TABLE users ADD COLUMN totp_next_sealed TEXT;
ALTER TABLE users ADD COLUMN totp_next_nonce TEXT;

-- The second sign-in factor: each user's TOTP secret, sealed with a key held outside the
-- database, whether it is confirmed, and the last time step used (so a code works once); and
-- sessions that have passed the password but not yet the second factor.
ALTER TABLE users ADD COLUMN totp_sealed TEXT;
ALTER TABLE users ADD COLUMN totp_nonce TEXT;
ALTER TABLE users ADD COLUMN totp_confirmed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE sessions ADD COLUMN second_factor_pending BIGINT NOT NULL DEFAULT 0;

-- Accounts that reach case records need a second person's approval before they can be used,
-- and a new account's first password is set by its holder through a one-time set-up link.
-- created_by: the user who made the account on the users page (NULL: the operator, on the
-- command line). awaiting_approval with who asked (approval_asked_by, NULL: the operator), when
-- and why. approved_by: who approved it last (NULL: the operator). The set-up link is stored
-- only as the SHA-256 of its token, with its expiry and who issued it. password_set_by says who
-- chose the password in use ('holder' through a set-up link, 'operator' on the command line).
ALTER TABLE users ADD COLUMN created_by INTEGER;
ALTER TABLE users ADD COLUMN awaiting_approval INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN approval_asked_by INTEGER;
ALTER TABLE users ADD COLUMN approval_asked_at TEXT;
ALTER TABLE users ADD COLUMN approval_for TEXT;
ALTER TABLE users ADD COLUMN approved_by INTEGER;
ALTER TABLE users ADD COLUMN setup_token_hash TEXT;
ALTER TABLE users ADD COLUMN setup_expires_at TEXT;
ALTER TABLE users ADD COLUMN setup_issued_by INTEGER;
ALTER TABLE users ADD COLUMN password_set_by TEXT;
CREATE UNIQUE INDEX users_setup_token ON users (setup_token_hash);

-- Bearer tokens for other systems (a partner's referral portal, the council's own forms) that
-- call the API as one user. Only the SHA-256 of a token is kept: the token itself is shown once,
-- when it is made. A revoked or expired token is kept, so the account page and the audit log can
-- still say what it was.
CREATE TABLE api_tokens (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, created_by TEXT NOT NULL, expires_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT, revoked_by TEXT);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

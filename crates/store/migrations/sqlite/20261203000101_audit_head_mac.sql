-- The audit head is keyed: `mac` is an HMAC over (seq, hash) with a key derived from the audit
-- key held outside the database, so the head cannot be rewritten to hide a truncated log.
-- Existing heads have none until Stepwise next opens the database, which keys the head and
-- records that in the log (an `audit.head.keyed` entry).
ALTER TABLE audit_head ADD COLUMN mac TEXT;

-- Temporary grants of access to one child's record: who may open it, until when, why, and who
-- granted or revoked it. Rows are never deleted; a revoked grant keeps its history.
CREATE TABLE access_grants (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, child_id INTEGER NOT NULL, reason TEXT NOT NULL, granted_by INTEGER NOT NULL, granted_at TEXT NOT NULL, from_at TEXT NOT NULL, until_at TEXT NOT NULL, revoked_at TEXT, revoked_by INTEGER);
CREATE INDEX access_grants_user ON access_grants (user_id, until_at);
CREATE INDEX access_grants_child ON access_grants (child_id);

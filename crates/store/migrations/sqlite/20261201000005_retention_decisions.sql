-- Decisions on records due for disposal review under the retention schedule: keep (with a
-- date to review again) or dispose, with the reason and who decided. Never updated or deleted.
CREATE TABLE retention_decisions (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL, decision TEXT NOT NULL, reason TEXT NOT NULL, review_on TEXT, decided_by TEXT NOT NULL, decided_at TEXT NOT NULL);
CREATE INDEX retention_decisions_person ON retention_decisions (person_id);

-- Restricted and sealed records. A restriction is lifted by setting lifted_at, never by
-- deleting the row, so the history of who protected a record and why is kept.
CREATE TABLE record_restrictions (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL, kind TEXT NOT NULL, category TEXT NOT NULL, note TEXT NOT NULL, set_by TEXT NOT NULL, set_at TEXT NOT NULL, lifted_by TEXT, lifted_at TEXT);
CREATE INDEX record_restrictions_person ON record_restrictions (person_id);

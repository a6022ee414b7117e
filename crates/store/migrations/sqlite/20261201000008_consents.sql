-- Consent to share with partner agencies, recorded per person with its basis and expiry; and
-- the agency a partner professional's account belongs to. A consent is withdrawn by setting
-- withdrawn_at, never by deleting it.
CREATE TABLE consents (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL, agency TEXT NOT NULL, basis TEXT NOT NULL, given_by TEXT NOT NULL, recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL, expires_on TEXT NOT NULL, withdrawn_at TEXT, withdrawn_by TEXT);
CREATE INDEX consents_person ON consents (person_id);
CREATE INDEX consents_agency ON consents (agency);
ALTER TABLE users ADD COLUMN agency TEXT;

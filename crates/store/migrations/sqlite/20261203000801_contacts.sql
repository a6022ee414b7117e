-- The front door's own record of its work (ADR 0007). A contact is written once, as it was
-- acknowledged, and never updated; what happens to it afterwards (a new rating, partner checks
-- asked and answered, a decision proposed, authorised or sent back, the decision itself) is a
-- row in contact_steps. The queue, the time left and the dashboard are read from these rows; what
-- each child's journey holds (the contact received, the decision) is in events as always.
CREATE TABLE contacts (id INTEGER PRIMARY KEY, received_at TEXT NOT NULL, recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL, user_id INTEGER, channel TEXT NOT NULL, source TEXT NOT NULL, referrer_name TEXT NOT NULL, referrer_agency TEXT NOT NULL, referrer_role TEXT NOT NULL, referrer_phone TEXT NOT NULL, referrer_email TEXT NOT NULL, concerns TEXT NOT NULL, consent TEXT NOT NULL, consent_basis TEXT NOT NULL, rag TEXT NOT NULL, decide_by TEXT NOT NULL);
CREATE INDEX contacts_received ON contacts (received_at);
CREATE INDEX contacts_user ON contacts (user_id);
-- The people a contact names. person_id is the record they were matched to or created as;
-- described keeps the details as the referrer gave them.
CREATE TABLE contact_people (contact_id INTEGER NOT NULL, ordinal INTEGER NOT NULL, role TEXT NOT NULL, person_id INTEGER, created INTEGER NOT NULL, described TEXT NOT NULL, received_seq INTEGER, PRIMARY KEY (contact_id, ordinal));
CREATE INDEX contact_people_person ON contact_people (person_id);
CREATE TABLE contact_steps (id INTEGER PRIMARY KEY, contact_id INTEGER NOT NULL, at TEXT NOT NULL, user_id INTEGER, by_name TEXT NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX contact_steps_contact ON contact_steps (contact_id, kind);

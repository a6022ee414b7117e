-- Failed sign-ins in a row for each username tried (known or not, so that the answer does not
-- reveal which usernames exist), for the back-off. A successful sign-in clears the row.
CREATE TABLE signin_throttle (username TEXT PRIMARY KEY, failures BIGINT NOT NULL, last_failure TEXT NOT NULL);

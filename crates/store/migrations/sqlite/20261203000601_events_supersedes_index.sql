-- A chronology says which later entry corrects each entry; it finds it through this index in
-- the same query as the page, rather than reading every correction of the record separately.
CREATE INDEX events_supersedes ON events (child_id, supersedes);

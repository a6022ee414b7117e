-- A record shows relationships recorded either way round; without this index finding the ones
-- that name the person as the related party scanned the whole table on every record view.
CREATE INDEX relationships_related ON relationships (related_id);

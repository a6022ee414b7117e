-- Each stored event payload carries the version of its kind's shape (see the domain's payload
-- module). Every row written before this has version 1.
ALTER TABLE events ADD COLUMN payload_version BIGINT NOT NULL DEFAULT 1;

-- The independent reviewing officer appointed for a child on a protection plan or looked after
-- (a `worker_allocated` event with the role `reviewing_officer`), kept beside the allocated
-- worker so that an officer's My work finds the children they review by an index.
ALTER TABLE child_state ADD COLUMN reviewing_officer_id BIGINT;
CREATE INDEX child_state_reviewing_officer ON child_state (reviewing_officer_id);

-- Every signed-in request reads the reasons its user stated for restricted records in the last
-- working day (action 'record.reason', `at` within the day). Without this index that read
-- scanned the whole audit log, which grows by a row on every record read, so every request
-- got slower as the log grew.
CREATE INDEX audit_log_action_at ON audit_log (action, at);

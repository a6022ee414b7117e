-- Forms sent after their session had ended, kept for the person who filled them in so nothing
-- they typed is lost; they send it again (or discard it) after signing in. Kept for a day.
CREATE TABLE form_drafts (id TEXT PRIMARY KEY, user_id BIGINT NOT NULL, path TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX form_drafts_user ON form_drafts (user_id);

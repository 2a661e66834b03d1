-- A translation's own times: held back until `publish_at` (the scheduler removes it then, and
-- the translation shows), taken back to draft at `unpublish_at`. A row only while one is set.
CREATE TABLE article_translation_times (
    translation_id BIGINT PRIMARY KEY NOT NULL REFERENCES article_translations (id) ON DELETE CASCADE,
    publish_at TIMESTAMP,
    unpublish_at TIMESTAMP
);
CREATE INDEX article_translation_times_held ON article_translation_times (publish_at);
-- A transition of one translation names its locale; one of the whole article has none.
ALTER TABLE scheduled_transitions ADD COLUMN locale TEXT;

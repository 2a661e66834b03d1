DROP TABLE scheduled_transitions;
ALTER TABLE articles DROP COLUMN unpublish_at;

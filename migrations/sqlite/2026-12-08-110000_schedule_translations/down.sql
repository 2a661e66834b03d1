ALTER TABLE scheduled_transitions DROP COLUMN locale;
DROP TABLE article_translation_times;

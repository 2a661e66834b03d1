-- When a published article comes down by itself (it is archived then).
ALTER TABLE articles ADD COLUMN unpublish_at TIMESTAMP;

-- Scheduled transitions of articles, applied by the scheduler inside `cms serve`: each due
-- one is claimed by one instance (FOR UPDATE SKIP LOCKED on PostgreSQL), applied and marked
-- with `applied_at` in one transaction, so it happens exactly once. A save replaces the
-- article's pending ones.
CREATE TABLE scheduled_transitions (
    id INTEGER PRIMARY KEY NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    action TEXT NOT NULL CHECK (action IN ('publish', 'unpublish')),
    due_at TIMESTAMP NOT NULL,
    applied_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX scheduled_transitions_due ON scheduled_transitions (applied_at, due_at);
CREATE INDEX scheduled_transitions_article ON scheduled_transitions (article_id);
-- Articles scheduled before transitions were kept get theirs.
INSERT INTO scheduled_transitions (article_id, action, due_at, created_at)
SELECT id, 'publish', published_at, CURRENT_TIMESTAMP
FROM articles
WHERE status = 'published' AND published_at > CURRENT_TIMESTAMP;

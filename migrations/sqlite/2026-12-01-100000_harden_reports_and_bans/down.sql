CREATE TABLE comment_bans_old (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id BIGINT UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    visitor_id BIGINT UNIQUE REFERENCES visitors (id) ON DELETE CASCADE,
    reason TEXT,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK ((user_id IS NULL) <> (visitor_id IS NULL))
);
INSERT INTO comment_bans_old (id, user_id, visitor_id, reason, created_by, created_at)
    SELECT id, user_id, visitor_id, reason, created_by, created_at FROM comment_bans
    WHERE network IS NULL;
DROP TABLE comment_bans;
ALTER TABLE comment_bans_old RENAME TO comment_bans;

ALTER TABLE comment_reports DROP COLUMN handled;
ALTER TABLE comment_reports DROP COLUMN ip;

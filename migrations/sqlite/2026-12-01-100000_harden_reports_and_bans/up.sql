-- Reports remember the reporter's client IP (only distinct addresses count toward hiding) and
-- whether a moderator has decided on them (decided reports no longer count, and their authors
-- can't report the comment again).
ALTER TABLE comment_reports ADD COLUMN ip TEXT;
ALTER TABLE comment_reports ADD COLUMN handled BOOLEAN NOT NULL DEFAULT FALSE;

-- Bans name an account, a visitor, or a client IP or network, and may end.
CREATE TABLE comment_bans_new (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id BIGINT UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    visitor_id BIGINT UNIQUE REFERENCES visitors (id) ON DELETE CASCADE,
    network TEXT,
    reason TEXT,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    CHECK ((user_id IS NOT NULL) + (visitor_id IS NOT NULL) + (network IS NOT NULL) = 1)
);
INSERT INTO comment_bans_new (id, user_id, visitor_id, reason, created_by, created_at)
    SELECT id, user_id, visitor_id, reason, created_by, created_at FROM comment_bans;
DROP TABLE comment_bans;
ALTER TABLE comment_bans_new RENAME TO comment_bans;

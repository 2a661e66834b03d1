-- Reports remember the reporter's client IP (only distinct addresses count toward hiding) and
-- whether a moderator has decided on them (decided reports no longer count, and their authors
-- can't report the comment again).
ALTER TABLE comment_reports ADD COLUMN ip TEXT;
ALTER TABLE comment_reports ADD COLUMN handled BOOLEAN NOT NULL DEFAULT FALSE;

-- Bans name an account, a visitor, or a client IP or network, and may end.
ALTER TABLE comment_bans ADD COLUMN network TEXT;
ALTER TABLE comment_bans ADD COLUMN expires_at TIMESTAMP;
ALTER TABLE comment_bans DROP CONSTRAINT comment_bans_check;
ALTER TABLE comment_bans ADD CONSTRAINT comment_bans_one_target CHECK (
    (user_id IS NOT NULL)::int + (visitor_id IS NOT NULL)::int + (network IS NOT NULL)::int = 1
);

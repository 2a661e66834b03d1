DELETE FROM comment_bans WHERE network IS NOT NULL;
ALTER TABLE comment_bans DROP CONSTRAINT comment_bans_one_target;
ALTER TABLE comment_bans ADD CONSTRAINT comment_bans_check CHECK ((user_id IS NULL) <> (visitor_id IS NULL));
ALTER TABLE comment_bans DROP COLUMN expires_at;
ALTER TABLE comment_bans DROP COLUMN network;

ALTER TABLE comment_reports DROP COLUMN handled;
ALTER TABLE comment_reports DROP COLUMN ip;

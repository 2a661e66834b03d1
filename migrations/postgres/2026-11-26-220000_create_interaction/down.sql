DROP TABLE comment_bans;
DROP TABLE comment_reports;
DROP TABLE comments;
DROP TABLE reactions;
DROP TABLE reaction_kind_labels;
DROP TABLE reaction_kinds;

-- Reaction kinds readers choose from. Retired kinds are hidden and can't be chosen, but the
-- reactions given with them are kept.
CREATE TABLE reaction_kinds (
    id INTEGER PRIMARY KEY NOT NULL,
    kind_key TEXT NOT NULL UNIQUE,
    emoji TEXT NOT NULL,
    position INTEGER NOT NULL,
    retired_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE reaction_kind_labels (
    id INTEGER PRIMARY KEY NOT NULL,
    kind_id BIGINT NOT NULL REFERENCES reaction_kinds (id) ON DELETE CASCADE,
    locale TEXT NOT NULL REFERENCES locales (code) ON DELETE CASCADE,
    label TEXT NOT NULL,
    UNIQUE (kind_id, locale)
);

-- One reaction per article per actor (an account or a visitor): the unique constraints are what
-- keeps it one under concurrent requests, and a change of kind is an upsert on them.
CREATE TABLE reactions (
    id INTEGER PRIMARY KEY NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    visitor_id BIGINT REFERENCES visitors (id) ON DELETE CASCADE,
    kind_id BIGINT NOT NULL REFERENCES reaction_kinds (id) ON DELETE RESTRICT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((user_id IS NULL) <> (visitor_id IS NULL)),
    UNIQUE (article_id, user_id),
    UNIQUE (article_id, visitor_id)
);

-- Counting an article's reactions by kind reads this index only.
CREATE INDEX reactions_counts ON reactions (article_id, kind_id);

-- Comments, threaded: `root_id` is the top-level comment of a reply's thread (NULL on top-level
-- comments), so one query loads every reply of a page of threads; `depth` is 1 at the top.
-- `visible`: approved, and so is every comment above it; moderation keeps it up to date for the
-- whole thread, so public reads and counts filter on one column whatever the depth.
-- The author's name and kind are kept as they were when the comment was written.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES comments (id) ON DELETE CASCADE,
    root_id BIGINT REFERENCES comments (id) ON DELETE CASCADE,
    depth INTEGER NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    visitor_id BIGINT REFERENCES visitors (id) ON DELETE SET NULL,
    author_name TEXT NOT NULL,
    author_kind TEXT NOT NULL CHECK (author_kind IN ('reader', 'staff', 'visitor')),
    body TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'spam')),
    -- Reports since the last moderation decision.
    report_count INTEGER NOT NULL DEFAULT 0,
    deleted_at TIMESTAMP,
    visible BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX comments_article ON comments (article_id, visible, created_at);
CREATE INDEX comments_root ON comments (root_id, created_at);
CREATE INDEX comments_queue ON comments (status, created_at);
CREATE INDEX comments_parent ON comments (parent_id);
CREATE INDEX comments_user ON comments (user_id);
CREATE INDEX comments_visitor ON comments (visitor_id);

-- Reports on comments: one per comment per actor.
CREATE TABLE comment_reports (
    id INTEGER PRIMARY KEY NOT NULL,
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    visitor_id BIGINT REFERENCES visitors (id) ON DELETE CASCADE,
    reason TEXT NOT NULL CHECK (reason IN ('spam', 'abuse', 'off_topic', 'other')),
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    CHECK ((user_id IS NULL) <> (visitor_id IS NULL)),
    UNIQUE (comment_id, user_id),
    UNIQUE (comment_id, visitor_id)
);

-- Accounts and visitors who may not comment.
CREATE TABLE comment_bans (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id BIGINT UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    visitor_id BIGINT UNIQUE REFERENCES visitors (id) ON DELETE CASCADE,
    reason TEXT,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK ((user_id IS NULL) <> (visitor_id IS NULL))
);

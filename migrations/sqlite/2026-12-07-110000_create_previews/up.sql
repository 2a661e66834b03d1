-- Draft previews: a random token (stored as its SHA-256) that shows one article's or page's
-- translation as it stands, until it expires or is revoked; deleted with its subject.
CREATE TABLE previews (
    id INTEGER PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL CHECK (subject IN ('article', 'page')),
    subject_id BIGINT NOT NULL,
    locale TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX previews_subject ON previews (subject, subject_id);

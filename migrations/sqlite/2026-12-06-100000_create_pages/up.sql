-- Revisions are shared by articles and pages: the state of a translation before each save,
-- kept under its subject ('article' or 'page') and that subject's id. Deleting a subject
-- deletes its revisions in the same transaction.
CREATE TABLE revisions (
    id INTEGER PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL CHECK (subject IN ('article', 'page')),
    subject_id BIGINT NOT NULL,
    locale TEXT NOT NULL,
    translation_version BIGINT NOT NULL,
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    summary TEXT,
    body TEXT NOT NULL,
    seo_title TEXT,
    seo_description TEXT,
    status TEXT NOT NULL,
    saved_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO revisions (id, subject, subject_id, locale, translation_version, title, slug, summary,
                       body, seo_title, seo_description, status, saved_by, created_at)
SELECT id, 'article', article_id, locale, translation_version, title, slug, summary, body,
       seo_title, seo_description, status, saved_by, created_at
FROM article_revisions;
DROP TABLE article_revisions;
CREATE INDEX revisions_subject ON revisions (subject, subject_id, locale);

-- Static pages (imprint, privacy, about…): the locale-independent part. `key` names the pages
-- templates look up (`imprint`); `parent_id` makes simple hierarchies; `position` orders
-- siblings. A page is shown when it is published, in its published translations.
CREATE TABLE pages (
    id INTEGER PRIMARY KEY NOT NULL,
    key TEXT UNIQUE,
    parent_id BIGINT REFERENCES pages (id) ON DELETE RESTRICT,
    position INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    published_at TIMESTAMP,
    source_locale TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX pages_parent ON pages (parent_id);

-- One translation of a page per locale, each with its own status, slug and version.
CREATE TABLE page_translations (
    id INTEGER PRIMARY KEY NOT NULL,
    page_id BIGINT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    locale TEXT NOT NULL REFERENCES locales (code) ON DELETE RESTRICT,
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    summary TEXT,
    body TEXT NOT NULL,
    seo_title TEXT,
    seo_description TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (page_id, locale),
    UNIQUE (locale, slug)
);

-- Categories: a tree, with a name, slug and description per locale.
CREATE TABLE categories (
    id INTEGER PRIMARY KEY NOT NULL,
    parent_id BIGINT REFERENCES categories (id) ON DELETE RESTRICT,
    position INTEGER NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX categories_parent ON categories (parent_id);

CREATE TABLE category_translations (
    id INTEGER PRIMARY KEY NOT NULL,
    category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    locale TEXT NOT NULL REFERENCES locales (code) ON DELETE RESTRICT,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    description TEXT,
    UNIQUE (category_id, locale),
    UNIQUE (locale, slug)
);

-- Tags, translated.
CREATE TABLE tags (
    id INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE tag_translations (
    id INTEGER PRIMARY KEY NOT NULL,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    locale TEXT NOT NULL REFERENCES locales (code) ON DELETE RESTRICT,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    UNIQUE (tag_id, locale),
    UNIQUE (locale, slug)
);

-- Bylines, optionally linked to an account; `links` is a JSON array of {label, url}.
CREATE TABLE authors (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    avatar_url TEXT,
    links TEXT NOT NULL DEFAULT '[]',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX authors_user ON authors (user_id);

CREATE TABLE author_bios (
    id INTEGER PRIMARY KEY NOT NULL,
    author_id BIGINT NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    locale TEXT NOT NULL REFERENCES locales (code) ON DELETE RESTRICT,
    bio TEXT NOT NULL,
    UNIQUE (author_id, locale)
);

-- Articles: the locale-independent part.
CREATE TABLE articles (
    id INTEGER PRIMARY KEY NOT NULL,
    category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published', 'archived')),
    published_at TIMESTAMP,
    featured BOOLEAN NOT NULL DEFAULT FALSE,
    comments_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    source_name TEXT,
    source_url TEXT,
    cover_media_id BIGINT,
    source_locale TEXT NOT NULL REFERENCES locales (code) ON DELETE RESTRICT,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- Whether any translation is published: kept with the translations, so that listing and
    -- counting what the public sees needs no look at them.
    has_published_translation BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX articles_listing ON articles (status, has_published_translation, published_at);
CREATE INDEX articles_published_at ON articles (published_at);
CREATE INDEX articles_category ON articles (category_id);
CREATE INDEX articles_created_by ON articles (created_by);

CREATE TABLE article_authors (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES authors (id) ON DELETE RESTRICT,
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_author ON article_authors (author_id);

CREATE TABLE article_tags (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag ON article_tags (tag_id);

-- One translation per locale, each with its own status, slug and version. `search_text` is the
-- title, summary and body lower-cased and transliterated, for accent- and case-insensitive
-- search on both backends. `source_version` is the version of the source-locale translation
-- this one was last saved against.
CREATE TABLE article_translations (
    id INTEGER PRIMARY KEY NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    locale TEXT NOT NULL REFERENCES locales (code) ON DELETE RESTRICT,
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    summary TEXT,
    body TEXT NOT NULL,
    seo_title TEXT,
    seo_description TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    reading_time_minutes INTEGER NOT NULL,
    search_text TEXT NOT NULL,
    source_version BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (article_id, locale),
    UNIQUE (locale, slug)
);
-- Visibility is asked on every public read: a probe of this index answers it, without reading
-- the rows and their bodies.
CREATE INDEX article_translations_visibility ON article_translations (article_id, status, locale);

-- Every slug an article has had per locale, so old links keep resolving.
CREATE TABLE article_slugs (
    id INTEGER PRIMARY KEY NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    slug TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (locale, slug)
);
CREATE INDEX article_slugs_article ON article_slugs (article_id);
CREATE INDEX article_slugs_slug ON article_slugs (slug);

-- The previous state of a translation, kept at every save.
CREATE TABLE article_revisions (
    id INTEGER PRIMARY KEY NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
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
CREATE INDEX article_revisions_article ON article_revisions (article_id, locale);

CREATE TABLE article_corrections (
    id INTEGER PRIMARY KEY NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX article_corrections_article ON article_corrections (article_id);

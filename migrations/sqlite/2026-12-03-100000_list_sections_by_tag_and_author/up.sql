-- Lists by tag, by author and of featured articles become sections too, beside the whole site
-- and each category: one index range per page and a kept total, however large the archive.
-- The tables are made anew; the server rebuilds the read model at start (its shape changed).
DROP TABLE article_view_counts;
DROP TABLE article_view_sections;

-- Each view again under every list it is in, keyed in list order. `kind` says what
-- `section_id` names: 0 a category (0 = the whole site), 1 a tag, 2 an author, 3 the featured
-- articles (section_id 0).
CREATE TABLE article_view_sections (
    locale TEXT NOT NULL,
    kind SMALLINT NOT NULL,
    section_id BIGINT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- Served in the locale asked for, not by a fallback.
    own BOOLEAN NOT NULL,
    PRIMARY KEY (locale, kind, section_id, published_at, article_id)
);
CREATE INDEX article_view_sections_article ON article_view_sections (article_id);

-- Section rows per (locale, kind, section, own), kept with them: a list's total without a count.
CREATE TABLE article_view_counts (
    locale TEXT NOT NULL,
    kind SMALLINT NOT NULL,
    section_id BIGINT NOT NULL,
    own BOOLEAN NOT NULL,
    total BIGINT NOT NULL,
    PRIMARY KEY (locale, kind, section_id, own)
);

DELETE FROM read_model_state;

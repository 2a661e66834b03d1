-- The read model of the delivery API: for every visible article and every site locale a reader
-- may ask for, the article as it is served in that locale (the translation the fallback chain
-- picks, names in that locale) and its card in lists, rewritten in the transaction of every
-- write that changes them. The live counters are kept beside, per article.
CREATE TABLE article_views (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- The locale asked for.
    locale TEXT NOT NULL,
    -- The locale of the translation served (another one on a fallback).
    served_locale TEXT NOT NULL,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    category_id BIGINT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    -- The article's last change, for `-updated_at`.
    updated_at TIMESTAMP NOT NULL,
    featured BOOLEAN NOT NULL,
    -- What the served JSON shows (`Surrogate-Key`): the article, its categories, tags, authors.
    surrogate_keys TEXT NOT NULL,
    -- The card of lists and the whole article, as JSON without the live counters.
    card TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (article_id, locale)
);
CREATE INDEX article_views_newest ON article_views (locale, published_at, article_id);
CREATE INDEX article_views_category ON article_views (locale, category_id, published_at, article_id);
CREATE INDEX article_views_updated ON article_views (locale, updated_at, article_id);
CREATE INDEX article_views_title ON article_views (locale, title, article_id);

-- Each view again under every category it is listed in (its own and each one above it) and
-- under 0 (the whole site), keyed in list order: a list of a category and everything below it
-- is one index range, however large the archive.
CREATE TABLE article_view_sections (
    locale TEXT NOT NULL,
    category_id BIGINT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- Served in the locale asked for, not by a fallback.
    own BOOLEAN NOT NULL,
    PRIMARY KEY (locale, category_id, published_at, article_id)
);
CREATE INDEX article_view_sections_article ON article_view_sections (article_id);

-- Section rows per (locale, category, own), kept with them: a list's total without a count.
CREATE TABLE article_view_counts (
    locale TEXT NOT NULL,
    category_id BIGINT NOT NULL,
    own BOOLEAN NOT NULL,
    total BIGINT NOT NULL,
    PRIMARY KEY (locale, category_id, own)
);

-- Public comments and reactions per article, kept exact by the writes that change them.
CREATE TABLE article_counters (
    article_id BIGINT PRIMARY KEY NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    comment_count BIGINT NOT NULL DEFAULT 0,
    -- Reactions per kind id, as a JSON object.
    reaction_counts TEXT NOT NULL DEFAULT '{}'
);

-- Which shape of the read model the tables hold: a server with another shape rebuilds it.
CREATE TABLE read_model_state (
    id INTEGER PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL
);

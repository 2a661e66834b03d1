-- The search index: one entry per article, page and tag translation and per author and site
-- locale. The `*_terms` columns hold the text as the search analyser leaves it (each word
-- lowercased, stemmed in the entry's language, folded to ASCII), one term per word, so both
-- backends index the same terms; `title`, `summary` and `content` hold the text as written,
-- for results and snippets. Written by the stores in the transaction of the content's write.
CREATE TABLE search_entries (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('article', 'page', 'tag', 'author')),
    subject_id BIGINT NOT NULL,
    locale TEXT NOT NULL,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT,
    content TEXT NOT NULL,
    title_terms TEXT NOT NULL,
    summary_terms TEXT NOT NULL,
    body_terms TEXT NOT NULL,
    title_words TEXT NOT NULL,
    UNIQUE (kind, subject_id, locale)
);
-- What a search filters each match by, without reading the entries' texts: the entry's
-- locale, kind and subject, and whether its article's view is served in that locale now.
CREATE INDEX search_entries_found ON search_entries (id, locale, kind, subject_id);
CREATE INDEX article_views_shown ON article_views (article_id, locale, served_locale, published_at);

-- FTS5 over the terms (weighted title, summary, body in queries) and the title's unstemmed
-- words (prefixes, for suggestions), kept by triggers in the entries' transaction.
CREATE VIRTUAL TABLE search_fts USING fts5(
    title_terms, summary_terms, body_terms, title_words,
    content = 'search_entries', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
CREATE TRIGGER search_entries_inserted AFTER INSERT ON search_entries BEGIN
    INSERT INTO search_fts (rowid, title_terms, summary_terms, body_terms, title_words)
    VALUES (new.id, new.title_terms, new.summary_terms, new.body_terms, new.title_words);
END;
CREATE TRIGGER search_entries_deleted AFTER DELETE ON search_entries BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_terms, summary_terms, body_terms, title_words)
    VALUES ('delete', old.id, old.title_terms, old.summary_terms, old.body_terms, old.title_words);
END;
CREATE TRIGGER search_entries_updated AFTER UPDATE ON search_entries BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_terms, summary_terms, body_terms, title_words)
    VALUES ('delete', old.id, old.title_terms, old.summary_terms, old.body_terms, old.title_words);
    INSERT INTO search_fts (rowid, title_terms, summary_terms, body_terms, title_words)
    VALUES (new.id, new.title_terms, new.summary_terms, new.body_terms, new.title_words);
END;

-- Which analyser built the index: a server with another one rebuilds it at start (the first
-- start after this migration builds it).
CREATE TABLE search_index_state (
    id INTEGER PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL
);

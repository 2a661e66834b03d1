DROP TABLE article_view_counts;
DROP TABLE article_view_sections;

CREATE TABLE article_view_sections (
    locale TEXT NOT NULL,
    category_id BIGINT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    own BOOLEAN NOT NULL,
    PRIMARY KEY (locale, category_id, published_at, article_id)
);
CREATE INDEX article_view_sections_article ON article_view_sections (article_id);

CREATE TABLE article_view_counts (
    locale TEXT NOT NULL,
    category_id BIGINT NOT NULL,
    own BOOLEAN NOT NULL,
    total BIGINT NOT NULL,
    PRIMARY KEY (locale, category_id, own)
);

DELETE FROM read_model_state;

DROP TABLE page_translations;
DROP TABLE pages;
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
INSERT INTO article_revisions (id, article_id, locale, translation_version, title, slug, summary,
                               body, seo_title, seo_description, status, saved_by, created_at)
SELECT id, subject_id, locale, translation_version, title, slug, summary, body, seo_title,
       seo_description, status, saved_by, created_at
FROM revisions WHERE subject = 'article';
DROP TABLE revisions;
CREATE INDEX article_revisions_article ON article_revisions (article_id, locale);

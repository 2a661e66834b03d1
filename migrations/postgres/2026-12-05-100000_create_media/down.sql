ALTER TABLE authors DROP COLUMN avatar_media_id;
DROP INDEX articles_cover;
DROP TABLE article_gallery;
DROP TABLE media_translations;
DROP TABLE media;

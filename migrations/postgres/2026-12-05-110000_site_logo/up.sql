-- The site's logo, from the media library.
ALTER TABLE site_settings ADD COLUMN logo_media_id BIGINT REFERENCES media (id) ON DELETE SET NULL;

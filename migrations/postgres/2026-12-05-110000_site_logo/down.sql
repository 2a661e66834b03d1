ALTER TABLE site_settings DROP COLUMN logo_media_id;

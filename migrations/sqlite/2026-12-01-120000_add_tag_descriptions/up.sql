ALTER TABLE tag_translations ADD COLUMN description TEXT;

ALTER TABLE tag_translations DROP COLUMN description;

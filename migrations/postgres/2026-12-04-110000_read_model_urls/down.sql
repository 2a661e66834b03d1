ALTER TABLE read_model_state DROP COLUMN urls;

-- The site URL and route templates the views' canonical URLs were built with: a server with
-- others rebuilds the read model at start.
ALTER TABLE read_model_state ADD COLUMN urls TEXT NOT NULL DEFAULT '';

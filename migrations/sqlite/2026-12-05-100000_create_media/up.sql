-- The media library: uploaded pictures, stored once per content (by the SHA-256 of the
-- stripped original) with their WebP variants, described per locale.
CREATE TABLE media (
    -- AUTOINCREMENT: a deleted picture's id is never given to another (bodies name ids).
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- SHA-256 of the uploaded bytes: the stored files' address.
    sha256 TEXT NOT NULL,
    -- Type of the stored original: image/jpeg, image/png, image/webp or image/gif.
    mime TEXT NOT NULL,
    file_name TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    credit TEXT,
    -- {x, y} as JSON: where crops should center, as fractions of the width and height.
    focal_point TEXT,
    -- What was made from it, as JSON: {placeholder (ThumbHash, base64), color (#rrggbb),
    -- variants: [{width, height, mime, key}], narrowest first}.
    renditions TEXT NOT NULL,
    -- File name, credit, alt texts and captions, folded (lower case, no accents) for `q`.
    search_text TEXT NOT NULL DEFAULT '',
    uploaded_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX media_sha256 ON media (sha256);
CREATE INDEX media_uploaded_by ON media (uploaded_by, id);

CREATE TABLE media_translations (
    id INTEGER PRIMARY KEY NOT NULL,
    media_id BIGINT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    locale TEXT NOT NULL REFERENCES locales (code) ON DELETE RESTRICT,
    alt TEXT,
    caption TEXT,
    UNIQUE (media_id, locale)
);

-- An article's photo gallery, in order; `captions` is a JSON object of caption by locale.
CREATE TABLE article_gallery (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    media_id BIGINT NOT NULL REFERENCES media (id) ON DELETE RESTRICT,
    captions TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (article_id, position)
);
CREATE INDEX article_gallery_media ON article_gallery (media_id);

CREATE INDEX articles_cover ON articles (cover_media_id);

ALTER TABLE authors ADD COLUMN avatar_media_id BIGINT REFERENCES media (id) ON DELETE SET NULL;

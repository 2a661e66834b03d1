-- What every page's frame shows: one row of settings (social links, contact details) and the
-- site's name, description and copyright line per locale.
CREATE TABLE site_settings (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    -- A JSON array of {network, url}, in the order pages show them.
    social TEXT NOT NULL,
    contact_email TEXT,
    contact_phone TEXT,
    contact_address TEXT,
    version BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO site_settings (id, social, version, updated_at) VALUES (1, '[]', 1, CURRENT_TIMESTAMP);

CREATE TABLE site_setting_translations (
    locale TEXT PRIMARY KEY NOT NULL REFERENCES locales (code) ON DELETE RESTRICT,
    name TEXT NOT NULL,
    description TEXT,
    copyright TEXT
);

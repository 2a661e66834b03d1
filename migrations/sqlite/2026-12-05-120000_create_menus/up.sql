-- Named menus (header, footer…): an ordered tree of items, two levels deep, stored as JSON
-- ([{labels: {fr: …}, kind, target_id?, url?, children: […]}]); targets are resolved when the
-- menu is read, so an item whose target is not visible is left out then.
CREATE TABLE menus (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    items TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

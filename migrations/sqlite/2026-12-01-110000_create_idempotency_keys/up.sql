-- The answers to writes sent with an Idempotency-Key: a retry with the same key within a day
-- gets the first answer back and writes nothing.
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY NOT NULL,
    actor TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (actor, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

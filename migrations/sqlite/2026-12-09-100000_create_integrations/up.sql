-- The outbox: every change the outside may hear of, written in the transaction that makes it.
-- A SQLite database has one writer at a time, so ids commit in order: a reader that
-- sees an id has seen every smaller one that will ever exist. Webhooks and the change feed read it.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_id BIGINT NOT NULL,
    locale TEXT,
    action TEXT NOT NULL CHECK (action IN ('upsert', 'delete', 'none')),
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- How far the events have been handed to the webhook endpoints (one row).
CREATE TABLE event_fanout (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    last_event BIGINT NOT NULL
);
INSERT INTO event_fanout (id, last_event) VALUES (1, 0);

CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    description TEXT NOT NULL,
    from_event BIGINT NOT NULL,
    failing_since TIMESTAMP,
    disabled_reason TEXT,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id BIGINT REFERENCES events (id) ON DELETE SET NULL,
    event_name TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (webhook_id, subject, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id);

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    at TIMESTAMP NOT NULL,
    status_code INTEGER,
    duration_ms BIGINT NOT NULL,
    error TEXT,
    response TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);

-- API keys: only the SHA-256 of the key is kept.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    expires_at TIMESTAMP
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    user_id BIGINT,
    api_key_id BIGINT,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_id TEXT,
    request_id TEXT NOT NULL,
    fields TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_resource ON audit_log (resource, resource_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);

-- What is visible already enters the outbox as upserts, so the change feed starts complete.
INSERT INTO events (name, resource, resource_id, locale, action, data, created_at)
SELECT 'article.published', 'article', article_id, locale, 'upsert',
       '{"id":' || article_id || ',"locale":"' || locale || '"}', strftime('%Y-%m-%d %H:%M:%f', 'now')
FROM article_views WHERE published_at <= strftime('%Y-%m-%d %H:%M:%f', 'now') ORDER BY article_id, locale;
INSERT INTO events (name, resource, resource_id, locale, action, data, created_at)
SELECT 'page.published', 'page', p.id, t.locale, 'upsert',
       '{"id":' || p.id || ',"locale":"' || t.locale || '"}', strftime('%Y-%m-%d %H:%M:%f', 'now')
FROM pages p JOIN page_translations t ON t.page_id = p.id
WHERE p.status = 'published' AND t.status = 'published' ORDER BY p.id, t.locale;
INSERT INTO events (name, resource, resource_id, locale, action, data, created_at)
SELECT 'category.created', 'category', id, NULL, 'upsert', '{"id":' || id || '}', strftime('%Y-%m-%d %H:%M:%f', 'now')
FROM categories ORDER BY id;
INSERT INTO events (name, resource, resource_id, locale, action, data, created_at)
SELECT 'tag.created', 'tag', id, NULL, 'upsert', '{"id":' || id || '}', strftime('%Y-%m-%d %H:%M:%f', 'now')
FROM tags ORDER BY id;
INSERT INTO events (name, resource, resource_id, locale, action, data, created_at)
SELECT 'author.created', 'author', id, NULL, 'upsert', '{"id":' || id || '}', strftime('%Y-%m-%d %H:%M:%f', 'now')
FROM authors ORDER BY id;
INSERT INTO events (name, resource, resource_id, locale, action, data, created_at)
SELECT 'media.created', 'media', id, NULL, 'upsert', '{"id":' || id || '}', strftime('%Y-%m-%d %H:%M:%f', 'now')
FROM media ORDER BY id;
-- Endpoints exist only from now on: what came before is not theirs to hear.
UPDATE event_fanout SET last_event = COALESCE((SELECT max(id) FROM events), 0);

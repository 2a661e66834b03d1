DROP TABLE audit_log;
DROP TABLE api_keys;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE event_fanout;
DROP TABLE events;

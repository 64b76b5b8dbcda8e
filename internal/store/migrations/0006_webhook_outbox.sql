-- Webhook deliveries waiting to be sent (internal/webhook). A row is
-- written when an event happens and deleted once its endpoint accepted it,
-- so deliveries survive restarts (at least once). The table is bounded by
-- the deliverer: beyond its limit the oldest rows are dropped and counted.
-- AUTOINCREMENT: ids are never reused, so id order is the events' order.
CREATE TABLE webhook_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint        TEXT    NOT NULL,           -- the webhook's url
    event           TEXT    NOT NULL,           -- the event's name (call.ended)
    payload         TEXT    NOT NULL,           -- the event as JSON, the request body
    idempotency_key TEXT    NOT NULL UNIQUE,    -- X-Switchboard-Delivery, the same on every retry
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,           -- unix milliseconds
    created_at      INTEGER NOT NULL,           -- unix milliseconds
    last_error      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX webhook_outbox_endpoint ON webhook_outbox (endpoint, id);

-- Webhooks (Greenfield shape). payout_events is the outbox: every payout change already writes its event in the
-- change's own transaction, so an event marked pending here is fanned out to webhooks exactly once, later.
-- Rows from before this migration are marked done (no webhook existed); new rows are pending by default.
-- (SQLite cannot change a column default: add it pending, then mark the existing rows done.)
ALTER TABLE payout_events ADD COLUMN webhooks_pending INTEGER NOT NULL DEFAULT 1;
UPDATE payout_events SET webhooks_pending = 0;
CREATE INDEX payout_events_webhooks_pending ON payout_events (id) WHERE webhooks_pending = 1;

CREATE TABLE webhooks (
    id                      text PRIMARY KEY,
    store_id                text NOT NULL REFERENCES stores (id),
    url                     text NOT NULL,
    -- The HMAC key of BTCPay-Sig; only the create answer shows it.
    secret                  text NOT NULL,
    enabled                 INTEGER NOT NULL,
    automatic_redelivery    INTEGER NOT NULL,
    everything              INTEGER NOT NULL,
    -- JSON array of event type names, used when everything is false.
    specific_events         text NOT NULL,
    created_at_ms           bigint NOT NULL,
    updated_at_ms           bigint NOT NULL
);
CREATE INDEX webhooks_store ON webhooks (store_id, created_at_ms);

-- One row per event per webhook, delivered in seq order per webhook: the next one waits while an earlier one is pending.
CREATE TABLE webhook_deliveries (
    seq                     INTEGER PRIMARY KEY AUTOINCREMENT,
    id                      text NOT NULL UNIQUE,
    webhook_id              text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    store_id                text NOT NULL,
    event_id                bigint NOT NULL,
    event_type              text NOT NULL,
    original_delivery_id    text NULL,
    -- The exact bytes sent on every attempt (UTF-8 JSON), built at fan-out.
    body                    text NOT NULL,
    state                   text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts                integer NOT NULL DEFAULT 0,
    next_attempt_at_ms      bigint NOT NULL,
    -- One node at a time attempts a delivery: it holds the lease until lease_until_ms.
    lease_owner             text NULL,
    lease_until_ms          bigint NULL,
    http_code               integer NULL,
    error_message           text NULL,
    last_attempt_at_ms      bigint NULL,
    created_at_ms           bigint NOT NULL
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, seq) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at_ms);
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at_ms);

-- Every attempt, successful or not.
CREATE TABLE webhook_delivery_attempts (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id             text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    node_id                 text NOT NULL,
    at_ms                   bigint NOT NULL,
    http_code               integer NULL,
    error_message           text NULL,
    duration_ms             bigint NOT NULL
);
CREATE INDEX webhook_delivery_attempts_delivery ON webhook_delivery_attempts (delivery_id, id);

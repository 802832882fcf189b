-- Stores are deleted softly: their payouts stay for audit and for processors that still owe them.
ALTER TABLE stores ADD COLUMN deleted_at_ms bigint NULL;
CREATE INDEX stores_created ON stores (created_at_ms, id) WHERE deleted_at_ms IS NULL;

CREATE INDEX pull_payments_store_created ON pull_payments (store_id, created_at_ms, id);

-- One automated processor per (store, payout method); the lease columns come with the processors issue.
CREATE TABLE processors (
    store_id                        text NOT NULL REFERENCES stores (id),
    payout_method_id                text NOT NULL,
    processor_type                  text NOT NULL,
    interval_seconds                integer NOT NULL CHECK (interval_seconds BETWEEN 1 AND 86400),
    process_new_payouts_instantly   INTEGER NOT NULL,
    threshold                       TEXT NOT NULL,
    fee_block_target                integer NULL CHECK (fee_block_target BETWEEN 1 AND 1000),
    cancel_payout_after_failures    integer NULL,
    created_at_ms                   bigint NOT NULL,
    updated_at_ms                   bigint NOT NULL,
    PRIMARY KEY (store_id, payout_method_id)
);

-- Idempotency-Key records (IETF draft): one per (API key scope, key), replayed byte for byte.
-- A create commits its record in the same transaction as the rows it creates.
CREATE TABLE idempotency_keys (
    scope           text NOT NULL,
    key             text NOT NULL,
    fingerprint     text NOT NULL,
    state           text NOT NULL CHECK (state IN ('running', 'done')),
    lease_until_ms  bigint NOT NULL,
    status_code     integer NULL,
    content_type    text NULL,
    body            BLOB NULL,
    created_at_ms   bigint NOT NULL,
    expires_at_ms   bigint NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at_ms);

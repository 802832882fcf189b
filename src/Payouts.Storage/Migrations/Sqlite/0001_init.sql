-- Times are unix milliseconds; amounts are exact decimal TEXT (SQLite has no exact numeric type; they are never compared in SQL).
CREATE TABLE stores (
    id              text PRIMARY KEY,
    name            text NOT NULL,
    created_at_ms   bigint NOT NULL
);

CREATE TABLE api_keys (
    id              text PRIMARY KEY,
    key_hash        text NOT NULL UNIQUE,
    label           text NOT NULL,
    permissions     text NOT NULL,
    bootstrap       INTEGER NOT NULL DEFAULT 0,
    created_at_ms   bigint NOT NULL,
    revoked_at_ms   bigint NULL
);
-- At most one bootstrap key, however many nodes start at once on an empty database.
CREATE UNIQUE INDEX api_keys_one_bootstrap ON api_keys (bootstrap) WHERE bootstrap = 1;

CREATE TABLE pull_payments (
    id                      text PRIMARY KEY,
    store_id                text NOT NULL REFERENCES stores (id),
    name                    text NOT NULL,
    description             text NOT NULL,
    currency                text NOT NULL,
    amount                  TEXT NOT NULL,
    starts_at_ms            bigint NULL,
    expires_at_ms           bigint NULL,
    archived                INTEGER NOT NULL,
    auto_approve_claims     INTEGER NOT NULL,
    bolt11_expiration_days  integer NOT NULL,
    payout_methods          text NOT NULL,
    minimum_claim           TEXT NOT NULL,
    created_at_ms           bigint NOT NULL
);
CREATE INDEX pull_payments_store ON pull_payments (store_id, created_at_ms);

CREATE TABLE payouts (
    id                  text PRIMARY KEY,
    store_id            text NOT NULL REFERENCES stores (id),
    pull_payment_id     text NULL REFERENCES pull_payments (id),
    payout_method_id    text NOT NULL,
    destination         text NOT NULL,
    original_amount     TEXT NOT NULL,
    original_currency   text NOT NULL,
    payout_currency     text NOT NULL,
    payout_amount       TEXT NULL,
    rate                TEXT NULL,
    state               text NOT NULL CHECK (state IN ('AwaitingApproval', 'AwaitingPayment', 'InProgress', 'Completed', 'Cancelled')),
    revision            integer NOT NULL CHECK (revision >= 0),
    metadata            text NULL,
    payment_proof       text NULL,
    error_count         integer NOT NULL DEFAULT 0,
    created_at_ms       bigint NOT NULL,
    updated_at_ms       bigint NOT NULL,
    -- Past approval a payout always has its amount: nothing can be sent without one.
    CHECK (state IN ('AwaitingApproval', 'Cancelled') OR payout_amount IS NOT NULL)
);
-- One active payout per destination per store, enforced by the database across all nodes
-- (BTCPay checks this in application code, inside one process).
CREATE UNIQUE INDEX payouts_active_destination ON payouts (store_id, destination)
    WHERE state IN ('AwaitingApproval', 'AwaitingPayment', 'InProgress');
CREATE INDEX payouts_store_created ON payouts (store_id, created_at_ms, id);
CREATE INDEX payouts_pull_payment ON payouts (pull_payment_id) WHERE pull_payment_id IS NOT NULL;

CREATE TABLE payout_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    payout_id       text NOT NULL REFERENCES payouts (id),
    store_id        text NOT NULL,
    revision        integer NOT NULL,
    from_state      text NULL,
    to_state        text NOT NULL,
    actor           text NOT NULL,
    processor_auto  INTEGER NOT NULL,
    at_ms           bigint NOT NULL,
    detail          text NULL,
    -- One event per revision: two writers of one revision cannot both commit.
    UNIQUE (payout_id, revision)
);

-- Processor leases: a node holds (store, method) until lease_until_ms, judged by the database clock; epoch grows
-- with every acquisition and fences every claim, so a node that lost its lease cannot claim.
ALTER TABLE processors ADD COLUMN next_run_at_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE processors ADD COLUMN lease_owner text NULL;
ALTER TABLE processors ADD COLUMN lease_until_ms bigint NULL;
ALTER TABLE processors ADD COLUMN epoch bigint NOT NULL DEFAULT 0;
ALTER TABLE processors ADD COLUMN policy text NOT NULL DEFAULT '{}';
-- Set by an approval while processNewPayoutsInstantly: the run after the current one starts at once.
ALTER TABLE processors ADD COLUMN nudged boolean NOT NULL DEFAULT false;
CREATE INDEX processors_due ON processors (next_run_at_ms);

CREATE INDEX payouts_awaiting ON payouts (store_id, payout_method_id, created_at_ms) WHERE state = 'AwaitingPayment';

-- One row per send attempt (a batch); its artifact is committed before any network send.
CREATE TABLE send_attempts (
    id                  text PRIMARY KEY,
    store_id            text NOT NULL REFERENCES stores (id),
    payout_method_id    text NOT NULL,
    epoch               bigint NOT NULL,
    node_id             text NOT NULL,
    state               text NOT NULL CHECK (state IN ('claimed', 'prepared', 'done')),
    artifact            text NULL,
    created_at_ms       bigint NOT NULL,
    updated_at_ms       bigint NOT NULL
);
CREATE INDEX send_attempts_unfinished ON send_attempts (created_at_ms) WHERE state <> 'done';

-- Each payout of an attempt, with its own outcome (a Lightning batch is one payment per payout).
CREATE TABLE send_attempt_payouts (
    attempt_id      text NOT NULL REFERENCES send_attempts (id),
    payout_id       text NOT NULL REFERENCES payouts (id),
    destination     text NOT NULL,
    amount          numeric NOT NULL,
    state           text NOT NULL CHECK (state IN ('claimed', 'prepared', 'sent', 'in_flight', 'unknown', 'succeeded', 'failed')),
    reference       text NULL,
    detail          text NULL,
    updated_at_ms   bigint NOT NULL,
    PRIMARY KEY (attempt_id, payout_id)
);
-- A payout is in at most one live attempt: a new attempt needs every earlier one proven dead.
CREATE UNIQUE INDEX send_attempt_payouts_one_live ON send_attempt_payouts (payout_id)
    WHERE state IN ('claimed', 'prepared', 'sent', 'in_flight', 'unknown');
CREATE INDEX send_attempt_payouts_payout ON send_attempt_payouts (payout_id);

-- The sandbox rail's world: one simulated wallet per (store, method), its transactions (settling after a
-- configured number of blocks) and the ledger of every
-- payout output that left it. The sandbox commits these in its own transactions, like an external system.
CREATE TABLE sandbox_wallets (
    store_id            text NOT NULL,
    payout_method_id    text NOT NULL,
    balance             numeric NOT NULL,
    PRIMARY KEY (store_id, payout_method_id)
);
CREATE TABLE sandbox_transactions (
    reference           text PRIMARY KEY,
    store_id            text NOT NULL,
    payout_method_id    text NOT NULL,
    fee                 numeric NOT NULL,
    state               text NOT NULL CHECK (state IN ('sent', 'in_flight', 'succeeded')),
    sent_at_ms          bigint NOT NULL,
    settles_at_ms       bigint NOT NULL
);
CREATE TABLE sandbox_ledger (
    id                  bigserial PRIMARY KEY,
    payout_id           text NOT NULL,
    store_id            text NOT NULL,
    payout_method_id    text NOT NULL,
    destination         text NOT NULL,
    amount              numeric NOT NULL,
    reference           text NOT NULL,
    sent_at_ms          bigint NOT NULL,
    -- Executing the same artifact twice adds nothing; a payout under two references was paid twice.
    UNIQUE (payout_id, reference)
);
CREATE INDEX sandbox_ledger_store ON sandbox_ledger (store_id, id);

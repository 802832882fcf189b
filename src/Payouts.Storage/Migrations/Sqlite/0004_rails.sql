-- On-chain attempts stay watched after their payouts complete, until they are deeper than a reorg could undo.
-- SQLite cannot alter a CHECK constraint: the table is rebuilt.
CREATE TABLE send_attempt_payouts_new (
    attempt_id      text NOT NULL REFERENCES send_attempts (id),
    payout_id       text NOT NULL REFERENCES payouts (id),
    destination     text NOT NULL,
    amount          TEXT NOT NULL,
    state           text NOT NULL CHECK (state IN ('claimed', 'prepared', 'sent', 'in_flight', 'unknown', 'confirmed', 'succeeded', 'failed')),
    reference       text NULL,
    detail          text NULL,
    updated_at_ms   bigint NOT NULL,
    PRIMARY KEY (attempt_id, payout_id)
);
INSERT INTO send_attempt_payouts_new SELECT attempt_id, payout_id, destination, amount, state, reference, detail, updated_at_ms
FROM send_attempt_payouts;
DROP TABLE send_attempt_payouts;
ALTER TABLE send_attempt_payouts_new RENAME TO send_attempt_payouts;
CREATE UNIQUE INDEX send_attempt_payouts_one_live ON send_attempt_payouts (payout_id)
    WHERE state IN ('claimed', 'prepared', 'sent', 'in_flight', 'unknown');
CREATE INDEX send_attempt_payouts_payout ON send_attempt_payouts (payout_id);

-- A store's rail per payout method (DESIGN §6). No row: the sandbox. The connection string holds credentials:
-- the API and logs only ever show it masked.
CREATE TABLE store_rails (
    store_id            text NOT NULL REFERENCES stores (id),
    payout_method_id    text NOT NULL,
    connection_string   text NOT NULL,
    network             text NULL,
    settings            text NOT NULL DEFAULT '{}',
    created_at_ms       bigint NOT NULL,
    updated_at_ms       bigint NOT NULL,
    PRIMARY KEY (store_id, payout_method_id)
);

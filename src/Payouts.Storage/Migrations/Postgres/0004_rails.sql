-- On-chain attempts stay watched after their payouts complete, until they are deeper than a reorg could undo.
ALTER TABLE send_attempt_payouts DROP CONSTRAINT send_attempt_payouts_state_check;
ALTER TABLE send_attempt_payouts ADD CONSTRAINT send_attempt_payouts_state_check
    CHECK (state IN ('claimed', 'prepared', 'sent', 'in_flight', 'unknown', 'confirmed', 'succeeded', 'failed'));

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

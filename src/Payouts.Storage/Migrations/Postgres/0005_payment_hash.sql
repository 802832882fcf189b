-- A BOLT11 invoice's payment hash can be paid once: two payouts holding one hash would both complete on one
-- payment. One payout per hash per store, unless it was cancelled (a completed one keeps its hash: the invoice is paid).
-- Rows from before this migration have no hash and are not checked.
ALTER TABLE payouts ADD COLUMN payment_hash text NULL;
CREATE UNIQUE INDEX payouts_payment_hash ON payouts (store_id, payment_hash)
    WHERE payment_hash IS NOT NULL AND state <> 'Cancelled';

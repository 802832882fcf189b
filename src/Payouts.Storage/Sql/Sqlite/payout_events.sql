-- name: PayoutEventCreate
INSERT INTO payout_events (payout_id, store_id, revision, from_state, to_state, actor, processor_auto, at_ms, detail)
VALUES (@PayoutId, @StoreId, @Revision, @FromState, @ToState, @Actor, @ProcessorAuto, @AtMs, @Detail);

-- name: PayoutEventList
SELECT payout_id, store_id, revision, from_state, to_state, actor, processor_auto, at_ms, detail
FROM payout_events WHERE payout_id = @PayoutId ORDER BY revision;

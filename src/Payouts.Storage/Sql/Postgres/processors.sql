-- name: ProcessorUpsert
INSERT INTO processors (store_id, payout_method_id, processor_type, interval_seconds, process_new_payouts_instantly,
    threshold, fee_block_target, cancel_payout_after_failures, created_at_ms, updated_at_ms, policy, next_run_at_ms, epoch)
VALUES (@StoreId, @PayoutMethodId, @ProcessorType, @IntervalSeconds, @ProcessNewPayoutsInstantly,
    @Threshold, @FeeBlockTarget, @CancelPayoutAfterFailures, @UpdatedAtMs, @UpdatedAtMs, @Policy, @UpdatedAtMs, @UpdatedAtMs)
-- A processor deleted and created again must not reuse the epochs of its earlier life: it starts at its creation time.
ON CONFLICT (store_id, payout_method_id) DO UPDATE SET
    processor_type = excluded.processor_type,
    interval_seconds = excluded.interval_seconds,
    process_new_payouts_instantly = excluded.process_new_payouts_instantly,
    threshold = excluded.threshold,
    fee_block_target = excluded.fee_block_target,
    cancel_payout_after_failures = excluded.cancel_payout_after_failures,
    policy = excluded.policy,
    -- New settings take effect at once: the next run is due now.
    next_run_at_ms = excluded.next_run_at_ms,
    updated_at_ms = excluded.updated_at_ms;

-- name: ProcessorGet
SELECT store_id, payout_method_id, processor_type, interval_seconds, process_new_payouts_instantly,
    threshold::text AS threshold, fee_block_target, cancel_payout_after_failures, created_at_ms, updated_at_ms, policy, epoch, lease_owner, lease_until_ms
FROM processors WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

-- name: ProcessorList
SELECT store_id, payout_method_id, processor_type, interval_seconds, process_new_payouts_instantly,
    threshold::text AS threshold, fee_block_target, cancel_payout_after_failures, created_at_ms, updated_at_ms, policy, epoch, lease_owner, lease_until_ms
FROM processors WHERE store_id = @StoreId ORDER BY payout_method_id;

-- name: ProcessorDelete
DELETE FROM processors WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

-- name: ProcessorLeaseAcquire
-- Due processors that are free, expired, or already ours; SKIP LOCKED lets nodes share the work without waiting
-- on each other, and the MATERIALIZED CTE locks exactly the rows it picked. The database clock judges expiry.
WITH due AS MATERIALIZED (
    SELECT store_id, payout_method_id FROM processors
    WHERE next_run_at_ms <= COALESCE(CAST(@NowMs AS bigint), (extract(epoch from clock_timestamp()) * 1000)::bigint)
      AND (lease_owner IS NULL OR lease_until_ms <= COALESCE(CAST(@NowMs AS bigint), (extract(epoch from clock_timestamp()) * 1000)::bigint) OR lease_owner = @NodeId)
    ORDER BY next_run_at_ms
    LIMIT @Limit
    FOR UPDATE SKIP LOCKED)
UPDATE processors p
SET lease_owner = @NodeId, lease_until_ms = COALESCE(CAST(@NowMs AS bigint), (extract(epoch from clock_timestamp()) * 1000)::bigint) + @TtlMs, epoch = p.epoch + 1, nudged = false
FROM due
WHERE p.store_id = due.store_id AND p.payout_method_id = due.payout_method_id
RETURNING p.store_id, p.payout_method_id, p.processor_type, p.interval_seconds, p.process_new_payouts_instantly,
    p.threshold::text AS threshold, p.fee_block_target, p.cancel_payout_after_failures, p.created_at_ms, p.updated_at_ms, p.policy,
    p.epoch, p.lease_owner, p.lease_until_ms;

-- name: ProcessorLeaseRelease
UPDATE processors
SET lease_owner = NULL, lease_until_ms = NULL,
    next_run_at_ms = CASE WHEN nudged THEN COALESCE(CAST(@NowMs AS bigint), (extract(epoch from clock_timestamp()) * 1000)::bigint) ELSE COALESCE(CAST(@NowMs AS bigint), (extract(epoch from clock_timestamp()) * 1000)::bigint) + @NextRunInMs END, nudged = false
WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId AND epoch = @Epoch AND lease_owner = @NodeId;

-- name: ProcessorLeaseFence
-- Inside a claim: the lease must still be this epoch's and unexpired. FOR SHARE keeps a taker-over's
-- acquisition (FOR UPDATE) from committing until this transaction ends.
SELECT count(*) FROM (
    SELECT 1 FROM processors
    WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId AND epoch = @Epoch AND lease_owner = @NodeId
      AND lease_until_ms > COALESCE(CAST(@NowMs AS bigint), (extract(epoch from clock_timestamp()) * 1000)::bigint)
    FOR SHARE) fenced;

-- name: ProcessorLeaseIsLive
SELECT count(*) FROM processors
WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId AND epoch = @Epoch AND lease_until_ms > COALESCE(CAST(@NowMs AS bigint), (extract(epoch from clock_timestamp()) * 1000)::bigint);

-- name: ProcessorNudge
UPDATE processors SET nudged = true, next_run_at_ms = LEAST(next_run_at_ms, COALESCE(CAST(@NowMs AS bigint), (extract(epoch from clock_timestamp()) * 1000)::bigint))
WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId AND process_new_payouts_instantly;

-- name: ProcessorCount
SELECT count(*) FROM processors WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

-- name: ProcessorCancelAfterFailures
-- Greenfield's cancelPayoutAfterFailures, read when a send failed because of its payout.
SELECT cancel_payout_after_failures FROM processors WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

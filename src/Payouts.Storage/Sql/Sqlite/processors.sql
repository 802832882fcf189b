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
    threshold, fee_block_target, cancel_payout_after_failures, created_at_ms, updated_at_ms, policy, epoch, lease_owner, lease_until_ms
FROM processors WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

-- name: ProcessorList
SELECT store_id, payout_method_id, processor_type, interval_seconds, process_new_payouts_instantly,
    threshold, fee_block_target, cancel_payout_after_failures, created_at_ms, updated_at_ms, policy, epoch, lease_owner, lease_until_ms
FROM processors WHERE store_id = @StoreId ORDER BY payout_method_id;

-- name: ProcessorDelete
DELETE FROM processors WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

-- name: ProcessorLeaseAcquire
-- One SQLite file serves one node; the write transaction serializes acquisitions.
UPDATE processors
SET lease_owner = @NodeId, lease_until_ms = COALESCE(CAST(@NowMs AS bigint), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) + @TtlMs, epoch = epoch + 1, nudged = 0
WHERE (store_id, payout_method_id) IN (
    SELECT store_id, payout_method_id FROM processors
    WHERE next_run_at_ms <= COALESCE(CAST(@NowMs AS bigint), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
      AND (lease_owner IS NULL OR lease_until_ms <= COALESCE(CAST(@NowMs AS bigint), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) OR lease_owner = @NodeId)
    ORDER BY next_run_at_ms
    LIMIT @Limit)
RETURNING store_id, payout_method_id, processor_type, interval_seconds, process_new_payouts_instantly,
    threshold, fee_block_target, cancel_payout_after_failures, created_at_ms, updated_at_ms, policy, epoch, lease_owner, lease_until_ms;

-- name: ProcessorLeaseRelease
UPDATE processors
SET lease_owner = NULL, lease_until_ms = NULL,
    next_run_at_ms = CASE WHEN nudged THEN COALESCE(CAST(@NowMs AS bigint), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) ELSE COALESCE(CAST(@NowMs AS bigint), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) + @NextRunInMs END, nudged = 0
WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId AND epoch = @Epoch AND lease_owner = @NodeId;

-- name: ProcessorLeaseFence
SELECT count(*) FROM processors
WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId AND epoch = @Epoch AND lease_owner = @NodeId
  AND lease_until_ms > COALESCE(CAST(@NowMs AS bigint), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

-- name: ProcessorLeaseIsLive
SELECT count(*) FROM processors
WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId AND epoch = @Epoch AND lease_until_ms > COALESCE(CAST(@NowMs AS bigint), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

-- name: ProcessorNudge
UPDATE processors SET nudged = 1, next_run_at_ms = MIN(next_run_at_ms, COALESCE(CAST(@NowMs AS bigint), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)))
WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId AND process_new_payouts_instantly = 1;

-- name: ProcessorCount
SELECT count(*) FROM processors WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

-- name: ProcessorCancelAfterFailures
-- Greenfield's cancelPayoutAfterFailures, read when a send failed because of its payout.
SELECT cancel_payout_after_failures FROM processors WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

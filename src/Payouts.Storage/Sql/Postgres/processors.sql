-- name: ProcessorUpsert
INSERT INTO processors (store_id, payout_method_id, processor_type, interval_seconds, process_new_payouts_instantly,
    threshold, fee_block_target, cancel_payout_after_failures, created_at_ms, updated_at_ms)
VALUES (@StoreId, @PayoutMethodId, @ProcessorType, @IntervalSeconds, @ProcessNewPayoutsInstantly,
    @Threshold, @FeeBlockTarget, @CancelPayoutAfterFailures, @UpdatedAtMs, @UpdatedAtMs)
ON CONFLICT (store_id, payout_method_id) DO UPDATE SET
    processor_type = excluded.processor_type,
    interval_seconds = excluded.interval_seconds,
    process_new_payouts_instantly = excluded.process_new_payouts_instantly,
    threshold = excluded.threshold,
    fee_block_target = excluded.fee_block_target,
    cancel_payout_after_failures = excluded.cancel_payout_after_failures,
    updated_at_ms = excluded.updated_at_ms;

-- name: ProcessorGet
SELECT store_id, payout_method_id, processor_type, interval_seconds, process_new_payouts_instantly,
    threshold::text AS threshold, fee_block_target, cancel_payout_after_failures, created_at_ms, updated_at_ms
FROM processors WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

-- name: ProcessorList
SELECT store_id, payout_method_id, processor_type, interval_seconds, process_new_payouts_instantly,
    threshold::text AS threshold, fee_block_target, cancel_payout_after_failures, created_at_ms, updated_at_ms
FROM processors WHERE store_id = @StoreId ORDER BY payout_method_id;

-- name: ProcessorDelete
DELETE FROM processors WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

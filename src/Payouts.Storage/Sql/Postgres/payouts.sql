-- name: PayoutCreate
INSERT INTO payouts (id, store_id, pull_payment_id, payout_method_id, destination, original_amount, original_currency,
    payout_currency, payout_amount, rate, state, revision, metadata, payment_proof, error_count, created_at_ms, updated_at_ms, payment_hash,
    trace_parent)
VALUES (@Id, @StoreId, @PullPaymentId, @PayoutMethodId, @Destination, @OriginalAmount, @OriginalCurrency,
    @PayoutCurrency, @PayoutAmount, @Rate, @State, @Revision, @Metadata, @PaymentProof, @ErrorCount, @CreatedAtMs, @UpdatedAtMs, @PaymentHash,
    @TraceParent);

-- name: PayoutGetById
SELECT id, store_id, pull_payment_id, payout_method_id, destination, original_amount::text AS original_amount,
    original_currency, payout_currency, payout_amount::text AS payout_amount, rate::text AS rate, state, revision,
    metadata, payment_proof, error_count, created_at_ms, updated_at_ms
FROM payouts WHERE id = @Id;

-- name: PayoutTransition
-- The whole concurrency story of a payout command: it applies only if nobody changed the payout since it was read.
UPDATE payouts
SET state = @State, revision = @Revision, payout_amount = @PayoutAmount, rate = @Rate,
    payment_proof = @PaymentProof, error_count = @ErrorCount, updated_at_ms = @UpdatedAtMs
WHERE id = @Id AND revision = @ExpectedRevision AND state = @ExpectedState;

-- name: PayoutClaimedAmounts
SELECT original_amount::text FROM payouts WHERE pull_payment_id = @PullPaymentId AND state <> 'Cancelled';

-- name: PayoutDestinationActiveCount
SELECT count(*) FROM payouts
WHERE store_id = @StoreId AND destination = @Destination AND state IN ('AwaitingApproval', 'AwaitingPayment', 'InProgress');

-- name: PayoutList
-- Newest first, by store or by pull payment; every filter is optional; the cursor is the last
-- (created_at_ms, id) of the previous page, so pages stay stable while payouts are added.
SELECT id, store_id, pull_payment_id, payout_method_id, destination, original_amount::text AS original_amount,
    original_currency, payout_currency, payout_amount::text AS payout_amount, rate::text AS rate, state, revision,
    metadata, payment_proof, error_count, created_at_ms, updated_at_ms
FROM payouts
WHERE (CAST(@StoreId AS text) IS NULL OR store_id = @StoreId)
  AND (CAST(@PullPaymentId AS text) IS NULL OR pull_payment_id = @PullPaymentId)
  AND (CAST(@State AS text) IS NULL OR state = @State)
  AND (@IncludeCancelled OR state <> 'Cancelled')
  AND (CAST(@PayoutMethodId AS text) IS NULL OR payout_method_id = @PayoutMethodId)
  AND (CAST(@CreatedFromMs AS bigint) IS NULL OR created_at_ms >= @CreatedFromMs)
  AND (CAST(@CreatedToMs AS bigint) IS NULL OR created_at_ms < @CreatedToMs)
  AND (CAST(@AfterCreatedAtMs AS bigint) IS NULL OR (created_at_ms, id) < (@AfterCreatedAtMs, @AfterId))
ORDER BY created_at_ms DESC, id DESC
LIMIT @Limit;

-- name: PayoutListUnsentOfPullPayment
-- Archiving cancels what has not started to move; rows are locked so the cancels cannot race a send.
SELECT id, store_id, pull_payment_id, payout_method_id, destination, original_amount::text AS original_amount,
    original_currency, payout_currency, payout_amount::text AS payout_amount, rate::text AS rate, state, revision,
    metadata, payment_proof, error_count, created_at_ms, updated_at_ms
FROM payouts
WHERE pull_payment_id = @PullPaymentId AND state IN ('AwaitingApproval', 'AwaitingPayment')
ORDER BY created_at_ms, id
FOR UPDATE;

-- name: PayoutListWaitingForClaim
-- Oldest first. SKIP LOCKED: payouts another node's claim holds are not waited for; MATERIALIZED makes the
-- lock apply to exactly the rows picked, as River's JobGetAvailable does.
WITH picked AS MATERIALIZED (
    SELECT id FROM payouts
    WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId AND state = 'AwaitingPayment' AND error_count < @ErrorCountMax
    ORDER BY created_at_ms, id
    LIMIT @Limit
    FOR UPDATE SKIP LOCKED)
SELECT p.id, p.store_id, p.pull_payment_id, p.payout_method_id, p.destination, p.original_amount::text AS original_amount,
    p.original_currency, p.payout_currency, p.payout_amount::text AS payout_amount, p.rate::text AS rate, p.state, p.revision,
    p.metadata, p.payment_proof, p.error_count, p.created_at_ms, p.updated_at_ms
FROM payouts p JOIN picked ON picked.id = p.id
ORDER BY p.created_at_ms, p.id;

-- name: PayoutAmountsInAttemptsSince
SELECT ap.amount::text FROM send_attempt_payouts ap JOIN send_attempts a ON a.id = ap.attempt_id
WHERE a.store_id = @StoreId AND a.payout_method_id = @PayoutMethodId AND a.created_at_ms >= @SinceMs AND ap.state <> 'failed';

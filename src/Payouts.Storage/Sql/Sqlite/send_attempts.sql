-- name: AttemptCreate
INSERT INTO send_attempts (id, store_id, payout_method_id, epoch, node_id, state, artifact, created_at_ms, updated_at_ms)
VALUES (@Id, @StoreId, @PayoutMethodId, @Epoch, @NodeId, 'claimed', NULL, @NowMs, @NowMs);

-- name: AttemptPayoutCreate
INSERT INTO send_attempt_payouts (attempt_id, payout_id, destination, amount, state, reference, detail, updated_at_ms)
VALUES (@AttemptId, @PayoutId, @Destination, @Amount, 'claimed', NULL, NULL, @NowMs);

-- name: AttemptSetPrepared
-- Only from claimed: a reconciler that abandoned the attempt first wins, and then nothing may be sent.
UPDATE send_attempts SET state = 'prepared', artifact = @Artifact, updated_at_ms = @NowMs
WHERE id = @Id AND state = 'claimed';

-- name: AttemptAbandon
UPDATE send_attempts SET state = 'done', updated_at_ms = @NowMs WHERE id = @Id AND state = 'claimed';

-- name: AttemptSetDoneIfSettled
UPDATE send_attempts SET state = 'done', updated_at_ms = @NowMs
WHERE id = @Id AND state = 'prepared' AND NOT EXISTS (
    SELECT 1 FROM send_attempt_payouts
    WHERE attempt_id = @Id AND state IN ('claimed', 'prepared', 'sent', 'in_flight', 'unknown', 'confirmed'));

-- name: AttemptPayoutSetState
-- Terminal rows never change again; a late or repeated outcome is ignored. A confirmed row may still change: a reorg.
UPDATE send_attempt_payouts SET state = @State, reference = COALESCE(@Reference, reference), detail = @Detail, updated_at_ms = @NowMs
WHERE attempt_id = @AttemptId AND payout_id = @PayoutId AND state IN ('claimed', 'prepared', 'sent', 'in_flight', 'unknown', 'confirmed');

-- name: AttemptGetById
SELECT id, store_id, payout_method_id, epoch, node_id, state, artifact, created_at_ms FROM send_attempts WHERE id = @Id;

-- name: AttemptListUnfinished
SELECT id, store_id, payout_method_id, epoch, node_id, state, artifact, created_at_ms FROM send_attempts
WHERE state <> 'done' ORDER BY created_at_ms, id LIMIT @Limit;

-- name: AttemptPayoutList
SELECT attempt_id, payout_id, destination, amount, state, reference, detail FROM send_attempt_payouts
WHERE attempt_id = @AttemptId ORDER BY payout_id;

-- name: AttemptPayoutLiveCount
SELECT count(*) FROM send_attempt_payouts
WHERE payout_id = @PayoutId AND state IN ('claimed', 'prepared', 'sent', 'in_flight', 'unknown');

-- name: AttemptReplaceArtifact
-- Compare-and-set: of two reconcilers bumping one attempt, one commits; the other's artifact is never sent.
UPDATE send_attempts SET artifact = @Replacement, updated_at_ms = @NowMs
WHERE id = @Id AND state = 'prepared' AND artifact = @Expected;

-- name: AttemptUnfinishedCount
SELECT count(*) FROM send_attempts WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId AND state <> 'done';

-- name: AttemptPayoutListForRecord
-- Locked in one order: two recorders of one attempt (a run and reconcilers on other nodes) take turns, and each
-- decides on the rows as the other left them, so a stale "sent" never overwrites a confirmation, nor a stale
-- final success a reorg.
SELECT attempt_id, payout_id, destination, amount, state, reference, detail FROM send_attempt_payouts
WHERE attempt_id = @AttemptId ORDER BY payout_id;

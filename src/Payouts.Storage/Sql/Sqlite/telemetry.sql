-- name: TelemetryTraceParents
SELECT id, trace_parent FROM payouts WHERE id IN @Ids AND trace_parent IS NOT NULL;

-- name: TelemetryPayoutCounts
-- The payouts-by-state gauge: one grouped count per sample.
SELECT state, payout_method_id, count(*) AS count FROM payouts GROUP BY state, payout_method_id;

-- name: TelemetryOldestDue
-- Processor lag: the earliest next run of a processor that is due and that no live lease holds (waiting to be picked up).
SELECT min(next_run_at_ms) FROM processors
WHERE next_run_at_ms <= @NowMs AND (lease_owner IS NULL OR lease_until_ms <= @NowMs);

-- name: TelemetryWebhookBacklog
-- The webhook backlog gauge: deliveries not yet delivered or given up.
SELECT count(*) FROM webhook_deliveries WHERE state = 'pending';

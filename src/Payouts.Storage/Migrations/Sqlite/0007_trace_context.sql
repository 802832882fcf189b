-- The W3C traceparent of the request that created the payout (OpenTelemetry): later spans about the payout — claim,
-- prepare, execute, record, on any node — link to it, so one payout's journey can be followed across the cluster.
-- Null for payouts created before this migration or while tracing was off.
ALTER TABLE payouts ADD COLUMN trace_parent text NULL;

-- name: WebhookCreate
INSERT INTO webhooks (id, store_id, url, secret, enabled, automatic_redelivery, everything, specific_events, created_at_ms, updated_at_ms)
VALUES (@Id, @StoreId, @Url, @Secret, @Enabled, @AutomaticRedelivery, @Everything, @SpecificEvents, @CreatedAtMs, @UpdatedAtMs);

-- name: WebhookGet
SELECT id, store_id, url, secret, enabled, automatic_redelivery, everything, specific_events, created_at_ms, updated_at_ms
FROM webhooks WHERE id = @Id AND store_id = @StoreId;

-- name: WebhookList
SELECT id, store_id, url, secret, enabled, automatic_redelivery, everything, specific_events, created_at_ms, updated_at_ms
FROM webhooks WHERE store_id = @StoreId ORDER BY created_at_ms, id;

-- name: WebhookUpdate
UPDATE webhooks SET url = @Url, secret = @Secret, enabled = @Enabled, automatic_redelivery = @AutomaticRedelivery,
    everything = @Everything, specific_events = @SpecificEvents, updated_at_ms = @UpdatedAtMs
WHERE id = @Id AND store_id = @StoreId;

-- name: WebhookDelete
DELETE FROM webhooks WHERE id = @Id AND store_id = @StoreId;

-- name: WebhookListEnabledOfStores
SELECT id, store_id, url, secret, enabled, automatic_redelivery, everything, specific_events, created_at_ms, updated_at_ms
FROM webhooks WHERE enabled = 1 AND store_id IN @StoreIds ORDER BY created_at_ms, id;

-- name: WebhookFanOutTryLock
-- SQLite has one writer: the write transaction already serializes fan-outs.
SELECT 1;

-- name: WebhookOrderLock
-- SQLite: the write transaction is the lock.
SELECT 1;

-- name: PayoutEventListWebhooksPending
SELECT e.id, e.payout_id, e.store_id, p.pull_payment_id, e.from_state, e.to_state, e.at_ms
FROM payout_events e JOIN payouts p ON p.id = e.payout_id
WHERE e.webhooks_pending = 1
ORDER BY e.id
LIMIT @Limit;

-- name: PayoutEventMarkFannedOut
UPDATE payout_events SET webhooks_pending = 0 WHERE id IN @Ids AND webhooks_pending = 1;

-- name: WebhookDeliveryCreate
INSERT INTO webhook_deliveries (id, webhook_id, store_id, event_id, event_type, original_delivery_id, body, state, attempts,
    next_attempt_at_ms, created_at_ms)
VALUES (@Id, @WebhookId, @StoreId, @EventId, @EventType, @OriginalDeliveryId, @Body, 'pending', 0, @NextAttemptAtMs, @CreatedAtMs);

-- name: WebhookDeliveryLease
-- Due deliveries first in line of their (enabled) webhook, not leased by a live node (the write transaction excludes other claimers).
UPDATE webhook_deliveries SET lease_owner = @NodeId, lease_until_ms = @LeaseUntilMs
WHERE seq IN (
    SELECT c.seq FROM webhook_deliveries c JOIN webhooks w ON w.id = c.webhook_id
    WHERE c.state = 'pending' AND w.enabled = 1 AND c.next_attempt_at_ms <= @NowMs
      AND (c.lease_until_ms IS NULL OR c.lease_until_ms <= @NowMs)
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = c.webhook_id AND e.state = 'pending' AND e.seq < c.seq)
    ORDER BY c.seq
    LIMIT @Limit)
RETURNING id;

-- name: WebhookDeliveryGetLeased
SELECT d.id, d.webhook_id, w.url, w.secret, w.automatic_redelivery, d.body, d.attempts
FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
WHERE d.id IN @Ids ORDER BY d.seq;

-- name: WebhookDeliveryRecord
-- Fenced: only the node that leased the delivery at this attempt count moves it on.
UPDATE webhook_deliveries SET state = @State, attempts = attempts + 1, next_attempt_at_ms = @NextAttemptAtMs,
    lease_owner = NULL, lease_until_ms = NULL, http_code = @HttpCode, error_message = @ErrorMessage, last_attempt_at_ms = @AtMs
WHERE id = @Id AND lease_owner = @NodeId AND attempts = @Attempts AND state = 'pending';

-- name: WebhookDeliveryAttemptCreate
INSERT INTO webhook_delivery_attempts (delivery_id, node_id, at_ms, http_code, error_message, duration_ms)
VALUES (@DeliveryId, @NodeId, @AtMs, @HttpCode, @ErrorMessage, @DurationMs);

-- name: WebhookDeliveryList
SELECT id, webhook_id, store_id, event_type, original_delivery_id, body, state, attempts, next_attempt_at_ms, http_code,
    error_message, last_attempt_at_ms, created_at_ms
FROM webhook_deliveries WHERE webhook_id = @WebhookId ORDER BY seq DESC LIMIT @Count;

-- name: WebhookDeliveryGet
SELECT id, webhook_id, store_id, event_type, original_delivery_id, body, state, attempts, next_attempt_at_ms, http_code,
    error_message, last_attempt_at_ms, created_at_ms, event_id
FROM webhook_deliveries WHERE webhook_id = @WebhookId AND id = @Id;

-- name: WebhookDeliveryPurge
DELETE FROM webhook_deliveries WHERE seq IN (
    SELECT seq FROM webhook_deliveries WHERE created_at_ms < @CutoffMs ORDER BY seq LIMIT @Limit);

-- name: PayoutEventAnyWebhooksPending
-- Read before taking the write lock, so an idle dispatcher does not queue behind (or hold up) writers every poll.
SELECT EXISTS (SELECT 1 FROM payout_events WHERE webhooks_pending = 1);

-- name: WebhookDeliveryAnyDue
SELECT EXISTS (SELECT 1 FROM webhook_deliveries
    WHERE state = 'pending' AND next_attempt_at_ms <= @NowMs AND (lease_until_ms IS NULL OR lease_until_ms <= @NowMs));

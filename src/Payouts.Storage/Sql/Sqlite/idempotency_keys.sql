-- name: IdempotencyInsert
INSERT INTO idempotency_keys (scope, key, fingerprint, state, lease_until_ms, created_at_ms, expires_at_ms)
VALUES (@Scope, @Key, @Fingerprint, 'running', @LeaseUntilMs, @NowMs, @ExpiresAtMs)
ON CONFLICT (scope, key) DO NOTHING;

-- name: IdempotencyGet
SELECT scope, key, fingerprint, state, lease_until_ms, status_code, content_type, body, created_at_ms, expires_at_ms
FROM idempotency_keys WHERE scope = @Scope AND key = @Key;

-- name: IdempotencyDeleteExpiredOne
DELETE FROM idempotency_keys WHERE scope = @Scope AND key = @Key AND expires_at_ms <= @NowMs;

-- name: IdempotencyTakeOver
-- The previous holder's lease ran out (its node died mid-request): the new lease fences it out, because a
-- create completes its record in the same transaction only while it still holds the lease it started with.
UPDATE idempotency_keys SET lease_until_ms = @LeaseUntilMs
WHERE scope = @Scope AND key = @Key AND state = 'running' AND lease_until_ms = @ExpiredLeaseUntilMs AND lease_until_ms <= @NowMs;

-- name: IdempotencyComplete
UPDATE idempotency_keys SET state = 'done', status_code = @StatusCode, content_type = @ContentType, body = @Body
WHERE scope = @Scope AND key = @Key AND state = 'running' AND lease_until_ms = @LeaseUntilMs;

-- name: IdempotencyAbandon
DELETE FROM idempotency_keys WHERE scope = @Scope AND key = @Key AND state = 'running' AND lease_until_ms = @LeaseUntilMs;

-- name: IdempotencyDeleteExpired
DELETE FROM idempotency_keys WHERE rowid IN (
    SELECT rowid FROM idempotency_keys WHERE expires_at_ms <= @NowMs LIMIT @Limit);

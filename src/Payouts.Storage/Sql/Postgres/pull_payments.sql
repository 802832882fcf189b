-- name: PullPaymentCreate
INSERT INTO pull_payments (id, store_id, name, description, currency, amount, starts_at_ms, expires_at_ms,
    archived, auto_approve_claims, bolt11_expiration_days, payout_methods, minimum_claim, created_at_ms)
VALUES (@Id, @StoreId, @Name, @Description, @Currency, @Amount, @StartsAtMs, @ExpiresAtMs,
    @Archived, @AutoApproveClaims, @Bolt11ExpirationDays, @PayoutMethods, @MinimumClaim, @CreatedAtMs);

-- name: PullPaymentGetById
SELECT id, store_id, name, description, currency, amount::text AS amount, starts_at_ms, expires_at_ms,
    archived, auto_approve_claims, bolt11_expiration_days, payout_methods, minimum_claim::text AS minimum_claim, created_at_ms
FROM pull_payments WHERE id = @Id;

-- name: PullPaymentGetByIdForClaim
-- The row lock serializes claims against one pull payment across nodes, so two claims cannot both
-- fit in the same remaining balance.
SELECT id, store_id, name, description, currency, amount::text AS amount, starts_at_ms, expires_at_ms,
    archived, auto_approve_claims, bolt11_expiration_days, payout_methods, minimum_claim::text AS minimum_claim, created_at_ms
FROM pull_payments WHERE id = @Id
FOR UPDATE;

-- name: PullPaymentList
SELECT id, store_id, name, description, currency, amount::text AS amount, starts_at_ms, expires_at_ms,
    archived, auto_approve_claims, bolt11_expiration_days, payout_methods, minimum_claim::text AS minimum_claim, created_at_ms
FROM pull_payments
WHERE store_id = @StoreId
  AND (@IncludeArchived OR NOT archived)
  AND (CAST(@CreatedFromMs AS bigint) IS NULL OR created_at_ms >= @CreatedFromMs)
  AND (CAST(@CreatedToMs AS bigint) IS NULL OR created_at_ms < @CreatedToMs)
  AND (CAST(@AfterCreatedAtMs AS bigint) IS NULL OR (created_at_ms, id) < (@AfterCreatedAtMs, @AfterId))
ORDER BY created_at_ms DESC, id DESC
LIMIT @Limit;

-- name: PullPaymentArchive
UPDATE pull_payments SET archived = true WHERE id = @Id AND store_id = @StoreId;

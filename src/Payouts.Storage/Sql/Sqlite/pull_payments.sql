-- name: PullPaymentCreate
INSERT INTO pull_payments (id, store_id, name, description, currency, amount, starts_at_ms, expires_at_ms,
    archived, auto_approve_claims, bolt11_expiration_days, payout_methods, minimum_claim, created_at_ms)
VALUES (@Id, @StoreId, @Name, @Description, @Currency, @Amount, @StartsAtMs, @ExpiresAtMs,
    @Archived, @AutoApproveClaims, @Bolt11ExpirationDays, @PayoutMethods, @MinimumClaim, @CreatedAtMs);

-- name: PullPaymentGetById
SELECT id, store_id, name, description, currency, amount, starts_at_ms, expires_at_ms,
    archived, auto_approve_claims, bolt11_expiration_days, payout_methods, minimum_claim, created_at_ms
FROM pull_payments WHERE id = @Id;

-- name: PullPaymentGetByIdForClaim
-- Claims run in BEGIN IMMEDIATE transactions: SQLite has one writer at a time, which serializes them.
SELECT id, store_id, name, description, currency, amount, starts_at_ms, expires_at_ms,
    archived, auto_approve_claims, bolt11_expiration_days, payout_methods, minimum_claim, created_at_ms
FROM pull_payments WHERE id = @Id;

-- name: SandboxWalletEnsure
INSERT INTO sandbox_wallets (store_id, payout_method_id, balance) VALUES (@StoreId, @PayoutMethodId, @Balance)
ON CONFLICT (store_id, payout_method_id) DO NOTHING;

-- name: SandboxWalletGetForUpdate
-- BEGIN IMMEDIATE holds the only write lock.
SELECT balance FROM sandbox_wallets WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

-- name: SandboxWalletSetBalance
UPDATE sandbox_wallets SET balance = @Balance WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

-- name: SandboxTransactionGet
SELECT reference, state, sent_at_ms, settles_at_ms FROM sandbox_transactions WHERE reference = @Reference;

-- name: SandboxTransactionCreate
INSERT INTO sandbox_transactions (reference, store_id, payout_method_id, fee, state, sent_at_ms, settles_at_ms)
VALUES (@Reference, @StoreId, @PayoutMethodId, @Fee, @State, @SentAtMs, @SettlesAtMs);

-- name: SandboxLedgerCreate
INSERT INTO sandbox_ledger (payout_id, store_id, payout_method_id, destination, amount, reference, sent_at_ms)
VALUES (@PayoutId, @StoreId, @PayoutMethodId, @Destination, @Amount, @Reference, @SentAtMs)
ON CONFLICT (payout_id, reference) DO NOTHING;

-- name: SandboxLedgerList
SELECT id, payout_id, store_id, payout_method_id, destination, amount, reference, sent_at_ms FROM sandbox_ledger
WHERE (CAST(@StoreId AS text) IS NULL OR store_id = @StoreId) AND id > @AfterId
ORDER BY id LIMIT @Limit;

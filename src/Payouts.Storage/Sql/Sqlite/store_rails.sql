-- name: StoreRailGet
SELECT store_id, payout_method_id, connection_string, network, settings, created_at_ms, updated_at_ms FROM store_rails
WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

-- name: StoreRailList
SELECT store_id, payout_method_id, connection_string, network, settings, created_at_ms, updated_at_ms FROM store_rails
WHERE store_id = @StoreId ORDER BY payout_method_id;

-- name: StoreRailUpsert
INSERT INTO store_rails (store_id, payout_method_id, connection_string, network, settings, created_at_ms, updated_at_ms)
VALUES (@StoreId, @PayoutMethodId, @ConnectionString, @Network, @Settings, @CreatedAtMs, @NowMs)
ON CONFLICT (store_id, payout_method_id) DO UPDATE SET connection_string = excluded.connection_string, network = excluded.network,
    settings = excluded.settings, updated_at_ms = excluded.updated_at_ms;

-- name: StoreRailDelete
DELETE FROM store_rails WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

-- name: StoreRailLockProcessor
-- Waits for a claim in progress (which holds the processor row FOR SHARE), so the unfinished-attempt check that
-- follows sees its attempt.
SELECT 1 FROM processors WHERE store_id = @StoreId AND payout_method_id = @PayoutMethodId;

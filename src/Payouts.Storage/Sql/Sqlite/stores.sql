-- name: StoreCreate
INSERT INTO stores (id, name, created_at_ms) VALUES (@Id, @Name, @CreatedAtMs);

-- name: StoreGetById
SELECT id, name, created_at_ms FROM stores WHERE id = @Id AND deleted_at_ms IS NULL;

-- name: StoreList
-- Newest first; the cursor is the last (created_at_ms, id) of the previous page.
SELECT id, name, created_at_ms FROM stores
WHERE deleted_at_ms IS NULL
  AND (CAST(@AfterCreatedAtMs AS bigint) IS NULL OR (created_at_ms, id) < (@AfterCreatedAtMs, @AfterId))
ORDER BY created_at_ms DESC, id DESC
LIMIT @Limit;

-- name: StoreMoneyPendingCount
-- Approved payouts not yet Completed: a store that still owes them cannot be deleted.
SELECT count(*) FROM payouts WHERE store_id = @Id AND state IN ('AwaitingPayment', 'InProgress');

-- name: StoreDelete
UPDATE stores SET deleted_at_ms = @DeletedAtMs WHERE id = @Id AND deleted_at_ms IS NULL;

-- name: StoreGetByIdForUpdate
-- BEGIN IMMEDIATE already excludes every other writer.
SELECT id, name, created_at_ms FROM stores WHERE id = @Id AND deleted_at_ms IS NULL;

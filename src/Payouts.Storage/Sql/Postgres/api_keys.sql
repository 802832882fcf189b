-- name: ApiKeyCreate
INSERT INTO api_keys (id, key_hash, label, permissions, bootstrap, created_at_ms)
VALUES (@Id, @KeyHash, @Label, @Permissions, false, @CreatedAtMs);

-- name: ApiKeyCreateIfNone
-- Racing nodes both see no key; the one-bootstrap unique index lets exactly one insert win.
INSERT INTO api_keys (id, key_hash, label, permissions, bootstrap, created_at_ms)
SELECT @Id, @KeyHash, @Label, @Permissions, true, @CreatedAtMs
WHERE NOT EXISTS (SELECT 1 FROM api_keys)
ON CONFLICT DO NOTHING;

-- name: ApiKeyGetByHash
SELECT id, key_hash, label, permissions, bootstrap, created_at_ms, revoked_at_ms
FROM api_keys WHERE key_hash = @KeyHash;

-- name: ApiKeyGetById
SELECT id, key_hash, label, permissions, bootstrap, created_at_ms, revoked_at_ms FROM api_keys WHERE id = @Id;

-- name: ApiKeyList
SELECT id, key_hash, label, permissions, bootstrap, created_at_ms, revoked_at_ms FROM api_keys
WHERE (CAST(@AfterCreatedAtMs AS bigint) IS NULL OR (created_at_ms, id) < (@AfterCreatedAtMs, @AfterId))
ORDER BY created_at_ms DESC, id DESC
LIMIT @Limit;

-- name: ApiKeyRevoke
UPDATE api_keys SET revoked_at_ms = @RevokedAtMs WHERE id = @Id AND revoked_at_ms IS NULL;

-- name: StoreCreate
INSERT INTO stores (id, name, created_at_ms) VALUES (@Id, @Name, @CreatedAtMs);

-- name: StoreGetById
SELECT id, name, created_at_ms FROM stores WHERE id = @Id;

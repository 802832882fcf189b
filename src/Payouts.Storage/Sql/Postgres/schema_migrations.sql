-- name: MigrationLock
-- Serializes migrations across nodes starting at once; released when the transaction ends.
SELECT pg_advisory_xact_lock(7243019001);

-- name: MigrationTableCreate
CREATE TABLE IF NOT EXISTS schema_migrations (
    version         integer PRIMARY KEY,
    name            text NOT NULL,
    applied_at_ms   bigint NOT NULL
);

-- name: MigrationListApplied
SELECT version FROM schema_migrations ORDER BY version;

-- name: MigrationRecord
INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (@Version, @Name, @AppliedAtMs);

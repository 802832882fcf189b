-- pgbench custom script: the SQL of one API operation (create + approve of a payout), the database ceiling
-- that bench/api-create-approve.sh compares the HTTP node with. One pgbench "transaction" (one run of this
-- script, what pgbench's "tps" counts) = one operation = two SQL transactions:
--
--   1. create:  IdempotencyInsert (running) + PayoutCreate + PayoutEventCreate + IdempotencyComplete (~500-byte body)
--   2. approve: IdempotencyInsert (running) + PayoutTransition (conditional on revision and state)
--               + PayoutEventCreate + IdempotencyComplete
--
-- The statements and columns are those of src/Payouts.Storage/Sql/Postgres/{idempotency_keys,payouts,
-- payout_events}.sql on the schema of src/Payouts.Storage/Migrations/Postgres/*.sql, with the values the node
-- writes for POST /api/v1/stores/{storeId}/payouts {"amount":"0.0001","payoutMethodId":"BTC-CHAIN"} and
-- POST …/payouts/{id} {"revision":0}. It is the *minimum* the API needs: the node also reads (API key, store,
-- payout twice) and commits each idempotency insert, and the approve's answer, on their own — see bench/README.md.
--
-- Needs: a database migrated with the real migrations and the store row 'benchstore000000000001'
-- (bench/api-create-approve.sh sets both up). Values are inlined (pgbench -M simple, its default).
--
-- Uniqueness: payout ids, destinations (the unique partial index payouts_active_destination) and idempotency
-- keys are built from :client_id and a random number in [1, 10^15]; per client a few thousand runs make a
-- collision (which would abort that client) about 10^-8 likely.
--
-- Lengths follow the node's: payout id 22 characters, destination "bcrt1q" + 38, Idempotency-Key 36 (a GUID),
-- scope "key:" + an API key id of 22, fingerprint 64 hex digits, times unix milliseconds from now().

\set r random(1, 1000000000000000)

BEGIN;
INSERT INTO idempotency_keys (scope, key, fingerprint, state, lease_until_ms, created_at_ms, expires_at_ms)
VALUES ('key:benchapikey00000000000', lpad(CAST(:client_id AS text), 2, '0') || '-c-' || lpad(CAST(:r AS text), 31, '0'),
    'a3f1c9e0b4d2f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6', 'running',
    (extract(epoch FROM now()) * 1000)::bigint + 60000, (extract(epoch FROM now()) * 1000)::bigint,
    (extract(epoch FROM now()) * 1000)::bigint + 604800000)
ON CONFLICT (scope, key) DO NOTHING;
INSERT INTO payouts (id, store_id, pull_payment_id, payout_method_id, destination, original_amount, original_currency,
    payout_currency, payout_amount, rate, state, revision, metadata, payment_proof, error_count, created_at_ms, updated_at_ms)
VALUES (lpad(CAST(:client_id AS text), 3, '0') || lpad(CAST(:r AS text), 19, '0'), 'benchstore000000000001', NULL, 'BTC-CHAIN',
    'bcrt1q' || lpad(CAST(:client_id AS text), 4, '0') || lpad(CAST(:r AS text), 34, '0'), 0.0001, 'BTC',
    'BTC', NULL, NULL, 'AwaitingApproval', 0, NULL, NULL, 0, (extract(epoch FROM now()) * 1000)::bigint,
    (extract(epoch FROM now()) * 1000)::bigint);
INSERT INTO payout_events (payout_id, store_id, revision, from_state, to_state, actor, processor_auto, at_ms, detail)
VALUES (lpad(CAST(:client_id AS text), 3, '0') || lpad(CAST(:r AS text), 19, '0'), 'benchstore000000000001', 0, NULL,
    'AwaitingApproval', 'api-key:benchapikey00000000000', false, (extract(epoch FROM now()) * 1000)::bigint, 'created');
UPDATE idempotency_keys SET state = 'done', status_code = 200, content_type = 'application/json; charset=utf-8',
    body = convert_to(repeat('x', 500), 'UTF8')
WHERE scope = 'key:benchapikey00000000000' AND key = lpad(CAST(:client_id AS text), 2, '0') || '-c-' || lpad(CAST(:r AS text), 31, '0')
    AND state = 'running' AND lease_until_ms = (extract(epoch FROM now()) * 1000)::bigint + 60000;
COMMIT;

BEGIN;
INSERT INTO idempotency_keys (scope, key, fingerprint, state, lease_until_ms, created_at_ms, expires_at_ms)
VALUES ('key:benchapikey00000000000', lpad(CAST(:client_id AS text), 2, '0') || '-a-' || lpad(CAST(:r AS text), 31, '0'),
    'b4e2d0f1c5a3e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7', 'running',
    (extract(epoch FROM now()) * 1000)::bigint + 60000, (extract(epoch FROM now()) * 1000)::bigint,
    (extract(epoch FROM now()) * 1000)::bigint + 604800000)
ON CONFLICT (scope, key) DO NOTHING;
UPDATE payouts
SET state = 'AwaitingPayment', revision = 1, payout_amount = 0.0001, rate = 1,
    payment_proof = NULL, error_count = 0, updated_at_ms = (extract(epoch FROM now()) * 1000)::bigint
WHERE id = lpad(CAST(:client_id AS text), 3, '0') || lpad(CAST(:r AS text), 19, '0') AND revision = 0 AND state = 'AwaitingApproval';
INSERT INTO payout_events (payout_id, store_id, revision, from_state, to_state, actor, processor_auto, at_ms, detail)
VALUES (lpad(CAST(:client_id AS text), 3, '0') || lpad(CAST(:r AS text), 19, '0'), 'benchstore000000000001', 1,
    'AwaitingApproval', 'AwaitingPayment', 'api-key:benchapikey00000000000', false, (extract(epoch FROM now()) * 1000)::bigint,
    'approved: 0.0001 BTC at rate 1');
UPDATE idempotency_keys SET state = 'done', status_code = 200, content_type = 'application/json; charset=utf-8',
    body = convert_to(repeat('x', 500), 'UTF8')
WHERE scope = 'key:benchapikey00000000000' AND key = lpad(CAST(:client_id AS text), 2, '0') || '-a-' || lpad(CAST(:r AS text), 31, '0')
    AND state = 'running' AND lease_until_ms = (extract(epoch FROM now()) * 1000)::bigint + 60000;
COMMIT;

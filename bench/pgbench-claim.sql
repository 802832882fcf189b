-- pgbench custom script: the SQL of one processor claim of a batch, the database ceiling that
-- bench/processors-drain.sh compares the nodes' claim rate with. One pgbench "transaction" (one run of this
-- script) = one SQL transaction that claims :batch payouts of one store:
--
--   ProcessorLeaseFence (FOR SHARE on the processor row)
--   PayoutListWaitingForClaim (the MATERIALIZED CTE, FOR UPDATE SKIP LOCKED, LIMIT :batch, full rows returned)
--   PayoutAmountsInAttemptsSince (the daily-limit sum over this store's attempts of the day)
--   AttemptCreate + per payout PayoutTransition (AwaitingPayment → InProgress) + PayoutEventCreate + AttemptPayoutCreate
--
-- The statements, columns and values are those of src/Payouts.Storage/Sql/Postgres/{processors,payouts,
-- payout_events,send_attempts}.sql (SqlSendStore.AttemptClaim) on the schema of the real migrations, but the
-- per-payout writes are set-based: one UPDATE, one INSERT of events and one INSERT of attempt rows for the
-- whole batch (data-modifying CTEs), where the node sends 3 statements per payout. That is the ceiling: the
-- least the claim needs. The row lock is taken by a second MATERIALIZED CTE in the writing statement, exactly
-- as PayoutListWaitingForClaim does; the rows the SELECT before it returned are the ones it locks (each
-- client owns one store, so nothing else takes them in between).
--
-- Needs (bench/processors-drain.sh sets them up): stores 'pgbstore' || lpad(client_id, 4, '0') (0-based), one per
-- client, each with a processors row leased to 'pgbench' at epoch 1 until far in the future, and at least
-- transactions × :batch AwaitingPayment payouts. Set the batch with pgbench -D batch=N. Values inlined
-- (pgbench -M simple, its default).

\set r random(1, 1000000000000000)

BEGIN;
SELECT count(*) FROM (
    SELECT 1 FROM processors
    WHERE store_id = 'pgbstore' || lpad(CAST(:client_id AS text), 4, '0') AND payout_method_id = 'BTC-CHAIN' AND epoch = 1
      AND lease_owner = 'pgbench' AND lease_until_ms > (extract(epoch from clock_timestamp()) * 1000)::bigint
    FOR SHARE) fenced;
WITH picked AS MATERIALIZED (
    SELECT id FROM payouts
    WHERE store_id = 'pgbstore' || lpad(CAST(:client_id AS text), 4, '0') AND payout_method_id = 'BTC-CHAIN'
      AND state = 'AwaitingPayment' AND error_count < 10
    ORDER BY created_at_ms, id
    LIMIT :batch
    FOR UPDATE SKIP LOCKED)
SELECT p.id, p.store_id, p.pull_payment_id, p.payout_method_id, p.destination, p.original_amount::text AS original_amount,
    p.original_currency, p.payout_currency, p.payout_amount::text AS payout_amount, p.rate::text AS rate, p.state, p.revision,
    p.metadata, p.payment_proof, p.error_count, p.created_at_ms, p.updated_at_ms
FROM payouts p JOIN picked ON picked.id = p.id
ORDER BY p.created_at_ms, p.id;
SELECT ap.amount::text FROM send_attempt_payouts ap JOIN send_attempts a ON a.id = ap.attempt_id
WHERE a.store_id = 'pgbstore' || lpad(CAST(:client_id AS text), 4, '0') AND a.payout_method_id = 'BTC-CHAIN'
  AND a.created_at_ms >= (extract(epoch from date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') * 1000)::bigint
  AND ap.state <> 'failed';
WITH picked AS MATERIALIZED (
    SELECT id FROM payouts
    WHERE store_id = 'pgbstore' || lpad(CAST(:client_id AS text), 4, '0') AND payout_method_id = 'BTC-CHAIN'
      AND state = 'AwaitingPayment' AND error_count < 10
    ORDER BY created_at_ms, id
    LIMIT :batch
    FOR UPDATE SKIP LOCKED),
attempt AS (
    INSERT INTO send_attempts (id, store_id, payout_method_id, epoch, node_id, state, artifact, created_at_ms, updated_at_ms)
    VALUES ('a' || lpad(CAST(:client_id AS text), 4, '0') || lpad(CAST(:r AS text), 17, '0'),
        'pgbstore' || lpad(CAST(:client_id AS text), 4, '0'), 'BTC-CHAIN', 1, 'pgbench', 'claimed', NULL,
        (extract(epoch FROM now()) * 1000)::bigint, (extract(epoch FROM now()) * 1000)::bigint)
    RETURNING id),
moved AS (
    UPDATE payouts p
    SET state = 'InProgress', revision = p.revision + 1, payout_amount = p.payout_amount, rate = p.rate,
        payment_proof = NULL, error_count = p.error_count, updated_at_ms = (extract(epoch FROM now()) * 1000)::bigint
    FROM picked
    WHERE p.id = picked.id AND p.state = 'AwaitingPayment'
    RETURNING p.id, p.store_id, p.revision, p.destination, p.payout_amount),
events AS (
    INSERT INTO payout_events (payout_id, store_id, revision, from_state, to_state, actor, processor_auto, at_ms, detail)
    SELECT moved.id, moved.store_id, moved.revision, 'AwaitingPayment', 'InProgress', 'processor:pgbench', true,
        (extract(epoch FROM now()) * 1000)::bigint, 'claimed by attempt ' || attempt.id
    FROM moved, attempt)
INSERT INTO send_attempt_payouts (attempt_id, payout_id, destination, amount, state, reference, detail, updated_at_ms)
SELECT attempt.id, moved.id, moved.destination, moved.payout_amount, 'claimed', NULL, NULL, (extract(epoch FROM now()) * 1000)::bigint
FROM moved, attempt;
COMMIT;

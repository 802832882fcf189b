using System.Data.Common;
using Dapper;
using Payouts.Core;
using Payouts.Core.Idempotency;
using Payouts.Core.Ports;

namespace Payouts.Storage;

/// <summary>Idempotency-Key records. Who holds a key is decided by the primary key and a fenced lease, never by a read-then-write.</summary>
public sealed class SqlIdempotencyStore(Database db) : IIdempotencyStore
{
    /// <summary>Each step either wins or learns why not; a handful of rounds covers a record expiring or being abandoned meanwhile.</summary>
    private const int RoundsMax = 8;

    public async Task<IdempotencyBegin> IdempotencyBegin(string scope, string key, string fingerprint, DateTimeOffset now, CancellationToken ct)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var leaseUntilMs = (now + IdempotencyRules.Lease).ToUnixTimeMilliseconds();
        await using var c = await db.Open(ct);
        for (var round = 0; round < RoundsMax; round++)
        {
            var inserted = await c.ExecuteAsync(Cmd("IdempotencyInsert", new
            {
                Scope = scope, Key = key, Fingerprint = fingerprint, LeaseUntilMs = leaseUntilMs, NowMs = nowMs,
                ExpiresAtMs = (now + IdempotencyRules.Retention).ToUnixTimeMilliseconds(),
            }, ct));
            if (inserted == 1)
                return new IdempotencyBegin.Acquired(leaseUntilMs);

            var row = await c.QuerySingleOrDefaultAsync<IdempotencyRow>(Cmd("IdempotencyGet", new { Scope = scope, Key = key }, ct));
            if (row is null)
                continue; // Abandoned or expired and deleted since our insert: try again.
            var record = row.ToDomain();
            switch (IdempotencyRules.Classify(record, fingerprint, now))
            {
                case IdempotencyStatus.Expired:
                    await c.ExecuteAsync(Cmd("IdempotencyDeleteExpiredOne", new { Scope = scope, Key = key, NowMs = nowMs }, ct));
                    continue;
                case IdempotencyStatus.Mismatch:
                    return new IdempotencyBegin.Mismatch();
                case IdempotencyStatus.Replay:
                    return new IdempotencyBegin.Replay(record);
                case IdempotencyStatus.InFlight:
                    return new IdempotencyBegin.InFlight();
                case IdempotencyStatus.Abandoned:
                    var taken = await c.ExecuteAsync(Cmd("IdempotencyTakeOver", new
                    {
                        Scope = scope, Key = key, LeaseUntilMs = leaseUntilMs, ExpiredLeaseUntilMs = record.LeaseUntilMs, NowMs = nowMs,
                    }, ct));
                    if (taken == 1) return new IdempotencyBegin.Acquired(leaseUntilMs);
                    continue;
                default:
                    throw new InvariantViolationException("unknown idempotency status");
            }
        }
        return new IdempotencyBegin.InFlight();
    }

    public async Task<bool> IdempotencyComplete(IdempotencyCompletion completion, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        return await Complete(db, c, null, completion, ct);
    }

    public async Task IdempotencyAbandon(string scope, string key, long leaseUntilMs, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        await c.ExecuteAsync(Cmd("IdempotencyAbandon", new { Scope = scope, Key = key, LeaseUntilMs = leaseUntilMs }, ct));
    }

    public async Task<int> IdempotencyDeleteExpired(DateTimeOffset now, int limit, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        return await c.ExecuteAsync(Cmd("IdempotencyDeleteExpired", new { NowMs = now.ToUnixTimeMilliseconds(), Limit = limit }, ct));
    }

    /// <summary>Stores the answer if this request still holds the key; used inside a create's own transaction too.</summary>
    internal static async Task<bool> Complete(Database db, DbConnection c, DbTransaction? tx, IdempotencyCompletion completion, CancellationToken ct)
    {
        var updated = await c.ExecuteAsync(new CommandDefinition(db.Sql["IdempotencyComplete"], new
        {
            completion.Scope, completion.Key, completion.LeaseUntilMs, completion.StatusCode, completion.ContentType, completion.Body,
        }, tx, cancellationToken: ct));
        return updated == 1;
    }

    private CommandDefinition Cmd(string name, object args, CancellationToken ct) => new(db.Sql[name], args, cancellationToken: ct);
}

using Dapper;
using Payouts.Core.Telemetry;

namespace Payouts.Storage;

/// <summary><see cref="ITelemetryReads"/> for both engines: small reads on their own connections, outside any send transaction.</summary>
public sealed class SqlTelemetryReads(Database db) : ITelemetryReads, IWebhookBacklog
{
    private const int IdsPerQuery = 1000;

    public async Task<long> Count(CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition(db.Sql["TelemetryWebhookBacklog"], cancellationToken: ct));
    }

    public async Task<IReadOnlyDictionary<string, string>> TraceParents(IReadOnlyCollection<string> payoutIds, CancellationToken ct)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (payoutIds.Count == 0) return found;
        await using var c = await db.Open(ct);
        // Chunks keep SQLite under its bound-parameter limit when a whole reconcile pass asks at once.
        foreach (var chunk in payoutIds.Distinct(StringComparer.Ordinal).Chunk(IdsPerQuery))
            foreach (var (id, traceParent) in await c.QueryAsync<(string Id, string TraceParent)>(
                         new CommandDefinition(db.Sql["TelemetryTraceParents"], new { Ids = chunk }, cancellationToken: ct)))
                found[id] = traceParent;
        return found;
    }

    public async Task<TelemetrySnapshot> Snapshot(DateTimeOffset now, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        var counts = await c.QueryAsync<(string State, string PayoutMethodId, long Count)>(
            new CommandDefinition(db.Sql["TelemetryPayoutCounts"], cancellationToken: ct));
        var oldest = await c.ExecuteScalarAsync<long?>(
            new CommandDefinition(db.Sql["TelemetryOldestDue"], new { NowMs = now.ToUnixTimeMilliseconds() }, cancellationToken: ct));
        return new TelemetrySnapshot(
            counts.Select(r => new PayoutCount(r.State, Method.Parse(r.PayoutMethodId), r.Count)).ToList(),
            oldest is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null);
    }
}

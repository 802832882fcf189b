using Dapper;
using Payouts.Storage;

namespace Payouts.Server.Tests.Support;

/// <summary>Reads the database behind a node directly, to check what HTTP answers cannot show.</summary>
public sealed class DbProbe(string provider, string connectionString)
{
    public sealed record Counts(long Stores, long ApiKeys, long PullPayments, long Payouts, long Events);

    public sealed record EventRow(int Revision, string? FromState, string ToState, string Actor);

    private Database Open() => Database.Create(Database.TryParseProvider(provider, out var p) ? p : throw new ArgumentException(provider), connectionString);

    public async Task<Counts> CountAll()
    {
        await using var db = Open();
        await using var c = await db.Open(default);
        return new Counts(
            await c.ExecuteScalarAsync<long>("SELECT count(*) FROM stores"),
            await c.ExecuteScalarAsync<long>("SELECT count(*) FROM api_keys"),
            await c.ExecuteScalarAsync<long>("SELECT count(*) FROM pull_payments"),
            await c.ExecuteScalarAsync<long>("SELECT count(*) FROM payouts"),
            await c.ExecuteScalarAsync<long>("SELECT count(*) FROM payout_events"));
    }

    public async Task<IReadOnlyList<EventRow>> Events(string payoutId)
    {
        await using var db = Open();
        await using var c = await db.Open(default);
        var rows = await c.QueryAsync<(int, string?, string, string)>(
            "SELECT revision, from_state, to_state, actor FROM payout_events WHERE payout_id = @payoutId ORDER BY revision", new { payoutId });
        return rows.Select(r => new EventRow(r.Item1, r.Item2, r.Item3, r.Item4)).ToList();
    }

    public async Task<(string State, int Revision)> Payout(string payoutId)
    {
        await using var db = Open();
        await using var c = await db.Open(default);
        return await c.QuerySingleAsync<(string, int)>("SELECT state, revision FROM payouts WHERE id = @payoutId", new { payoutId });
    }

    public async Task<IReadOnlyList<(int Version, long AppliedAtMs)>> Migrations()
    {
        await using var db = Open();
        await using var c = await db.Open(default);
        return (await c.QueryAsync<(int, long)>("SELECT version, applied_at_ms FROM schema_migrations ORDER BY version")).ToList();
    }
}

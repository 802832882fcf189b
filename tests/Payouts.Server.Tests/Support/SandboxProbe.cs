using Dapper;
using Payouts.Storage;

namespace Payouts.Server.Tests.Support;

/// <summary>
/// Reads the send protocol's tables behind a node (either engine): attempts per payout, processor leases, event and
/// sandbox transaction times in milliseconds — what the HTTP API does not show.
/// </summary>
public sealed class SandboxProbe(string provider, string connectionString)
{
    /// <summary>One payout's row in one attempt, with its attempt's state, epoch and whether an artifact was committed.</summary>
    public sealed record AttemptRow(string AttemptId, string AttemptState, long Epoch, string NodeId, bool HasArtifact, string RowState,
        string? Reference, string? Detail, long CreatedAtMs);

    /// <summary>A processor row's lease: <see cref="Epoch"/> grows with every acquisition.</summary>
    public sealed record Lease(long Epoch, string? Owner, long NextRunAtMs);

    public sealed record EventRow(int Revision, string? FromState, string ToState, string Actor, long AtMs, string? Detail);

    private Database Open() => Database.Create(Database.TryParseProvider(provider, out var p) ? p : throw new ArgumentException(provider), connectionString);

    /// <summary>Every attempt the payout was part of, oldest first.</summary>
    public async Task<IReadOnlyList<AttemptRow>> Attempts(string payoutId)
    {
        await using var db = Open();
        await using var c = await db.Open(default);
        var rows = await c.QueryAsync<(string, string, long, string, string?, string, string?, string?, long)>(
            """
            SELECT a.id, a.state, a.epoch, a.node_id, a.artifact, p.state, p.reference, p.detail, a.created_at_ms
            FROM send_attempt_payouts p JOIN send_attempts a ON a.id = p.attempt_id
            WHERE p.payout_id = @payoutId ORDER BY a.created_at_ms, a.id
            """, new { payoutId });
        return rows.Select(r => new AttemptRow(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5 is not null, r.Item6, r.Item7, r.Item8, r.Item9)).ToList();
    }

    public async Task<long> UnfinishedAttempts(string storeId)
    {
        await using var db = Open();
        await using var c = await db.Open(default);
        return await c.ExecuteScalarAsync<long>("SELECT count(*) FROM send_attempts WHERE store_id = @storeId AND state <> 'done'", new { storeId });
    }

    public async Task<long> PayoutsInState(string storeId, string state)
    {
        await using var db = Open();
        await using var c = await db.Open(default);
        return await c.ExecuteScalarAsync<long>("SELECT count(*) FROM payouts WHERE store_id = @storeId AND state = @state", new { storeId, state });
    }

    /// <summary>The processor's lease, or null when no processor is configured for (store, method).</summary>
    public async Task<Lease?> ProcessorLease(string storeId, string method)
    {
        await using var db = Open();
        await using var c = await db.Open(default);
        var rows = (await c.QueryAsync<(long, string?, long)>(
            "SELECT epoch, lease_owner, next_run_at_ms FROM processors WHERE store_id = @storeId AND payout_method_id = @method",
            new { storeId, method })).ToList();
        return rows.Count == 0 ? null : new Lease(rows[0].Item1, rows[0].Item2, rows[0].Item3);
    }

    public async Task<IReadOnlyList<EventRow>> Events(string payoutId)
    {
        await using var db = Open();
        await using var c = await db.Open(default);
        var rows = await c.QueryAsync<(int, string?, string, string, long, string?)>(
            "SELECT revision, from_state, to_state, actor, at_ms, detail FROM payout_events WHERE payout_id = @payoutId ORDER BY revision",
            new { payoutId });
        return rows.Select(r => new EventRow(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5, r.Item6)).ToList();
    }

    /// <summary>When the sandbox sent the transaction or payment <paramref name="reference"/>, and when it settles.</summary>
    public async Task<(long SentAtMs, long SettlesAtMs)?> SandboxTransaction(string reference)
    {
        await using var db = Open();
        await using var c = await db.Open(default);
        var rows = (await c.QueryAsync<(long, long)>(
            "SELECT sent_at_ms, settles_at_ms FROM sandbox_transactions WHERE reference = @reference", new { reference })).ToList();
        return rows.Count == 0 ? null : rows[0];
    }
}

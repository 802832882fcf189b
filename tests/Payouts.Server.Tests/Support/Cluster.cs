using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Payouts.Server.Tests.Support;

/// <summary>
/// Node processes on one throwaway PostgreSQL database, configured for processor tests: fast polls, a short lease TTL
/// and a fast sandbox chain. Each node's database sessions carry its node id as <c>application_name</c>, so
/// <see cref="ClusterDb"/> can tell whose backend is waiting on what.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly Dictionary<string, string> _common;
    private readonly string _work;
    private readonly List<NodeProcess> _nodes = [];
    private readonly object _gate = new();

    public string ConnectionString { get; }
    public ClusterDb Db { get; }

    /// <summary>Every node started so far, in start order (killed ones included).</summary>
    public IReadOnlyList<NodeProcess> Nodes { get { lock (_gate) return _nodes.ToList(); } }

    private TestCluster(string connectionString, Dictionary<string, string> common, string work)
    {
        ConnectionString = connectionString;
        _common = common;
        _work = work;
        Db = new ClusterDb(connectionString);
    }

    /// <param name="settings">Overrides of the processor-test defaults, as environment variables.</param>
    public static async Task<TestCluster> Create(IReadOnlyDictionary<string, string>? settings = null)
    {
        var cs = await TestPostgres.CreateDatabaseAsync();
        var common = new Dictionary<string, string>
        {
            ["Payouts__Database__Provider"] = "postgres",
            ["Payouts__BootstrapAdminKey"] = AdminKey.Secret,
            ["Payouts__Processors__PollIntervalMs"] = "100",
            ["Payouts__Processors__LeaseTtlSeconds"] = "3",
            ["Payouts__Processors__ReconcileIntervalSeconds"] = "1",
            ["Payouts__Sandbox__BlockIntervalSeconds"] = "0.3",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) common[k] = v;
        return new TestCluster(cs, common, Directory.CreateTempSubdirectory("payouts-cluster-").FullName);
    }

    /// <summary>Starts a node with <c>Payouts__NodeId</c> = <paramref name="nodeId"/>; <paramref name="settings"/> override the cluster's.</summary>
    public async Task<NodeProcess> Start(string nodeId, IReadOnlyDictionary<string, string>? settings = null)
    {
        var env = new Dictionary<string, string>(_common)
        {
            ["Payouts__NodeId"] = nodeId,
            ["Payouts__Database__ConnectionString"] = new NpgsqlConnectionStringBuilder(ConnectionString) { ApplicationName = nodeId }.ConnectionString,
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) env[k] = v;
        var node = await NodeProcess.Start(env, _work);
        lock (_gate) _nodes.Add(node);
        return node;
    }

    public async Task<NodeProcess[]> StartAll(params string[] nodeIds) => await Task.WhenAll(nodeIds.Select(id => Start(id)));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes) await node.DisposeAsync();
        await Db.DisposeAsync();
    }
}

/// <summary>Processor settings through the Greenfield API.</summary>
public static class Processors
{
    public const string OnChain = "OnChainAutomatedPayoutSenderFactory";
    public const string Lightning = "LightningAutomatedPayoutSenderFactory";
    public const string Chain = "BTC-CHAIN";
    public const string Ln = "BTC-LN";

    public static string FactoryOf(string method) => method == Chain ? OnChain : Lightning;

    /// <param name="settings">The request body; defaults to a 1 s interval that also runs on every approval.</param>
    public static async Task<JsonNode> Enable(HttpClient admin, string storeId, string method, object? settings = null)
    {
        var body = JsonSerializer.Serialize(settings ?? new { intervalSeconds = 1, processNewPayoutsInstantly = true });
        using var response = await admin.PutAsync($"/api/v1/stores/{storeId}/payout-processors/{FactoryOf(method)}/{method}", Http.Json(body));
        return await Http.Expect(response, System.Net.HttpStatusCode.OK);
    }

    public static async Task Disable(HttpClient admin, string storeId, string method)
    {
        using var response = await admin.DeleteAsync($"/api/v1/stores/{storeId}/payout-processors/{FactoryOf(method)}/{method}");
        await Http.Expect(response, System.Net.HttpStatusCode.OK);
    }
}

/// <summary>A payout as the API shows it, reduced to what the money checks compare.</summary>
public sealed record PayoutView(string Id, string State, int Revision, string Method, string Destination, decimal? PayoutAmount)
{
    public static PayoutView From(JsonNode p) => new(
        p["id"]!.GetValue<string>(), p["state"]!.GetValue<string>(), p["revision"]!.GetValue<int>(),
        p["payoutMethodId"]!.GetValue<string>(), p["destination"]!.GetValue<string>(),
        p["payoutAmount"] is { } a ? Money.Parse(a) : null);
}

public static class Money
{
    /// <summary>Amounts travel as decimal strings; accept a JSON number too, so a wire change fails on the check, not here.</summary>
    public static decimal Parse(JsonNode n) => n.GetValueKind() == JsonValueKind.String
        ? decimal.Parse(n.GetValue<string>(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture)
        : n.GetValue<decimal>();

    /// <summary>A BTC amount of <paramref name="sats"/> satoshis as the API's decimal string.</summary>
    public static string Btc(long sats) => (sats / 100_000_000m).ToString("0.00000000", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Waits on a condition with a deadline instead of sleeping a fixed time.</summary>
public static class Wait
{
    public static async Task<T> Until<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, int pollMs = 50) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value) return value;
            if (clock.Elapsed > timeout) throw new TimeoutException($"not within {timeout.TotalSeconds:0.#} s: {what}");
            await Task.Delay(pollMs);
        }
    }

    public static async Task Until(Func<Task<bool>> probe, TimeSpan timeout, string what, int pollMs = 50) =>
        await Until<object>(async () => await probe() ? new object() : null, timeout, what, pollMs);

    /// <summary>Like <see cref="Until(Func{Task{bool}}, TimeSpan, string, int)"/>, but answers false at the deadline, so a test can
    /// check money first and report the missing signal after.</summary>
    public static async Task<bool> For(Func<bool> probe, TimeSpan timeout, int pollMs = 50)
    {
        var clock = Stopwatch.StartNew();
        while (!probe())
        {
            if (clock.Elapsed > timeout) return false;
            await Task.Delay(pollMs);
        }
        return true;
    }
}

/// <summary>
/// Direct reads of the processor and send-protocol tables, and the locks tests use to hold a node at a known step
/// (a sandbox wallet row, a payout row), all through their own connections.
/// </summary>
public sealed class ClusterDb(string connectionString) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "test-probe" }.ConnectionString);

    public sealed record Lease(string? Owner, long? UntilMs, long Epoch, long NowMs)
    {
        public bool HeldBy(string node) => Owner == node && UntilMs > NowMs;
    }

    public sealed record Attempt(string Id, string Method, long Epoch, string NodeId, string State, bool HasArtifact, long CreatedAtMs, IReadOnlyList<string> PayoutIds);

    public async Task<Lease?> LeaseOf(string storeId, string method)
    {
        await using var cmd = _source.CreateCommand("""
            SELECT lease_owner, lease_until_ms, epoch, (extract(epoch from clock_timestamp()) * 1000)::bigint
            FROM processors WHERE store_id = $1 AND payout_method_id = $2
            """);
        cmd.Parameters.AddWithValue(storeId);
        cmd.Parameters.AddWithValue(method);
        await using var r = await cmd.ExecuteReaderAsync();
        if (!await r.ReadAsync()) return null;
        return new Lease(r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetInt64(1), r.GetInt64(2), r.GetInt64(3));
    }

    /// <summary>Makes the lease at <paramref name="epoch"/> run out now by the database clock, as if its holder had stalled past the TTL.</summary>
    public async Task<bool> ExpireLease(string storeId, string method, long epoch)
    {
        await using var cmd = _source.CreateCommand("""
            UPDATE processors SET lease_until_ms = (extract(epoch from clock_timestamp()) * 1000)::bigint
            WHERE store_id = $1 AND payout_method_id = $2 AND epoch = $3 AND lease_owner IS NOT NULL
            """);
        cmd.Parameters.AddWithValue(storeId);
        cmd.Parameters.AddWithValue(method);
        cmd.Parameters.AddWithValue(epoch);
        return await cmd.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>
    /// <see cref="ExpireLease"/>, then the database snapshot right after it committed: an attempt whose transaction is not
    /// visible in that snapshot committed after the lease ended — and, as every claim holds the processor row FOR SHARE from
    /// its fence to its commit (which the ending UPDATE would have waited for), passed its fence after the lease ended.
    /// </summary>
    public async Task<(bool Ended, string SnapshotAfter)> ExpireLeaseAndSnapshot(string storeId, string method, long epoch)
    {
        await using var c = await _source.OpenConnectionAsync();
        await using var update = new NpgsqlCommand("""
            UPDATE processors SET lease_until_ms = (extract(epoch from clock_timestamp()) * 1000)::bigint
            WHERE store_id = $1 AND payout_method_id = $2 AND epoch = $3 AND lease_owner IS NOT NULL
            """, c);
        update.Parameters.AddWithValue(storeId);
        update.Parameters.AddWithValue(method);
        update.Parameters.AddWithValue(epoch);
        var ended = await update.ExecuteNonQueryAsync() == 1;
        await using var snapshot = new NpgsqlCommand("SELECT txid_current_snapshot()::text", c);
        return (ended, (string)(await snapshot.ExecuteScalarAsync())!);
    }

    /// <summary>
    /// The attempts of the store whose claim had committed when <paramref name="snapshot"/> was taken, told by the claim's
    /// own "claimed by attempt …" events (attempt rows are updated later, so their xmin is not the claim's). Only on a cluster
    /// without the webhooks role: a webhook fan-out marks each event fanned out (migration 0006), which gives it a new xmin.
    /// </summary>
    public async Task<IReadOnlySet<string>> AttemptsClaimedBefore(string storeId, string snapshot)
    {
        await using var cmd = _source.CreateCommand("""
            SELECT DISTINCT substring(detail from 'claimed by attempt (.*)$') FROM payout_events
            WHERE store_id = $1 AND detail LIKE 'claimed by attempt %' AND txid_visible_in_snapshot(xmin::text::bigint, $2::txid_snapshot)
            """);
        cmd.Parameters.AddWithValue(storeId);
        cmd.Parameters.AddWithValue(snapshot);
        await using var r = await cmd.ExecuteReaderAsync();
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (await r.ReadAsync()) set.Add(r.GetString(0));
        return set;
    }

    public async Task<IReadOnlyList<Attempt>> Attempts(string storeId)
    {
        await using var cmd = _source.CreateCommand("""
            SELECT a.id, a.payout_method_id, a.epoch, a.node_id, a.state, a.artifact IS NOT NULL, a.created_at_ms,
                   COALESCE(array_agg(p.payout_id ORDER BY p.payout_id) FILTER (WHERE p.payout_id IS NOT NULL), '{}')
            FROM send_attempts a LEFT JOIN send_attempt_payouts p ON p.attempt_id = a.id
            WHERE a.store_id = $1
            GROUP BY a.id ORDER BY a.created_at_ms, a.id
            """);
        cmd.Parameters.AddWithValue(storeId);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<Attempt>();
        while (await r.ReadAsync())
            list.Add(new Attempt(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetString(3), r.GetString(4), r.GetBoolean(5), r.GetInt64(6),
                r.GetFieldValue<string[]>(7)));
        return list;
    }

    /// <summary>The <c>application_name</c>s (node ids) of backends now waiting for a lock.</summary>
    public async Task<IReadOnlyList<string>> LockWaiters() => (await LockWaitingStatements()).Select(w => w.Node).ToList();

    /// <summary>Backends now waiting for a lock: whose (<c>application_name</c>) and the statement that waits.</summary>
    public async Task<IReadOnlyList<(string Node, string Statement)>> LockWaitingStatements()
    {
        await using var cmd = _source.CreateCommand("""
            SELECT application_name, query FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
            """);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<(string, string)>();
        while (await r.ReadAsync()) list.Add((r.GetString(0), r.GetString(1)));
        return list;
    }

    /// <summary>Holds the sandbox wallet row of (store, method) FOR UPDATE: a processor run then stops inside its Prepare
    /// step (the balance read), after its claim committed and while it holds the lease.</summary>
    public Task<HeldLock> LockWallet(string storeId, string method) =>
        Hold("SELECT balance FROM sandbox_wallets WHERE store_id = $1 AND payout_method_id = $2 FOR UPDATE", expectRow: true, storeId, method);

    /// <summary>Holds one payout row: a run that records an outcome for it (step 4) stops there, inside its transaction.</summary>
    public Task<HeldLock> LockPayout(string payoutId) => Hold("SELECT id FROM payouts WHERE id = $1 FOR UPDATE", expectRow: true, payoutId);

    private async Task<HeldLock> Hold(string sql, bool expectRow, params string[] args)
    {
        var c = await _source.OpenConnectionAsync();
        var tx = await c.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand(sql, c, tx))
        {
            foreach (var a in args) cmd.Parameters.AddWithValue(a);
            await using var r = await cmd.ExecuteReaderAsync();
            if (expectRow && !await r.ReadAsync())
                throw new InvalidOperationException($"nothing to lock: {sql}");
        }
        return new HeldLock(c, tx);
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    /// <summary>A lock held in an open transaction until <see cref="Release"/> (a rollback).</summary>
    public sealed class HeldLock(NpgsqlConnection connection, NpgsqlTransaction tx) : IAsyncDisposable
    {
        private bool _released;

        public async Task Release()
        {
            if (_released) return;
            _released = true;
            await tx.RollbackAsync();
            await tx.DisposeAsync();
            await connection.DisposeAsync();
        }

        public async ValueTask DisposeAsync() => await Release();
    }
}

using Payouts.Contracts;
using Payouts.Core.Sending;
using Payouts.Storage.Tests.Support;

namespace Payouts.Storage.Tests;

/// <summary>
/// The sandbox rail's simulated wallet on both engines. Its ledger is the checker of the cluster tests ("each payout
/// left the wallet once"), so a repeated send of one reference must never write twice, not even when many nodes
/// send it at the same instant.
/// </summary>
public abstract class SandboxStoreTests : EngineTestBase
{
    private static readonly PayoutMethodId Chain = PayoutMethodId.BtcChain;
    private const decimal Initial = 10m;

    private async Task<(SqlSandboxStore Sandbox, string ConnectionString)> NewSandboxAsync()
    {
        var (db, connectionString) = await NewDatabaseAsync();
        // Dapper's snake_case column mapping is a process-wide switch that only SqlPayoutsStore's static constructor
        // turns on; SqlSandboxStore relies on it without setting it (a node turns it on at start-up, through
        // NodeInitializer). Without this line, run alone, rows map to defaults: empty ids, times in 1970.
        _ = new SqlPayoutsStore(db);
        return (new SqlSandboxStore(db), connectionString);
    }

    private static SandboxSend Send(string reference, string storeId = "s1", decimal fee = 0.001m, PayoutMethodId? method = null,
        params (string PayoutId, decimal Amount)[] outputs) =>
        new(reference, storeId, method ?? Chain, fee,
            outputs.Select(o => new SandboxOutput(o.PayoutId, Addresses.For(o.PayoutId), o.Amount)).ToList(),
            "sent", T0, T0.AddSeconds(2), Initial);

    [StoreFact]
    public async Task SendDebitsOutputsPlusFeeAndWritesOneLedgerEntryPerOutput()
    {
        var (sandbox, _) = await NewSandboxAsync();

        var result = await sandbox.SandboxSend(Send("tx1", outputs: [("p1", 1.5m), ("p2", 2.25m)]), Ct);

        Assert.Equal(SandboxSendResult.Sent, result);
        Assert.Equal(Initial - 1.5m - 2.25m - 0.001m, await sandbox.SandboxBalance("s1", Chain, Initial, Ct));
        var ledger = await sandbox.SandboxLedgerList("s1", 0, 100, Ct);
        Assert.Equal(
            [
                ("p1", "s1", Chain, Addresses.For("p1"), 1.5m, "tx1", T0),
                ("p2", "s1", Chain, Addresses.For("p2"), 2.25m, "tx1", T0),
            ],
            ledger.Select(e => (e.PayoutId, e.StoreId, e.Method, e.Destination, e.Amount, e.Reference, e.SentAt)));
        Assert.True(ledger[0].Id < ledger[1].Id);
        Assert.Equal(new SandboxTransaction("tx1", "sent", T0, T0.AddSeconds(2)), await sandbox.SandboxTransactionGet("tx1", Ct));
    }

    [StoreFact]
    public async Task SameReferenceAgainIsAlreadySentAndChangesNothing()
    {
        var (sandbox, _) = await NewSandboxAsync();
        await sandbox.SandboxSend(Send("tx1", outputs: [("p1", 1m)]), Ct);
        var balance = await sandbox.SandboxBalance("s1", Chain, Initial, Ct);

        // Even with other outputs: the reference is what makes it the same transaction.
        var again = await sandbox.SandboxSend(Send("tx1", fee: 0.5m, outputs: [("p1", 1m), ("p9", 3m)]), Ct);

        Assert.Equal(SandboxSendResult.AlreadySent, again);
        Assert.Equal(balance, await sandbox.SandboxBalance("s1", Chain, Initial, Ct));
        Assert.Equal(["p1"], (await sandbox.SandboxLedgerList(null, 0, 100, Ct)).Select(e => e.PayoutId));
    }

    [StoreFact]
    public async Task InsufficientFundsWritesNothing()
    {
        var (sandbox, _) = await NewSandboxAsync();

        // 9.9995 + 0.001 fee is just over 10.
        var result = await sandbox.SandboxSend(Send("tx1", outputs: [("p1", 5m), ("p2", 4.9995m)]), Ct);

        Assert.Equal(SandboxSendResult.InsufficientFunds, result);
        Assert.Equal(Initial, await sandbox.SandboxBalance("s1", Chain, Initial, Ct));
        Assert.Empty(await sandbox.SandboxLedgerList(null, 0, 100, Ct));
        Assert.Null(await sandbox.SandboxTransactionGet("tx1", Ct));
        // The refusal is not remembered: once it fits, the same reference can be sent.
        Assert.Equal(SandboxSendResult.Sent, await sandbox.SandboxSend(Send("tx1", outputs: [("p1", 5m)]), Ct));
    }

    [StoreFact]
    public async Task TheWholeBalanceMayBeSpent()
    {
        var (sandbox, _) = await NewSandboxAsync();

        Assert.Equal(SandboxSendResult.Sent, await sandbox.SandboxSend(Send("tx1", outputs: [("p1", 9.999m)]), Ct));

        Assert.Equal(0m, await sandbox.SandboxBalance("s1", Chain, Initial, Ct));
        Assert.Equal(SandboxSendResult.InsufficientFunds, await sandbox.SandboxSend(Send("tx2", fee: 0m, outputs: [("p2", 0.00000001m)]), Ct));
    }

    [StoreFact]
    public async Task WalletsAreSeparatePerStoreAndMethodAndStartOnce()
    {
        var (sandbox, _) = await NewSandboxAsync();
        await sandbox.SandboxSend(Send("tx1", outputs: [("p1", 1m)]), Ct);

        Assert.Equal(Initial, await sandbox.SandboxBalance("s2", Chain, Initial, Ct));
        Assert.Equal(Initial, await sandbox.SandboxBalance("s1", PayoutMethodId.BtcLightning, Initial, Ct));
        // The initial balance applies when the wallet is made, not on every read.
        Assert.Equal(Initial - 1.001m, await sandbox.SandboxBalance("s1", Chain, 500m, Ct));
    }

    [StoreFact]
    public async Task ConcurrentSendsOfOneReferenceWriteOneLedgerSet()
    {
        // Goal: 16 nodes re-broadcasting the same artifact at once move the money once. How: 16 stores on their own
        // pools send the same reference together; exactly one may answer Sent, and the ledger and balance show one send.
        var (sandbox, connectionString) = await NewSandboxAsync();
        var nodes = Enumerable.Range(0, 16).Select(_ => new SqlSandboxStore(Connect(connectionString))).ToList();
        var send = Send("tx1", outputs: [("p1", 1m), ("p2", 2m)]);

        var results = await RunTogether(nodes.Select<SqlSandboxStore, Func<Task<SandboxSendResult>>>(node => () => node.SandboxSend(send, Ct)));

        Assert.Single(results, r => r == SandboxSendResult.Sent);
        Assert.Equal(15, results.Count(r => r == SandboxSendResult.AlreadySent));
        Assert.Equal(["p1", "p2"], (await sandbox.SandboxLedgerList(null, 0, 100, Ct)).Select(e => e.PayoutId));
        Assert.Equal(Initial - 3.001m, await sandbox.SandboxBalance("s1", Chain, Initial, Ct));
    }

    [StoreFact]
    public async Task ConcurrentSendsOfDifferentReferencesNeverOverdraw()
    {
        var (sandbox, connectionString) = await NewSandboxAsync();
        var nodes = Enumerable.Range(0, 8).Select(_ => new SqlSandboxStore(Connect(connectionString))).ToList();

        // 8 sends of 3 (plus fee) against 10: three fit.
        var results = await RunTogether(nodes.Select<SqlSandboxStore, Func<Task<SandboxSendResult>>>((node, i) => () =>
            node.SandboxSend(Send($"tx{i}", outputs: [($"p{i}", 3m)]), Ct)));

        Assert.Equal(3, results.Count(r => r == SandboxSendResult.Sent));
        Assert.Equal(5, results.Count(r => r == SandboxSendResult.InsufficientFunds));
        Assert.Equal(Initial - 3 * 3.001m, await sandbox.SandboxBalance("s1", Chain, Initial, Ct));
        Assert.Equal(3, (await sandbox.SandboxLedgerList(null, 0, 100, Ct)).Count);
    }

    [StoreFact]
    public async Task LedgerListFiltersByStoreAndPagesAfterAnId()
    {
        var (sandbox, _) = await NewSandboxAsync();
        await sandbox.SandboxSend(Send("a1", "s1", outputs: [("s1-p1", 1m), ("s1-p2", 1m)]), Ct);
        await sandbox.SandboxSend(Send("b1", "s2", outputs: [("s2-p1", 1m)]), Ct);
        await sandbox.SandboxSend(Send("a2", "s1", outputs: [("s1-p3", 1m)]), Ct);

        var all = await sandbox.SandboxLedgerList(null, 0, 100, Ct);
        Assert.Equal(["s1-p1", "s1-p2", "s2-p1", "s1-p3"], all.Select(e => e.PayoutId));
        Assert.Equal(all.Select(e => e.Id).Order(), all.Select(e => e.Id));

        var s1 = await sandbox.SandboxLedgerList("s1", 0, 100, Ct);
        Assert.Equal(["s1-p1", "s1-p2", "s1-p3"], s1.Select(e => e.PayoutId));
        Assert.Equal(["s2-p1"], (await sandbox.SandboxLedgerList("s2", 0, 100, Ct)).Select(e => e.PayoutId));
        Assert.Empty(await sandbox.SandboxLedgerList("s3", 0, 100, Ct));

        // Pages of two, each starting after the last id of the one before.
        var page1 = await sandbox.SandboxLedgerList("s1", 0, 2, Ct);
        var page2 = await sandbox.SandboxLedgerList("s1", page1[^1].Id, 2, Ct);
        var page3 = await sandbox.SandboxLedgerList("s1", page2[^1].Id, 2, Ct);
        Assert.Equal(["s1-p1", "s1-p2"], page1.Select(e => e.PayoutId));
        Assert.Equal(["s1-p3"], page2.Select(e => e.PayoutId));
        Assert.Empty(page3);
        Assert.Equal(["s2-p1", "s1-p3"], (await sandbox.SandboxLedgerList(null, all[1].Id, 100, Ct)).Select(e => e.PayoutId));
    }

    [StoreFact]
    public async Task UnknownReferenceHasNoTransaction()
    {
        var (sandbox, _) = await NewSandboxAsync();

        Assert.Null(await sandbox.SandboxTransactionGet("nope", Ct));
    }

    [StoreFact]
    public async Task AmountsAndTimesSurviveExactly()
    {
        var (sandbox, _) = await NewSandboxAsync();
        var send = Send("ln1", method: PayoutMethodId.BtcLightning, fee: 0.00000000001m, outputs: [("p1", 0.12345678901m)]) with
        {
            State = "in_flight",
            SentAt = T0,
            SettlesAt = T0.AddMinutes(2).AddMilliseconds(7),
        };

        await sandbox.SandboxSend(send, Ct);

        Assert.Equal(new SandboxTransaction("ln1", "in_flight", T0, T0.AddMinutes(2).AddMilliseconds(7)), await sandbox.SandboxTransactionGet("ln1", Ct));
        var entry = Assert.Single(await sandbox.SandboxLedgerList(null, 0, 10, Ct));
        Assert.Equal(0.12345678901m, entry.Amount);
        Assert.Equal(PayoutMethodId.BtcLightning, entry.Method);
        Assert.Equal(Initial - 0.12345678902m, await sandbox.SandboxBalance("s1", PayoutMethodId.BtcLightning, Initial, Ct));
    }
}

/// <summary>The sandbox store suite on SQLite.</summary>
public sealed class SqliteSandboxStoreTests : SandboxStoreTests
{
    private readonly SqliteEngine _engine = new();
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override Task<string> CreateEmptyDatabaseAsync() => _engine.CreateAsync();
    protected override Task DeleteDatabasesAsync() => _engine.DeleteAsync();
}

/// <summary>The sandbox store suite on PostgreSQL.</summary>
[UsesPostgres]
public sealed class PostgresSandboxStoreTests : SandboxStoreTests
{
    private readonly PostgresEngine _engine = new();
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;
    protected override Task<string> CreateEmptyDatabaseAsync() => _engine.CreateAsync(Ct);
    protected override Task DeleteDatabasesAsync() => _engine.DeleteAsync();
}

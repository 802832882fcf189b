using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Payouts.Server.Tests.Support;
using Payouts.Simulators.Bitcoind;

namespace Payouts.Server.Tests.Bitcoin;

/// <summary>
/// The wall clock moved forward on demand: <see cref="GetUtcNow"/> is the system's time plus <see cref="Advance"/>d
/// offsets, while timers and timestamps stay real, so the node's loops keep their pace. Leases and due runs are decided
/// by the database's own clock, so they are unaffected.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

/// <summary>
/// The real pipeline in-process on its own SQLite file with <see cref="SandboxSettings.Fast"/> processor timing and a
/// <see cref="ShiftedClock"/> as the node's <see cref="TimeProvider"/>.
/// </summary>
public sealed class BitcoinNode : WebApplicationFactory<Program>
{
    private readonly string _directory = Directory.CreateTempSubdirectory("payouts-btc-").FullName;
    private readonly IReadOnlyDictionary<string, string> _extra;

    /// <param name="extra">Settings on top of <see cref="SandboxSettings.Fast"/> and <see cref="Defaults"/>.</param>
    public BitcoinNode(IReadOnlyDictionary<string, string>? extra = null) => _extra = extra ?? new Dictionary<string, string>();

    /// <summary>
    /// A run may take half the lease TTL before it is cancelled; Fast's 3 s leaves 1.5 s, which a cold first run of the
    /// PSBT flow on a loaded 2-core machine can exceed. 10 s keeps these tests about the chain, not the machine's speed.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } = new Dictionary<string, string>
    {
        ["Payouts:Processors:LeaseTtlSeconds"] = "10",
    };

    public ShiftedClock Clock { get; } = new();

    public string ConnectionString => $"Data Source={Path.Combine(_directory, "payouts.db")}";

    public HttpClient Admin()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("Authorization", $"token {AdminKey.Secret}");
        return client;
    }

    public SandboxProbe Probe() => new("sqlite", ConnectionString);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Payouts:Database:Provider", "sqlite");
        builder.UseSetting("Payouts:Database:ConnectionString", ConnectionString);
        builder.UseSetting("Payouts:BootstrapAdminKey", AdminKey.Secret);
        builder.UseSetting("Payouts:NodeId", "btc-node");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (k, v) in SandboxSettings.Fast) builder.UseSetting(k, v);
        foreach (var (k, v) in Defaults) builder.UseSetting(k, v);
        foreach (var (k, v) in _extra) builder.UseSetting(k, v);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Helpers for stores whose on-chain payouts leave from a <see cref="BitcoindSimulator"/> wallet.</summary>
public static class OnChain
{
    public const string Wallet = "store1";
    public const string Method = "BTC-CHAIN";
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static string ConnectionString(BitcoindSimulator sim, string wallet = Wallet, string? user = null, string? password = null, Uri? server = null) =>
        $"type=bitcoind;server={(server ?? sim.Url).ToString().TrimEnd('/')};user={user ?? sim.RpcUser};password={password ?? sim.RpcPassword};wallet={wallet}";

    public static string RailBody(string connectionString, string network = "regtest", int feeBumpAfterMinutes = 60) =>
        JsonSerializer.Serialize(new { connectionString, network, minConfirmations = 1, finalConfirmations = 6, feeBumpAfterMinutes });

    public static async Task ConfigureRail(HttpClient c, string storeId, BitcoindSimulator sim, int feeBumpAfterMinutes = 60) =>
        await Http.Expect(await c.PutAsync($"/api/v1/stores/{storeId}/rails/{Method}", Http.Json(RailBody(ConnectionString(sim), "regtest", feeBumpAfterMinutes))),
            HttpStatusCode.OK);

    public static async Task PutProcessor(HttpClient c, string storeId, int intervalSeconds = 1)
    {
        var body = JsonSerializer.Serialize(new { intervalSeconds, processNewPayoutsInstantly = true, feeTargetBlock = 2, feeRateSatPerVbyteFallback = 5 });
        await Http.Expect(await c.PutAsync(SandboxHttp.ProcessorPath(storeId, Method), Http.Json(body)), HttpStatusCode.OK);
    }

    public sealed record Planned(string Id, string Address, decimal Amount)
    {
        public long Sats => (long)(Amount * 100_000_000m);
    }

    /// <summary>Approved payouts to <see cref="Http.Address"/>(first..), one per amount.</summary>
    public static async Task<List<Planned>> CreateApproved(HttpClient c, string storeId, int first, params decimal[] amounts)
    {
        var planned = new List<Planned>();
        for (var i = 0; i < amounts.Length; i++)
        {
            var amount = amounts[i].ToString(CultureInfo.InvariantCulture);
            var id = await SandboxHttp.CreateApproved(c, storeId, Method, first + i, amount);
            planned.Add(new Planned(id, Http.Address(first + i), amounts[i]));
        }
        return planned;
    }

    /// <summary>Waits until one transaction in the mempool pays every payout exactly, and returns its txid.</summary>
    public static async Task<string> WaitForMempoolTx(BitcoindSimulator sim, IReadOnlyCollection<Planned> payouts, TimeSpan? timeout = null, string? other = null)
    {
        string? found = null;
        await SandboxHttp.WaitUntil(() =>
            {
                var txids = payouts.Select(p => sim.PaymentsTo(p.Address).Where(x => x.InMempool && x.AmountSats == p.Sats && x.Txid != other)
                    .Select(x => x.Txid).ToHashSet()).ToList();
                var common = txids.Aggregate((a, b) => a.Intersect(b).ToHashSet());
                found = common.Count == 1 ? common.Single() : null;
                return Task.FromResult(found is not null);
            },
            timeout ?? Deadline,
            () => Task.FromResult(Describe(sim, payouts)));
        return found!;
    }

    /// <summary>Each payout's destination has exactly one viable payment, of its exact amount, by <paramref name="txid"/>; no destination is paid twice.</summary>
    public static void AssertPaidOnce(BitcoindSimulator sim, IEnumerable<Planned> payouts, string txid)
    {
        foreach (var p in payouts)
        {
            var viable = sim.PaymentsTo(p.Address).Where(x => x.Viable).ToList();
            var payment = Assert.Single(viable);
            Assert.Equal((txid, p.Sats), (payment.Txid, payment.AmountSats));
        }
        sim.AssertNoDoublePayment();
    }

    public static string Describe(BitcoindSimulator sim, IEnumerable<Planned> payouts) =>
        string.Join("; ", payouts.Select(p => $"{p.Address}: [" + string.Join(", ", sim.PaymentsTo(p.Address)
            .Select(x => $"{x.Txid[..8]} {x.AmountSats} conf={x.Confirmations} mempool={x.InMempool} viable={x.Viable}")) + "]"))
        + $"; calls: {string.Join(", ", sim.Calls.GroupBy(c => (c.Method, c.Succeeded)).Select(g => $"{g.Key.Method}{(g.Key.Succeeded ? "" : "(failed)")}x{g.Count()}"))}";

    public static async Task WaitForStates(HttpClient c, string storeId, IEnumerable<Planned> payouts, string state, TimeSpan? timeout = null) =>
        await SandboxHttp.WaitForStates(c, storeId, payouts.Select(p => p.Id), state, timeout ?? Deadline);

    /// <summary>The payout's on-chain proof: (transactionId, candidates).</summary>
    public static (string TransactionId, List<string> Candidates) Proof(JsonNode payout)
    {
        var proof = payout["paymentProof"];
        Assert.True(proof is JsonObject, $"payout {payout["id"]} has no proof: {payout.ToJsonString()}");
        Assert.Equal("PayoutTransactionOnChainBlob", proof!["proofType"]!.GetValue<string>());
        return (proof["transactionId"]!.GetValue<string>(), proof["candidates"]!.AsArray().Select(x => x!.GetValue<string>()).ToList());
    }

    /// <summary>The txids of every transaction ever seen that pays a destination of <paramref name="payouts"/>.</summary>
    public static HashSet<string> TransactionsPaying(BitcoindSimulator sim, IEnumerable<Planned> payouts) =>
        payouts.SelectMany(p => sim.PaymentsTo(p.Address)).Select(x => x.Txid).ToHashSet(StringComparer.Ordinal);
}

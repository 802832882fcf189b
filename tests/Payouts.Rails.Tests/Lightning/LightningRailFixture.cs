using System.Security.Cryptography;
using System.Text.Json;
using Payouts.Contracts;
using Payouts.Core.Lightning;
using Payouts.Core.Processors;
using Payouts.Core.Sending;
using Payouts.Rails.Lightning;
using Payouts.Rails.Sandbox;
using Payouts.Rails.Tests.Support;
using Payouts.Simulators.Lightning;
using Payouts.Simulators.Lightning.Lnurl;

namespace Payouts.Rails.Tests.Lightning;

/// <summary>Lightning attempts as the send store holds them (see <see cref="Bitcoin.RailAttempts"/> for commit and apply).</summary>
internal static class LnAttempts
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);

    public static decimal Btc(long msat) => msat / 100_000_000_000m;

    public static ProcessorSettings Processor(ProcessorPolicy? policy = null) => new()
    {
        StoreId = "s1", MethodId = PayoutMethodId.BtcLightning, Type = ProcessorType.Lightning, IntervalSeconds = 60,
        ProcessNewPayoutsInstantly = false, Threshold = 0m, Policy = policy ?? ProcessorPolicy.Default, CreatedAt = T0, UpdatedAt = T0,
    };

    /// <summary>A claimed attempt with payouts p1, p2, … paying these destinations.</summary>
    public static SendAttempt Attempt(params (string Destination, long AmountMsat)[] payouts) =>
        new("attempt-ln-1", "s1", PayoutMethodId.BtcLightning, 1, "node-a", AttemptState.Claimed, null,
            payouts.Select((p, i) => new AttemptPayout($"p{i + 1}", p.Destination, Btc(p.AmountMsat), AttemptPayoutState.Claimed, null, null)).ToList(),
            T0);

    public static LightningArtifact Artifact(SendAttempt attempt) => LightningArtifact.Read(attempt.Artifact);

    public static SendAttempt Commit(SendAttempt attempt, PrepareResult prepared) => Bitcoin.RailAttempts.Commit(attempt, prepared);

    public static SendAttempt Apply(SendAttempt attempt, IReadOnlyDictionary<string, SendOutcome> outcomes) => Bitcoin.RailAttempts.Apply(attempt, outcomes);
}

/// <summary>
/// A simulated Lightning network per test (payees alice and bob, a clock that moves only by hand and is shared with the
/// nodes), nodes started on demand, and rails built the way <see cref="RailRegistry"/> builds them for a store. Every
/// rail comes from its own registry: a second rail over the same node is a restarted process.
/// </summary>
public abstract class LightningRailFixture : IAsyncLifetime
{
    protected static readonly CancellationToken Ct = CancellationToken.None;

    /// <summary>A short node timeout keeps the held-payment tests short: a run waits the payment timeout, at most <see cref="LightningRail.WaitMax"/>.</summary>
    protected static readonly LightningSending Fast = new() { PaymentTimeoutSeconds = 2 };

    private readonly List<IAsyncDisposable> _simulators = [];
    private readonly List<IDisposable> _disposables = [];
    private readonly HttpClient _http = new();

    protected LightningRailFixture()
    {
        Network = new LightningNetworkSim(Clock);
        Alice = Network.AddPayee("alice");
        Bob = Network.AddPayee("bob");
    }

    // BOLT11 timestamps are whole seconds: a clock on a whole second keeps "expires in N s" exact.
    internal ManualTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    protected LightningNetworkSim Network { get; }
    protected SimPayee Alice { get; }
    protected SimPayee Bob { get; }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var d in _disposables) d.Dispose();
        foreach (var s in Enumerable.Reverse(_simulators)) await s.DisposeAsync();
        _http.Dispose();
    }

    internal async Task<SimNode> StartNode(NodeKind kind, SimNodeOptions? options = null)
    {
        var node = await SimNode.Start(kind, Network, options);
        _simulators.Add(node);
        return node;
    }

    protected async Task<LnurlPaySimulator> StartLnurl()
    {
        var lnurl = await LnurlPaySimulator.Start(Network);
        _simulators.Add(lnurl);
        return lnurl;
    }

    internal static LightningRailSettings Settings(string connectionString, LightningSending? sending = null, string network = "regtest")
    {
        Assert.True(RailConnectionString.TryParse(connectionString, out var cs, out var error), error);
        Assert.True(LightningRailSettings.TryCreate(cs, network, sending ?? Fast, out var settings, out var errors),
            string.Join("; ", errors.Select(e => e.Message)));
        return settings!;
    }

    internal RailRegistry Registry(LnurlOptions? lnurl = null)
    {
        var registry = new RailRegistry(new NoRailConfigs(), new FakeSandboxStore(), new SandboxOptions(), _http, Clock,
            lnurl ?? new LnurlOptions { AllowPrivateHosts = true });
        _disposables.Add(registry);
        return registry;
    }

    /// <summary>The rail a store configured with this node gets, from a fresh registry (a fresh process).</summary>
    internal LightningRail Rail(SimNode node, LightningSending? sending = null, string? credential = null, string? thumbprint = null,
        LnurlOptions? lnurl = null) =>
        Registry(lnurl).Lightning(Settings(node.ConnectionString(credential, thumbprint), sending));

    /// <summary>Prepares and commits the attempt, as the processor run does before any send.</summary>
    internal static async Task<SendAttempt> Prepared(LightningRail rail, SendAttempt attempt, ProcessorSettings? processor = null) =>
        LnAttempts.Commit(attempt, await rail.Prepare(attempt, processor ?? LnAttempts.Processor(), Ct));

    /// <summary>A fresh invoice of the payee, and its payment hash.</summary>
    protected (string Bolt11, string Hash) Invoice(SimPayee payee, long? amountMsat, TimeSpan? expiry = null,
        Core.Bitcoin.BitcoinNetwork? network = null, DateTimeOffset? timestamp = null)
    {
        var bolt11 = Network.CreateInvoice(payee, amountMsat, expiry, description: "payout", network: network, timestamp: timestamp);
        return (bolt11, Bolt11Invoice.Parse(bolt11).PaymentHash);
    }

    /// <summary>The proof BTCPay expects: its type, the hash, and the payee's own preimage, which hashes to it.</summary>
    protected void AssertProof(SendOutcome outcome, string paymentHash)
    {
        var proof = JsonDocument.Parse(Assert.IsType<SendOutcome.Succeeded>(outcome).ProofJson).RootElement;
        Assert.Equal("PayoutLightningBlob", proof.GetProperty("proofType").GetString());
        Assert.Equal(paymentHash, proof.GetProperty("paymentHash").GetString());
        var preimage = proof.GetProperty("preimage").GetString()!;
        Assert.Equal(Network.Invoice(paymentHash).PreimageHex, preimage);
        Assert.Equal(paymentHash, Convert.ToHexStringLower(SHA256.HashData(Convert.FromHexString(preimage))));
    }

    /// <summary>The payee settled this hash exactly once, for exactly the amount, from this node, which made one payment of it.</summary>
    internal void AssertPaidOnce(SimNode node, string paymentHash, SimPayee payee, long amountMsat)
    {
        var settled = Assert.Single(Network.PaymentsSettled(paymentHash));
        Assert.Equal((payee.Name, amountMsat, node.Id), (settled.Payee, settled.AmountMsat, settled.FromNode));
        Assert.Equal(1, node.PaymentsOf(paymentHash));
        Network.AssertNoDoublePayment();
    }

    /// <summary>Waits for something the simulators will make true (a payment reaching the network), failing after a deadline.</summary>
    protected static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(5);
        }
    }
}

/// <summary>A store with no rail configured: the tests build their rails straight from settings.</summary>
internal sealed class NoRailConfigs : IRailConfigStore
{
    public Task<RailConfig?> RailConfigGet(string storeId, PayoutMethodId method, CancellationToken ct) => Task.FromResult<RailConfig?>(null);
    public Task<IReadOnlyList<RailConfig>> RailConfigList(string storeId, CancellationToken ct) => Task.FromResult<IReadOnlyList<RailConfig>>([]);
    public Task<RailConfigWrite> RailConfigUpsert(RailConfig config, CancellationToken ct) => throw new NotSupportedException();
    public Task<RailConfigWrite> RailConfigDelete(string storeId, PayoutMethodId method, CancellationToken ct) => throw new NotSupportedException();
}

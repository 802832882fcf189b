using Payouts.Core.Processors;
using Payouts.Core.Sending;
using Payouts.Rails.Bitcoin;
using Payouts.Rails.Tests.Support;
using static Payouts.Rails.Tests.Bitcoin.RailAttempts;

namespace Payouts.Rails.Tests.Bitcoin;

/// <summary>
/// The node the opt-in tests use: <c>BITCOIND_RPC_URL</c>, e.g. <c>http://user:pass@127.0.0.1:18443</c>, a throwaway
/// <c>bitcoind -regtest</c> (regtest halves the block reward every 150 blocks, so a chain thousands of blocks long can no
/// longer fund the tests). No node can be installed on the build machines (DESIGN §6), so without it they are skipped.
/// </summary>
public static class RealBitcoind
{
    public const string EnvironmentVariable = "BITCOIND_RPC_URL";

    public static Uri? Url => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
        ? new Uri(value, UriKind.Absolute) : null;

    public static string? SkipReason => Url is null
        ? $"{EnvironmentVariable} is not set: these tests need a real bitcoind -regtest, e.g. {EnvironmentVariable}=http://user:pass@127.0.0.1:18443"
        : null;
}

/// <summary>A test against a real bitcoind, skipped with <see cref="RealBitcoind.SkipReason"/> when none is configured.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RealBitcoindFactAttribute : FactAttribute
{
    public RealBitcoindFactAttribute()
    {
        if (RealBitcoind.SkipReason is { } reason) Skip = reason;
    }
}

/// <summary>
/// Scenarios 1, 2, 3 and the fee bump of <see cref="BitcoinCoreRailTests"/> against a real Bitcoin Core, to check that the
/// simulator and the rail agree with the real thing. Each test makes its own wallets (store, payee, funder) with unique
/// names, funds the store with exact coins from the funder, and mines with <c>generatetoaddress</c>.
/// </summary>
[Trait("Category", "RealBitcoind")]
public sealed class RealBitcoindTests : IAsyncLifetime, IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly string _run = Guid.NewGuid().ToString("N")[..12];
    private readonly List<TestRpcClient> _clients = [];
    private Uri _server = null!;
    private string _user = "", _password = "";
    private TestRpcClient _node = null!, _store = null!, _payee = null!, _funder = null!;

    private string StoreWallet => $"payouts-store-{_run}";

    public async Task InitializeAsync()
    {
        if (RealBitcoind.Url is not { } url) return; // skipped
        var credentials = Uri.UnescapeDataString(url.UserInfo).Split(':', 2);
        (_user, _password) = (credentials[0], credentials.ElementAtOrDefault(1) ?? "");
        _server = new Uri(url.GetLeftPart(UriPartial.Authority) + "/");
        _node = Client(_server);
        foreach (var wallet in new[] { StoreWallet, $"payouts-payee-{_run}", $"payouts-funder-{_run}" })
            await _node.Call("createwallet", wallet);
        _store = Client(new Uri(_server, $"wallet/{StoreWallet}"));
        _payee = Client(new Uri(_server, $"wallet/payouts-payee-{_run}"));
        _funder = Client(new Uri(_server, $"wallet/payouts-funder-{_run}"));
    }

    public async Task DisposeAsync()
    {
        if (_node is null) return;
        foreach (var wallet in new[] { StoreWallet, $"payouts-payee-{_run}", $"payouts-funder-{_run}" })
            await _node.Send("unloadwallet", wallet);
    }

    public void Dispose()
    {
        foreach (var client in _clients) client.Dispose();
        _http.Dispose();
    }

    [RealBitcoindFact]
    public async Task BatchIsOneRbfTransactionPayingEachExactlyThatConfirmsThenBecomesFinal()
    {
        await FundStore(1m, 2m);
        var (d1, d2, d3) = (await Payee(), await Payee(), await Payee());
        var rail = Rail();
        var attempt = Commit(Attempt((d1, 0.1m), (d2, 0.2m), (d3, 0.3m)), await rail.Prepare(Attempt((d1, 0.1m), (d2, 0.2m), (d3, 0.3m)), Processor(), Ct));
        var version = Assert.Single(RailAttempts.Artifact(attempt).Versions);
        Assert.True(Tx(version.Hex).SignalsRbf);

        attempt = Apply(attempt, await rail.Execute(attempt, Ct));
        Assert.All(attempt.Payouts, p => Assert.Equal(AttemptPayoutState.Sent, p.State));
        Assert.Contains(version.Txid, (await _node.Call("getrawmempool")).EnumerateArray().Select(t => t.GetString()));

        await Mine(1);
        var confirmed = await rail.Status(attempt, Ct);
        Assert.All(confirmed.Values, o => Assert.False(Assert.IsType<SendOutcome.Succeeded>(o).Final));
        attempt = Apply(attempt, confirmed);
        await Mine(new BitcoinTracking().FinalConfirmations - 1);
        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.True(Assert.IsType<SendOutcome.Succeeded>(o).Final));

        Assert.Equal([0.1m, 0.2m, 0.3m], await Received(d1, d2, d3));
        Assert.Equal(3m - 0.6m - version.Fee, await StoreBalance());
    }

    [RealBitcoindFact]
    public async Task ArtifactCommittedBeforeACrashIsNotFoundThenBroadcastsTheIdenticalTransaction()
    {
        await FundStore(1m);
        var d1 = await Payee();
        var attempt = Commit(Attempt((d1, 0.5m)), await Rail().Prepare(Attempt((d1, 0.5m)), Processor(), Ct));
        var txid = attempt.Payouts[0].Reference!;

        var restarted = Rail();
        Assert.IsType<SendOutcome.NotFound>((await restarted.Status(attempt, Ct))["p1"]);
        Assert.IsType<SendOutcome.Sent>((await restarted.Execute(attempt, Ct))["p1"]);
        Assert.IsType<SendOutcome.Sent>((await restarted.Execute(attempt, Ct))["p1"]); // harmless to repeat
        Assert.Contains(txid, (await _node.Call("getrawmempool")).EnumerateArray().Select(t => t.GetString()));

        await Mine(1);
        Assert.IsType<SendOutcome.Succeeded>((await restarted.Status(attempt, Ct))["p1"]);
        Assert.Equal([0.5m], await Received(d1));
    }

    [RealBitcoindFact]
    public async Task WalletFundsTheSmallestPayoutsFirstAndTheOthersWaitWithoutBlame()
    {
        await FundStore(1m, 2m);
        var (d1, d2, d3, d4) = (await Payee(), await Payee(), await Payee(), await Payee());
        var rail = Rail();
        var payouts = new[] { (d1, 1.6m), (d2, 0.5m), (d3, 2.0m), (d4, 1.0m) };

        var prepared = await rail.Prepare(Attempt(payouts), Processor(), Ct);

        Assert.Equal(["p2", "p4"], prepared.References.Keys.Order(StringComparer.Ordinal));
        Assert.All(new[] { "p1", "p3" }, id => Assert.False(prepared.Rejected[id].Culprit));
        var attempt = Commit(Attempt(payouts), prepared);
        await rail.Execute(attempt, Ct);
        await Mine(1);
        Assert.Equal([0m, 0.5m, 0m, 1.0m], await Received(d1, d2, d3, d4));
    }

    [RealBitcoindFact]
    public async Task EmptyWalletRefusesEveryPayoutAndHoldsNoCoins()
    {
        var prepared = await Rail().Prepare(Attempt((await Payee(), 0.1m), (await Payee(), 0.2m)), Processor(), Ct);

        Assert.Empty(prepared.References);
        Assert.All(prepared.Rejected.Values, r => Assert.False(r.Culprit));
        Assert.Empty((await _store.Call("listlockunspent")).EnumerateArray());
    }

    [RealBitcoindFact]
    public async Task ReplacementSpendsEveryInputOfTheFirstAndOnlyOneVersionConfirms()
    {
        await FundStore(1m);
        var d1 = await Payee();
        var rail = Rail();
        var attempt = Commit(Attempt((d1, 0.5m)), await rail.Prepare(Attempt((d1, 0.5m)), Processor(), Ct));
        await rail.Execute(attempt, Ct);
        var v1 = Assert.Single(RailAttempts.Artifact(attempt).Versions);
        Assert.Null(await rail.Replacement(attempt, Ct));
        _clock.Advance(TimeSpan.FromMinutes(new BitcoinTracking().FeeBumpAfterMinutes));

        var bumped = attempt with { Artifact = await rail.Replacement(attempt, Ct) ?? throw new Xunit.Sdk.XunitException("no replacement") };
        var v2 = RailAttempts.Artifact(bumped).Versions[1];
        Assert.Superset(v1.Inputs.ToHashSet(), v2.Inputs.ToHashSet());
        Assert.True(v2.FeeRate > v1.FeeRate);
        Assert.IsType<SendOutcome.Sent>((await rail.Execute(bumped, Ct))["p1"]);
        var mempool = (await _node.Call("getrawmempool")).EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains(v2.Txid, mempool);
        Assert.DoesNotContain(v1.Txid, mempool);

        await Mine(1);
        var proof = Json(Assert.IsType<SendOutcome.Succeeded>((await rail.Status(bumped, Ct))["p1"]).ProofJson);
        Assert.Equal(v2.Txid, proof.GetProperty("transactionId").GetString());
        Assert.Equal([0.5m], await Received(d1)); // paid once
    }

    private BitcoinCoreRail Rail()
    {
        var settings = Settings($"type=bitcoind;server={_server};user={_user};password={_password};wallet={StoreWallet};timeout=30",
            "regtest", new BitcoinTracking());
        return new BitcoinCoreRail(new BitcoindRpcClient(_http, settings), settings, _clock);
    }

    private TestRpcClient Client(Uri url)
    {
        var client = new TestRpcClient(url, _user, _password);
        _clients.Add(client);
        return client;
    }

    private async Task<string> Payee() => (await _payee.Call("getnewaddress")).GetString()!;

    private async Task Mine(int blocks) => await _node.Call("generatetoaddress", blocks, (await _funder.Call("getnewaddress")).GetString());

    /// <summary>Gives the store wallet exactly these coins, confirmed, from the funder's matured block rewards.</summary>
    private async Task FundStore(params decimal[] coins)
    {
        const int BlocksMax = 2_000;
        await Mine(101); // a block reward matures after 100 blocks
        for (var mined = 101; (await _funder.Call("getbalance")).GetDecimal() < coins.Sum() + 0.01m; mined += 50)
        {
            if (mined > BlocksMax) throw new InvalidOperationException("regtest block rewards are too small now: restart bitcoind with a fresh -datadir");
            await Mine(50);
        }
        foreach (var btc in coins)
            await _funder.Call("sendtoaddress", (await _store.Call("getnewaddress")).GetString(), btc, "", "", false, true, null, "unset", false, 2);
        await Mine(1);
        Assert.Equal(coins.Sum(), await StoreBalance());
    }

    private async Task<decimal> StoreBalance() => (await _store.Call("getbalances")).GetProperty("mine").GetProperty("trusted").GetDecimal();

    private async Task<IReadOnlyList<decimal>> Received(params string[] addresses)
    {
        var received = new List<decimal>();
        foreach (var address in addresses) received.Add((await _payee.Call("getreceivedbyaddress", address, 0)).GetDecimal());
        return received;
    }
}

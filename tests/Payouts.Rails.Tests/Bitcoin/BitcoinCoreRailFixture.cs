using System.Text.Json;
using Payouts.Contracts;
using Payouts.Core.Processors;
using Payouts.Core.Sending;
using Payouts.Rails.Bitcoin;
using Payouts.Rails.Tests.Support;

namespace Payouts.Rails.Tests.Bitcoin;

/// <summary>
/// Attempts as the send store holds them, for driving <see cref="BitcoinCoreRail"/> the way the processor run and the
/// reconciler do: prepare, commit, execute, then status/replacement, applying each outcome to the rows.
/// </summary>
internal static class RailAttempts
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);

    public static ProcessorSettings Processor(ProcessorPolicy? policy = null, int? feeBlockTarget = null) => new()
    {
        StoreId = "s1", MethodId = PayoutMethodId.BtcChain, Type = ProcessorType.OnChain, IntervalSeconds = 60,
        ProcessNewPayoutsInstantly = false, Threshold = 0m, FeeBlockTarget = feeBlockTarget, Policy = policy ?? ProcessorPolicy.Default,
        CreatedAt = T0, UpdatedAt = T0,
    };

    /// <summary>A claimed attempt with payouts p1, p2, … paying these destinations.</summary>
    public static SendAttempt Attempt(params (string Destination, decimal Amount)[] payouts) =>
        new("attempt-1", "s1", PayoutMethodId.BtcChain, 1, "node-a", AttemptState.Claimed, null,
            payouts.Select((p, i) => new AttemptPayout($"p{i + 1}", p.Destination, p.Amount, AttemptPayoutState.Claimed, null, null)).ToList(), T0);

    /// <summary>What the send store commits for a prepare: the artifact, references, and the rejected payouts ended.</summary>
    public static SendAttempt Commit(SendAttempt attempt, PrepareResult prepared) => attempt with
    {
        State = AttemptState.Prepared,
        Artifact = prepared.Artifact,
        Payouts = attempt.Payouts.Select(p => prepared.Rejected.TryGetValue(p.PayoutId, out var r)
            ? p with { State = AttemptPayoutState.Failed, Detail = r.Reason }
            : p with { State = AttemptPayoutState.Prepared, Reference = prepared.References[p.PayoutId] }).ToList(),
    };

    /// <summary>The outcomes applied to the rows as the store records them; a non-final success leaves the row Confirmed (watched).</summary>
    public static SendAttempt Apply(SendAttempt attempt, IReadOnlyDictionary<string, SendOutcome> outcomes) => attempt with
    {
        Payouts = attempt.Payouts.Select(p => !outcomes.TryGetValue(p.PayoutId, out var o) ? p : o switch
        {
            SendOutcome.Sent s => p with { State = AttemptPayoutState.Sent, Detail = s.Detail },
            SendOutcome.InFlight s => p with { State = AttemptPayoutState.InFlight, Detail = s.Detail },
            SendOutcome.Succeeded { Final: false } => p with { State = AttemptPayoutState.Confirmed },
            SendOutcome.Succeeded => p with { State = AttemptPayoutState.Succeeded },
            SendOutcome.NotSent n => p with { State = AttemptPayoutState.Failed, Detail = n.Reason },
            SendOutcome.Unknown u => p with { State = AttemptPayoutState.Unknown, Detail = u.Reason },
            SendOutcome.NotFound => p,
            _ => throw new InvalidOperationException($"unexpected outcome {o}"),
        }).ToList(),
    };

    public static BitcoinArtifact Artifact(SendAttempt attempt) => BitcoinArtifact.Read(attempt.Artifact);

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    public static BitcoinRailSettings Settings(string connectionString, string network, BitcoinTracking tracking)
    {
        Assert.True(RailConnectionString.TryParse(connectionString, out var cs, out var error), error);
        Assert.True(BitcoinRailSettings.TryCreate(cs, network, tracking, out var settings, out var errors),
            string.Join("; ", errors.Select(e => e.Message)));
        return settings!;
    }

    public static BitcoinTransaction Tx(string hex) =>
        BitcoinTransaction.TryParseHex(hex, out var tx, out var error) ? tx : throw new Xunit.Sdk.XunitException(error);

    public static long SatsOf(decimal btc) => (long)(btc * 100_000_000m);
}

/// <summary>
/// The rail against a fresh simulated regtest node per test: wallet "store1" holds two confirmed coins (1 and 2 BTC,
/// from <see cref="BitcoindFixture"/>), destinations belong to wallet "other", and the clock only moves by hand.
/// </summary>
public abstract class BitcoinCoreRailFixture : BitcoindFixture, IDisposable
{
    protected static readonly CancellationToken Ct = CancellationToken.None;
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    internal ManualTimeProvider Clock { get; } = new(RailAttempts.T0);

    protected BitcoinCoreRail Rail(BitcoinTracking? tracking = null, string wallet = Wallet, string network = "regtest", string? password = null,
        HttpClient? http = null)
    {
        var settings = RailAttempts.Settings(
            $"type=bitcoind;server={Node.Url};user={Node.RpcUser};password={password ?? Node.RpcPassword};wallet={wallet};timeout=10",
            network, tracking ?? new BitcoinTracking());
        return new BitcoinCoreRail(new BitcoindRpcClient(http ?? _http, settings), settings, Clock);
    }

    /// <summary>Prepares and commits the attempt, as the processor run does before any send.</summary>
    protected async Task<SendAttempt> Prepared(BitcoinCoreRail rail, SendAttempt attempt, ProcessorSettings? processor = null) =>
        RailAttempts.Commit(attempt, await rail.Prepare(attempt, processor ?? RailAttempts.Processor(), Ct));

    /// <summary>Prepared, committed and executed: every included payout Sent.</summary>
    protected async Task<SendAttempt> Sent(BitcoinCoreRail rail, SendAttempt attempt, ProcessorSettings? processor = null)
    {
        var prepared = await Prepared(rail, attempt, processor);
        var executed = await rail.Execute(prepared, Ct);
        Assert.All(executed.Values, o => Assert.IsType<SendOutcome.Sent>(o));
        return RailAttempts.Apply(prepared, executed);
    }

    protected async Task<IReadOnlyList<(string Txid, int Vout)>> Locked()
    {
        var locked = await Rpc.Call("listlockunspent");
        return locked.EnumerateArray().Select(l => (l.GetProperty("txid").GetString()!, l.GetProperty("vout").GetInt32())).ToList();
    }

    protected static void AllNotSent<T>(IReadOnlyDictionary<string, T> outcomes, IEnumerable<string> payoutIds, bool culprit) where T : SendOutcome
    {
        foreach (var id in payoutIds)
            Assert.Equal(culprit, Assert.IsType<SendOutcome.NotSent>(outcomes[id]).Culprit);
    }

    /// <summary>The one transaction the wallet paid to <paramref name="destination"/>, exactly <paramref name="btc"/>.</summary>
    protected void PaidOnce(string destination, decimal btc, string txid)
    {
        var payment = Assert.Single(Node.PaymentsTo(destination));
        Assert.Equal((txid, RailAttempts.SatsOf(btc)), (payment.Txid, payment.AmountSats));
    }

    public void Dispose()
    {
        _http.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Cancels <paramref name="run"/> when a request of <paramref name="method"/> is sent, as a run whose budget ran out while the node was busy.</summary>
internal sealed class CancelRunOn(string method, CancellationTokenSource run) : DelegatingHandler(new HttpClientHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var body = await request.Content!.ReadAsStringAsync(ct);
        if (body.Contains($"\"method\":\"{method}\"", StringComparison.Ordinal)) await run.CancelAsync();
        return await base.SendAsync(request, ct);
    }
}

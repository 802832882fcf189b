using System.Text.Json;
using Payouts.Contracts;
using Payouts.Core;
using Payouts.Core.Sending;
using Payouts.Rails.Sandbox;
using Payouts.Rails.Tests.Support;

namespace Payouts.Rails.Tests;

/// <summary>
/// The sandbox rail against an in-memory wallet and a clock moved by hand. Amounts set off the documented fault
/// triggers through their last three satoshi digits: …402 insufficient funds (at prepare), …400 rejected for good,
/// …408 times out after the money left, …102 stays in flight. The ledger shows what left the wallet, so each test can
/// say not only what the rail answered but whether money moved.
/// </summary>
public sealed class SandboxRailTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly DateTimeOffset T0 = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);
    private static readonly PayoutMethodId Chain = PayoutMethodId.BtcChain;
    private static readonly PayoutMethodId Lightning = PayoutMethodId.BtcLightning;

    private static readonly Core.Processors.ProcessorSettings Settings = new()
    {
        StoreId = "store-1", MethodId = PayoutMethodId.BtcChain, Type = Core.Processors.ProcessorType.OnChain, IntervalSeconds = 60,
        ProcessNewPayoutsInstantly = false, Threshold = 0m, CreatedAt = T0, UpdatedAt = T0,
    };
    private const decimal Plain1 = 0.001m, Plain2 = 0.002m, Plain3 = 0.003m;
    private const decimal Funds402 = 0.00001402m, Rejected400 = 0.00002400m, Timeout408 = 0.00003408m, InFlight102 = 0.00004102m;

    private readonly FakeSandboxStore _store = new();
    private readonly ManualTimeProvider _clock = new(T0);
    private readonly SandboxOptions _options = new();

    private SandboxRail Rail(PayoutMethodId method) => new(method, _store, _options, _clock);

    /// <summary>A claimed attempt of store s1 with payouts p1, p2, … of these amounts.</summary>
    private static SendAttempt Attempt(PayoutMethodId method, params decimal[] amounts) => Attempt("attempt-1", method, amounts);

    private static SendAttempt Attempt(string id, PayoutMethodId method, params decimal[] amounts) =>
        new(id, "s1", method, 1, "node-a", AttemptState.Claimed, null,
            amounts.Select((a, i) => new AttemptPayout($"p{i + 1}", $"dest-{i + 1}", a, AttemptPayoutState.Claimed, null, null)).ToList(), T0);

    /// <summary>What the send store commits for a prepare: the artifact, references, and the rejected payouts ended.</summary>
    private static SendAttempt Commit(SendAttempt attempt, PrepareResult prepared) => attempt with
    {
        State = AttemptState.Prepared,
        Artifact = prepared.Artifact,
        Payouts = attempt.Payouts.Select(p => prepared.Rejected.TryGetValue(p.PayoutId, out var r)
            ? p with { State = AttemptPayoutState.Failed, Detail = r.Reason }
            : p with { State = AttemptPayoutState.Prepared, Reference = prepared.References[p.PayoutId] }).ToList(),
    };

    private async Task<SendAttempt> PreparedAsync(SandboxRail rail, SendAttempt attempt) => Commit(attempt, await rail.Prepare(attempt, Settings, Ct));

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    private static SendOutcome.NotSent NotSent(SendOutcome outcome) => Assert.IsType<SendOutcome.NotSent>(outcome);

    // ---------------------------------------------------------------- triggers

    [Theory]
    [InlineData("0.001", SandboxTrigger.None)]
    [InlineData("0.00001402", SandboxTrigger.InsufficientFunds)]
    [InlineData("1.23456402", SandboxTrigger.InsufficientFunds)]
    [InlineData("0.00000400", SandboxTrigger.FailsDefinitively)]
    [InlineData("0.00003408", SandboxTrigger.TimesOutAfterSending)]
    [InlineData("0.00004102", SandboxTrigger.StaysInFlight)]
    [InlineData("0.00004102999", SandboxTrigger.StaysInFlight)] // Lightning's millisatoshi digits do not count
    [InlineData("0.00004103", SandboxTrigger.None)]
    [InlineData("0.00000042", SandboxTrigger.None)]
    public void TriggersAreTheLastThreeSatoshiDigits(string amount, SandboxTrigger expected) =>
        Assert.Equal(expected, SandboxTriggers.Of(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)));

    // ---------------------------------------------------------------- on-chain: prepare

    [Fact]
    public async Task ChainPrepareBuildsOneTransactionForTheBatch()
    {
        var rail = Rail(Chain);
        var attempt = Attempt(Chain, Plain1, Plain2, Plain3);

        var prepared = await rail.Prepare(attempt, Settings, Ct);

        Assert.Empty(prepared.Rejected);
        Assert.Equal(["p1", "p2", "p3"], prepared.References.Keys.Order(StringComparer.Ordinal));
        var txid = Assert.Single(prepared.References.Values.Distinct());
        Assert.Matches("^[0-9a-f]{64}$", txid);
        var artifact = Json(prepared.Artifact);
        Assert.Equal("chain", artifact.GetProperty("kind").GetString());
        Assert.Equal(txid, artifact.GetProperty("txid").GetString());
        Assert.Equal(3, artifact.GetProperty("outputs").GetArrayLength());
        // Deterministic: preparing the same attempt again builds the same transaction; another attempt, another one.
        Assert.Equal(prepared.Artifact, (await rail.Prepare(attempt, Settings, Ct)).Artifact);
        Assert.NotEqual(txid, (await rail.Prepare(Attempt("attempt-2", Chain, Plain1), Settings, Ct)).References["p1"]);
        Assert.Empty(_store.Ledger); // preparing never moves money
    }

    [Fact]
    public async Task ChainPrepareRejectsTheInsufficientFundsTriggerAsTheCulprit()
    {
        var prepared = await Rail(Chain).Prepare(Attempt(Chain, Plain1, Funds402, Plain2), Settings, Ct);

        var rejected = Assert.Single(prepared.Rejected);
        Assert.Equal("p2", rejected.Key);
        Assert.True(rejected.Value.Culprit);
        Assert.Contains("402", rejected.Value.Reason, StringComparison.Ordinal);
        Assert.Equal(["p1", "p3"], prepared.References.Keys.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("p2", Json(prepared.Artifact).GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("payoutId").GetString()));
    }

    [Fact]
    public async Task ChainPrepareFundsTheSmallestPayoutsFirstAndRejectsTheRestWithoutBlame()
    {
        // 1 BTC, 0.00001 fee: 0.3 and 0.4 fit (0.70001); 0.5 would make 1.20001. The 402 payout costs nothing.
        _options.InitialBalance = 1m;
        var prepared = await Rail(Chain).Prepare(Attempt(Chain, 0.5m, 0.3m, 0.4m, 0.70001402m), Settings, Ct);

        Assert.Equal(["p2", "p3"], prepared.References.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["p1", "p4"], prepared.Rejected.Keys.Order(StringComparer.Ordinal));
        Assert.False(prepared.Rejected["p1"].Culprit);
        Assert.True(prepared.Rejected["p4"].Culprit);
    }

    [Fact]
    public async Task ChainPrepareCountsTheFeeOncePerBatch()
    {
        // Exactly the balance: 0.99999 of outputs plus the 0.00001 fee.
        _options.InitialBalance = 1m;
        var prepared = await Rail(Chain).Prepare(Attempt(Chain, 0.5m, 0.49999m), Settings, Ct);

        Assert.Empty(prepared.Rejected);
    }

    // ---------------------------------------------------------------- on-chain: execute and status

    [Fact]
    public async Task ChainStatusIsNotFoundThenSentThenSucceededWithProof()
    {
        _options.Confirmations = 3; // 3 blocks of 2 s
        var rail = Rail(Chain);
        var attempt = await PreparedAsync(rail, Attempt(Chain, Plain1, Plain2));
        var txid = attempt.Payouts[0].Reference!;

        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.NotFound>(o));
        var executed = await rail.Execute(attempt, Ct);
        Assert.Equal(["p1", "p2"], executed.Keys.Order(StringComparer.Ordinal));
        Assert.All(executed.Values, o => Assert.IsType<SendOutcome.Sent>(o));

        _clock.Advance(TimeSpan.FromSeconds(6) - TimeSpan.FromMilliseconds(1));
        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var confirmed = await rail.Status(attempt, Ct);

        Assert.Equal(2, confirmed.Count);
        foreach (var outcome in confirmed.Values)
        {
            var proof = Json(Assert.IsType<SendOutcome.Succeeded>(outcome).ProofJson);
            Assert.Equal("PayoutTransactionOnChainBlob", proof.GetProperty("proofType").GetString());
            Assert.Equal(txid, proof.GetProperty("transactionId").GetString());
            Assert.Equal([txid], proof.GetProperty("candidates").EnumerateArray().Select(c => c.GetString()));
        }
    }

    [Fact]
    public async Task ChainExecuteOfTheSameArtifactTwiceSendsOnce()
    {
        var rail = Rail(Chain);
        var attempt = await PreparedAsync(rail, Attempt(Chain, Plain1, Plain2));

        var first = await rail.Execute(attempt, Ct);
        var second = await rail.Execute(attempt, Ct);

        Assert.All(first.Values.Concat(second.Values), o => Assert.IsType<SendOutcome.Sent>(o));
        Assert.Equal(2, _store.Sends.Count); // broadcast twice…
        Assert.Equal(["p1", "p2"], _store.Ledger.Select(e => e.PayoutId)); // …left once
        Assert.All(_store.Ledger, e => Assert.Equal(attempt.Payouts[0].Reference, e.Reference));
        Assert.Equal(_options.InitialBalance - Plain1 - Plain2 - _options.ChainFeePerBatch,
            await _store.SandboxBalance("s1", Chain, _options.InitialBalance, Ct));
    }

    [Fact]
    public async Task ChainRejectedTransactionFailsTheWholeBatchBlamingOnlyTheTrigger()
    {
        var rail = Rail(Chain);
        var attempt = await PreparedAsync(rail, Attempt(Chain, Plain1, Rejected400, Plain2));

        var outcomes = await rail.Execute(attempt, Ct);

        Assert.Equal(3, outcomes.Count);
        Assert.False(NotSent(outcomes["p1"]).Culprit);
        Assert.True(NotSent(outcomes["p2"]).Culprit);
        Assert.False(NotSent(outcomes["p3"]).Culprit);
        Assert.Empty(_store.Sends);
        Assert.Empty(_store.Ledger);
        // Nothing left, so the rail has never seen it: a reconciler could only execute it again, to the same answer.
        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.NotFound>(o));
    }

    [Fact]
    public async Task ChainTimeoutIsUnknownAfterTheMoneyLeft()
    {
        var rail = Rail(Chain);
        var attempt = await PreparedAsync(rail, Attempt(Chain, Plain1, Timeout408));

        var outcomes = await rail.Execute(attempt, Ct);

        Assert.All(outcomes.Values, o => Assert.IsType<SendOutcome.Unknown>(o));
        Assert.Equal(["p1", "p2"], _store.Ledger.Select(e => e.PayoutId).Order(StringComparer.Ordinal));
        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));
        _clock.Advance(_options.BlockInterval);
        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Succeeded>(o));
        // Executing it again (a reconciler that saw Unknown) is still one send.
        await rail.Execute(attempt, Ct);
        Assert.Equal(2, _store.Ledger.Count);
    }

    [Fact]
    public async Task ChainInFlightTriggerDelaysTheConfirmationOfTheWholeBatch()
    {
        var rail = Rail(Chain);
        var attempt = await PreparedAsync(rail, Attempt(Chain, Plain1, InFlight102));

        Assert.All((await rail.Execute(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));

        _clock.Advance(_options.BlockInterval);
        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));
        _clock.Advance(_options.InFlight - TimeSpan.FromMilliseconds(1));
        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Succeeded>(o));
    }

    [Fact]
    public async Task ChainBroadcastWithoutFundsIsNotSentWithoutBlame()
    {
        // Another attempt of the store spent the money between this one's prepare and its broadcast.
        var rail = Rail(Chain);
        var attempt = await PreparedAsync(rail, Attempt(Chain, Plain1, Plain2));
        _store.Spend("s1", Chain, _options.InitialBalance, _options.InitialBalance - Plain1);

        var outcomes = await rail.Execute(attempt, Ct);

        Assert.All(outcomes.Values, o => Assert.False(NotSent(o).Culprit));
        Assert.Empty(_store.Ledger);
    }

    [Fact]
    public async Task ChainExecuteAndStatusAnswerOnlyForLivePayoutsWithAReference()
    {
        var rail = Rail(Chain);
        var committed = await PreparedAsync(rail, Attempt(Chain, Plain1, Funds402, Plain2));
        // p3 has ended meanwhile (say, recorded by another node); p2 was rejected at prepare and has no reference.
        var attempt = committed with
        {
            Payouts = committed.Payouts.Select(p => p.PayoutId == "p3" ? p with { State = AttemptPayoutState.Succeeded } : p).ToList(),
        };

        var executed = await rail.Execute(attempt, Ct);
        var status = await rail.Status(attempt, Ct);

        Assert.Equal(["p1"], executed.Keys);
        Assert.Equal(["p1"], status.Keys);
        // The transaction itself is the committed artifact: every output in it left, once.
        Assert.Equal(["p1", "p3"], _store.Ledger.Select(e => e.PayoutId));
    }

    [Fact]
    public async Task ChainBatchWithEveryPayoutRejectedSendsNothing()
    {
        var rail = Rail(Chain);
        var attempt = await PreparedAsync(rail, Attempt(Chain, Funds402));

        Assert.Empty(await rail.Execute(attempt, Ct));
        Assert.Empty(_store.Sends);
    }

    [Fact]
    public async Task ExecuteWithoutACommittedArtifactIsAnInvariantViolation()
    {
        await Assert.ThrowsAsync<InvariantViolationException>(() => Rail(Chain).Execute(Attempt(Chain, Plain1), Ct));
        await Assert.ThrowsAsync<InvariantViolationException>(() => Rail(Lightning).Execute(Attempt(Lightning, Plain1), Ct));
        Assert.Empty(_store.Sends);
    }

    // ---------------------------------------------------------------- Lightning

    [Fact]
    public async Task LightningPrepareMakesOnePaymentHashPerPayout()
    {
        var rail = Rail(Lightning);
        var attempt = Attempt(Lightning, Plain1, Plain2, Plain3);

        var prepared = await rail.Prepare(attempt, Settings, Ct);

        Assert.Empty(prepared.Rejected);
        Assert.Equal(3, prepared.References.Values.Distinct().Count());
        Assert.All(prepared.References.Values, r => Assert.Matches("^[0-9a-f]{64}$", r));
        var artifact = Json(prepared.Artifact);
        Assert.Equal("lightning", artifact.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, artifact.GetProperty("txid").ValueKind);
        Assert.Equal(prepared.References, (await rail.Prepare(attempt, Settings, Ct)).References); // deterministic
    }

    [Fact]
    public async Task LightningPrepareCountsTheFeeOfEveryPayment()
    {
        // 0.003 BTC: two payments of 0.001 + 1 sat fee fit, the third (0.00300003 in all) does not.
        _options.InitialBalance = 0.003m;

        var prepared = await Rail(Lightning).Prepare(Attempt(Lightning, Plain1, Plain1, Plain1, Funds402), Settings, Ct);

        Assert.Equal(["p1", "p2"], prepared.References.Keys.Order(StringComparer.Ordinal));
        Assert.False(prepared.Rejected["p3"].Culprit);
        Assert.True(prepared.Rejected["p4"].Culprit);
    }

    [Fact]
    public async Task LightningPaysEachPayoutAndProvesItWithItsHash()
    {
        var rail = Rail(Lightning);
        var attempt = await PreparedAsync(rail, Attempt(Lightning, Plain1, Plain2));

        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.NotFound>(o));
        var outcomes = await rail.Execute(attempt, Ct);

        foreach (var p in attempt.Payouts)
        {
            var proof = Json(Assert.IsType<SendOutcome.Succeeded>(outcomes[p.PayoutId]).ProofJson);
            Assert.Equal("PayoutLightningBlob", proof.GetProperty("proofType").GetString());
            Assert.Equal(p.Reference, proof.GetProperty("id").GetString());
        }
        Assert.Equal(attempt.Payouts.Select(p => (p.PayoutId, p.Reference!)), _store.Ledger.Select(e => (e.PayoutId, e.Reference)));
        Assert.Equal(_options.InitialBalance - Plain1 - Plain2 - 2 * _options.LightningFeePerPayment,
            await _store.SandboxBalance("s1", Lightning, _options.InitialBalance, Ct));
        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Succeeded>(o));
    }

    [Fact]
    public async Task LightningFailureFailsOnlyThatPayout()
    {
        var rail = Rail(Lightning);
        var attempt = await PreparedAsync(rail, Attempt(Lightning, Plain1, Rejected400, Plain2));

        var outcomes = await rail.Execute(attempt, Ct);

        Assert.IsType<SendOutcome.Succeeded>(outcomes["p1"]);
        Assert.True(NotSent(outcomes["p2"]).Culprit);
        Assert.IsType<SendOutcome.Succeeded>(outcomes["p3"]);
        Assert.Equal(["p1", "p3"], _store.Ledger.Select(e => e.PayoutId));
    }

    [Fact]
    public async Task LightningInFlightTriggerStaysInFlightThenSucceeds()
    {
        var rail = Rail(Lightning);
        var attempt = await PreparedAsync(rail, Attempt(Lightning, InFlight102, Plain1));

        var outcomes = await rail.Execute(attempt, Ct);

        Assert.IsType<SendOutcome.InFlight>(outcomes["p1"]);
        Assert.IsType<SendOutcome.Succeeded>(outcomes["p2"]);
        Assert.Equal(["p1", "p2"], _store.Ledger.Select(e => e.PayoutId)); // in flight: the money has left
        _clock.Advance(_options.InFlight - TimeSpan.FromMilliseconds(1));
        Assert.IsType<SendOutcome.InFlight>((await rail.Status(attempt, Ct))["p1"]);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var settled = Assert.IsType<SendOutcome.Succeeded>((await rail.Status(attempt, Ct))["p1"]);
        Assert.Equal(attempt.Payouts[0].Reference, Json(settled.ProofJson).GetProperty("id").GetString());
    }

    [Fact]
    public async Task LightningPayingTheSameHashAgainPaysOnceAndAnswersWithItsState()
    {
        var rail = Rail(Lightning);
        var attempt = await PreparedAsync(rail, Attempt(Lightning, InFlight102, Plain1));
        await rail.Execute(attempt, Ct);

        var again = await rail.Execute(attempt, Ct);

        Assert.IsType<SendOutcome.InFlight>(again["p1"]);
        Assert.IsType<SendOutcome.Succeeded>(again["p2"]);
        Assert.Equal(2, _store.Ledger.Count);
        _clock.Advance(_options.InFlight);
        Assert.All((await rail.Execute(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Succeeded>(o));
        Assert.Equal(2, _store.Ledger.Count);
    }

    [Fact]
    public async Task LightningTimeoutIsUnknownAfterTheMoneyLeft()
    {
        var rail = Rail(Lightning);
        var attempt = await PreparedAsync(rail, Attempt(Lightning, Timeout408));

        Assert.IsType<SendOutcome.Unknown>((await rail.Execute(attempt, Ct))["p1"]);

        Assert.Single(_store.Ledger);
        Assert.IsType<SendOutcome.Succeeded>((await rail.Status(attempt, Ct))["p1"]);
        Assert.IsType<SendOutcome.Unknown>((await rail.Execute(attempt, Ct))["p1"]);
        Assert.Single(_store.Ledger);
    }

    [Fact]
    public async Task LightningPaymentWithoutFundsIsNotSentWithoutBlameAndOthersStillGo()
    {
        _options.InitialBalance = 0.01m;
        var rail = Rail(Lightning);
        var attempt = await PreparedAsync(rail, Attempt(Lightning, Plain1, Plain2));
        _store.Spend("s1", Lightning, _options.InitialBalance, 0.01m - 0.0015m);

        var outcomes = await rail.Execute(attempt, Ct);

        Assert.IsType<SendOutcome.Succeeded>(outcomes["p1"]);
        Assert.False(NotSent(outcomes["p2"]).Culprit);
        Assert.Equal(["p1"], _store.Ledger.Select(e => e.PayoutId));
    }

    [Fact]
    public async Task LightningReexecutionOfAPartOfTheAttemptPaysOnlyThatPart()
    {
        // What a reconciler does: execute again only the payouts the rail never saw.
        var rail = Rail(Lightning);
        var attempt = await PreparedAsync(rail, Attempt(Lightning, Plain1, Plain2));

        var outcomes = await rail.Execute(attempt with { Payouts = [attempt.Payouts[1]] }, Ct);

        Assert.Equal(["p2"], outcomes.Keys);
        Assert.Equal(["p2"], _store.Ledger.Select(e => e.PayoutId));
    }

    [Fact]
    public async Task RegistryGivesTheSandboxToStoresWithoutARail()
    {
        var configs = new InMemoryRailConfigs();
        using var http = new HttpClient();
        var registry = new RailRegistry(configs, _store, _options, http, _clock);
        configs.Set(new RailConfig("s3", Chain, "type=bitcoind;server=http://127.0.0.1:18443;user=u;password=p;wallet=w", "regtest", "{}", T0, T0));

        Assert.Same(await registry.For("s1", Chain, Ct), await registry.For("s2", Chain, Ct));
        Assert.IsType<SandboxRail>(await registry.For("s1", Lightning, Ct));
        Assert.NotSame(await registry.For("s1", Chain, Ct), await registry.For("s1", Lightning, Ct));
        Assert.IsType<Payouts.Rails.Bitcoin.BitcoinCoreRail>(await registry.For("s3", Chain, Ct));
        Assert.IsType<SandboxRail>(await registry.For("s3", Lightning, Ct));
    }

    private sealed class InMemoryRailConfigs : IRailConfigStore
    {
        private readonly Dictionary<(string, PayoutMethodId), RailConfig> _configs = [];

        public void Set(RailConfig c) => _configs[(c.StoreId, c.MethodId)] = c;

        public Task<RailConfig?> RailConfigGet(string storeId, PayoutMethodId method, CancellationToken ct) =>
            Task.FromResult(_configs.GetValueOrDefault((storeId, method)));

        public Task<IReadOnlyList<RailConfig>> RailConfigList(string storeId, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<RailConfig>>(_configs.Values.Where(c => c.StoreId == storeId).ToList());

        public Task<RailConfigWrite> RailConfigUpsert(RailConfig config, CancellationToken ct)
        {
            Set(config);
            return Task.FromResult(RailConfigWrite.Written);
        }

        public Task<RailConfigWrite> RailConfigDelete(string storeId, PayoutMethodId method, CancellationToken ct) =>
            Task.FromResult(_configs.Remove((storeId, method)) ? RailConfigWrite.Deleted : RailConfigWrite.NotFound);
    }
}

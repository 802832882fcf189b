using Payouts.Core.Processors;
using Payouts.Core.Sending;
using Payouts.Rails.Bitcoin;
using static Payouts.Rails.Tests.Bitcoin.RailAttempts;

namespace Payouts.Rails.Tests.Bitcoin;

/// <summary>
/// The Bitcoin Core rail against the simulated node (DESIGN §4, §6). Each test says not only what the rail answered,
/// but what the chain shows: which transactions paid each destination (<c>PaymentsTo</c>), that none was paid twice
/// (<c>AssertNoDoublePayment</c>), and how often anything was broadcast.
/// </summary>
public sealed class BitcoinCoreRailTests : BitcoinCoreRailFixture
{
    // ---------------------------------------------------------------- the happy path

    [Fact]
    public async Task BatchIsOneRbfTransactionPayingEachExactlyThatConfirmsThenBecomesFinal()
    {
        var (d1, d2, d3) = (Destination(), Destination(), Destination());
        var rail = Rail();

        var prepared = await rail.Prepare(Attempt((d1, 0.1m), (d2, 0.2m), (d3, 0.3m)), Processor(), Ct);

        Assert.Empty(prepared.Rejected);
        var txid = Assert.Single(prepared.References.Values.Distinct());
        var version = Assert.Single(BitcoinArtifact.Read(prepared.Artifact).Versions);
        Assert.Equal(txid, version.Txid);
        var tx = Tx(version.Hex);
        Assert.Equal(txid, tx.Txid);
        Assert.True(tx.SignalsRbf);
        Assert.Equal(4, tx.Outputs.Count); // three payouts and the change
        Assert.Empty(Node.CallsOf("sendrawtransaction")); // preparing never broadcasts

        var attempt = Commit(Attempt((d1, 0.1m), (d2, 0.2m), (d3, 0.3m)), prepared);
        var executed = await rail.Execute(attempt, Ct);
        Assert.All(executed.Values, o => Assert.IsType<SendOutcome.Sent>(o));
        attempt = Apply(attempt, executed);
        Assert.True(Node.InMempool(txid));
        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));

        Node.Mine();
        var confirmed = await rail.Status(attempt, Ct);
        Assert.Equal(3, confirmed.Count);
        foreach (var outcome in confirmed.Values)
        {
            var succeeded = Assert.IsType<SendOutcome.Succeeded>(outcome);
            Assert.False(succeeded.Final);
            Assert.Equal(txid, Json(succeeded.ProofJson).GetProperty("transactionId").GetString());
        }
        attempt = Apply(attempt, confirmed);

        Node.Mine(new BitcoinTracking().FinalConfirmations - 1);
        var final = await rail.Status(attempt, Ct);
        Assert.All(final.Values, o => Assert.True(Assert.IsType<SendOutcome.Succeeded>(o).Final));

        PaidOnce(d1, 0.1m, txid);
        PaidOnce(d2, 0.2m, txid);
        PaidOnce(d3, 0.3m, txid);
        // The change came back: the wallet lost exactly the payouts and the fee.
        Assert.Equal(SatsOf(3m) - SatsOf(0.6m) - SatsOf(version.Fee), Node.BalanceSats(Wallet));
        Assert.Single(Node.CallsOf("sendrawtransaction"));
        Node.AssertNoDoublePayment();
    }

    [Fact]
    public async Task BatchIsSentUntilMinConfirmationsAndFinalAtFinalConfirmations()
    {
        var rail = Rail(new BitcoinTracking { MinConfirmations = 2, FinalConfirmations = 3 });
        var attempt = await Sent(rail, Attempt((Destination(), 0.5m)));

        Node.Mine();
        Assert.IsType<SendOutcome.Sent>((await rail.Status(attempt, Ct))["p1"]);
        Node.Mine();
        Assert.False(Assert.IsType<SendOutcome.Succeeded>((await rail.Status(attempt, Ct))["p1"]).Final);
        Node.Mine();
        Assert.True(Assert.IsType<SendOutcome.Succeeded>((await rail.Status(attempt, Ct))["p1"]).Final);
    }

    // ---------------------------------------------------------------- crashes around execute

    [Fact]
    public async Task ArtifactCommittedBeforeACrashIsNotFoundThenBroadcastsTheIdenticalTransaction()
    {
        var d1 = Destination();
        var attempt = await Prepared(Rail(), Attempt((d1, 0.5m)));
        var txid = attempt.Payouts[0].Reference!;

        // The node restarted between prepare and execute: a new rail (new process) reconciles the committed attempt.
        var restarted = Rail();
        Assert.All((await restarted.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.NotFound>(o));
        Assert.Empty(Node.CallsOf("sendrawtransaction"));

        Assert.All((await restarted.Execute(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));
        Assert.True(Node.InMempool(txid));
        // Executing the same artifact again is harmless: the same bytes, the same txid.
        Assert.All((await restarted.Execute(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));
        PaidOnce(d1, 0.5m, txid);
        Node.AssertNoDoublePayment();
    }

    [Fact]
    public async Task ExecuteWhoseAnswerIsLostThrowsAndStatusThenSaysSentWithoutASecondTransaction()
    {
        var d1 = Destination();
        var rail = Rail();
        var attempt = await Prepared(rail, Attempt((d1, 0.5m)));
        var txid = attempt.Payouts[0].Reference!;
        Node.DropResponse("sendrawtransaction");

        // The run cannot tell whether the money left, so it must not get an answer it would record as NotSent.
        await Assert.ThrowsAnyAsync<Exception>(() => rail.Execute(attempt, Ct));

        Assert.True(Node.InMempool(txid));
        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));
        Assert.Single(Node.CallsOf("sendrawtransaction"));
        PaidOnce(d1, 0.5m, txid);
    }

    [Fact]
    public async Task ReExecutingAMinedBatchReportsItsConfirmationWithoutSendingAgain()
    {
        var d1 = Destination();
        var rail = Rail();
        var attempt = await Sent(rail, Attempt((d1, 0.5m)));
        Node.Mine();

        // The node answers "already in the chain" (-27); what the wallet knows decides.
        var outcome = Assert.IsType<SendOutcome.Succeeded>((await rail.Execute(attempt, Ct))["p1"]);

        Assert.Equal(attempt.Payouts[0].Reference, Json(outcome.ProofJson).GetProperty("transactionId").GetString());
        PaidOnce(d1, 0.5m, attempt.Payouts[0].Reference!);
    }

    [Fact]
    public async Task ArtifactWhoseCoinsWereSpentBeforeItLeftIsNotSent()
    {
        // Batch A is committed, then (its locks lost, as on a node restart) batch B spends the same coin and is mined.
        // A's bytes were never accepted by the node, so the refusal proves A never left.
        var (da, db) = (Destination(), Destination());
        var rail = Rail();
        var a = await Prepared(rail, Attempt((da, 0.5m)));
        await Rpc.Call("lockunspent", true);
        var b = await Sent(rail, Attempt((db, 0.6m)));
        Assert.Equal(RailAttempts.Artifact(a).Versions[0].Inputs, RailAttempts.Artifact(b).Versions[0].Inputs);
        Node.Mine();

        AllNotSent(await rail.Execute(a, Ct), ["p1"], culprit: false);

        Assert.Empty(Node.PaymentsTo(da));
        PaidOnce(db, 0.6m, b.Payouts[0].Reference!);
    }

    // ---------------------------------------------------------------- funding

    [Fact]
    public async Task WalletFundsTheSmallestPayoutsFirstAndTheOthersWaitWithoutBlame()
    {
        // 3 BTC in the wallet: 0.5 + 1.0 fit; adding 1.6 (3.1) does not.
        var (d1, d2, d3, d4) = (Destination(), Destination(), Destination(), Destination());
        var rail = Rail();

        var prepared = await rail.Prepare(Attempt((d1, 1.6m), (d2, 0.5m), (d3, 2.0m), (d4, 1.0m)), Processor(), Ct);

        Assert.Equal(["p2", "p4"], prepared.References.Keys.Order(StringComparer.Ordinal));
        AllNotSent(prepared.Rejected, ["p1", "p3"], culprit: false);
        var attempt = Commit(Attempt((d1, 1.6m), (d2, 0.5m), (d3, 2.0m), (d4, 1.0m)), prepared);
        var version = Assert.Single(RailAttempts.Artifact(attempt).Versions);
        Assert.Equal(3, Tx(version.Hex).Outputs.Count); // two payouts and the change
        // The rail never locks coins: a lock left by a run that died would starve every later batch.
        Assert.Empty(await Locked());

        await rail.Execute(attempt, Ct);
        Node.Mine();

        PaidOnce(d2, 0.5m, version.Txid);
        PaidOnce(d4, 1.0m, version.Txid);
        Assert.Empty(Node.PaymentsTo(d1));
        Assert.Empty(Node.PaymentsTo(d3));
        Assert.Equal(SatsOf(3m) - SatsOf(1.5m) - SatsOf(version.Fee), Node.BalanceSats(Wallet));
    }

    [Fact]
    public async Task EmptyWalletRefusesEveryPayoutAndHoldsNoCoins()
    {
        Node.CreateWallet("empty");
        var prepared = await Rail(wallet: "empty").Prepare(Attempt((Destination(), 0.1m), (Destination(), 0.2m)), Processor(), Ct);

        Assert.Empty(prepared.References);
        AllNotSent(prepared.Rejected, ["p1", "p2"], culprit: false);
        Assert.Empty(BitcoinArtifact.Read(prepared.Artifact).Versions);
        Assert.Empty((await Rpc.Call("listlockunspent")).EnumerateArray());
        Assert.Empty(Node.CallsOf("walletprocesspsbt"));
        Assert.Empty(Node.CallsOf("sendrawtransaction"));
    }

    // ---------------------------------------------------------------- fees

    [Theory]
    [InlineData(7, null, null, 7)]     // the estimate as it is
    [InlineData(3, 10, null, 10)]      // raised to the minimum
    [InlineData(80, null, 30, 30)]     // lowered to the maximum
    public async Task FeeRateIsTheEstimateClampedToThePolicy(int estimate, int? min, int? max, int expected)
    {
        Node.SetFeeEstimate(2, estimate);
        var policy = new ProcessorPolicy { FeeRateSatPerVbyteMin = min, FeeRateSatPerVbyteMax = max };

        var attempt = await Prepared(Rail(), Attempt((Destination(), 0.1m)), Processor(policy, feeBlockTarget: 2));

        AssertPaysRate(Assert.Single(RailAttempts.Artifact(attempt).Versions), expected);
    }

    [Theory]
    [InlineData(null, 20)]  // Bitcoin Core's own -fallbackfee default
    [InlineData(12, 12)]
    public async Task WithoutAnEstimateTheFallbackRateIsUsed(int? fallback, int expected)
    {
        var policy = new ProcessorPolicy { FeeRateSatPerVbyteFallback = fallback };

        var attempt = await Prepared(Rail(), Attempt((Destination(), 0.1m)), Processor(policy));

        AssertPaysRate(Assert.Single(RailAttempts.Artifact(attempt).Versions), expected);
    }

    [Fact]
    public async Task FeeAboveBatchFeeMaxRefusesTheWholeBatchAndFreesItsCoins()
    {
        // At the 20 sat/vB fallback a one-input, four-output batch costs about 0.00004 BTC.
        var policy = new ProcessorPolicy { BatchFeeMax = 0.00001m };

        var prepared = await Rail().Prepare(Attempt((Destination(), 0.1m), (Destination(), 0.2m), (Destination(), 0.3m)), Processor(policy), Ct);

        Assert.Empty(prepared.References);
        AllNotSent(prepared.Rejected, ["p1", "p2", "p3"], culprit: false);
        Assert.Contains("batchFeeMax", prepared.Rejected["p1"].Reason, StringComparison.Ordinal);
        Assert.Empty(await Locked());
        Assert.Empty(Node.CallsOf("walletprocesspsbt"));
        Assert.Empty(Node.CallsOf("sendrawtransaction"));
    }

    private static void AssertPaysRate(BitcoinTxVersion version, decimal satPerVbyte)
    {
        Assert.Equal(satPerVbyte, version.FeeRate);
        // What the signed transaction really pays: at least the rate, and not much more (the wallet sizes for 72-byte signatures).
        var paid = SatsOf(version.Fee) / (decimal)Tx(version.Hex).VirtualSize;
        Assert.InRange(paid, satPerVbyte, satPerVbyte * 1.05m);
    }

    // ---------------------------------------------------------------- destinations

    [Fact]
    public async Task WrongNetworkUnparsableAndDustDestinationsAreCulpritsAndTheOthersStillGo()
    {
        var good = Destination();
        var rail = Rail();
        var attempt = Attempt(
            ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", 0.1m), // mainnet
            ("not-an-address", 0.1m),
            (Destination(), 0.00000200m),                           // below a P2WPKH output's 294 sat dust limit
            (good, 0.2m));

        var prepared = await rail.Prepare(attempt, Processor(), Ct);

        AllNotSent(prepared.Rejected, ["p1", "p2", "p3"], culprit: true);
        Assert.Equal(["p4"], prepared.References.Keys);
        var committed = Commit(attempt, prepared);
        Assert.All((await rail.Execute(committed, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));
        PaidOnce(good, 0.2m, prepared.References["p4"]);
    }

    // ---------------------------------------------------------------- mempool, conflicts, reorgs

    [Fact]
    public async Task EvictedBatchIsBroadcastAgainFromItsStoredBytes()
    {
        var d1 = Destination();
        var rail = Rail();
        var attempt = await Sent(rail, Attempt((d1, 0.5m)));
        var txid = attempt.Payouts[0].Reference!;
        Node.EvictFromMempool(txid);

        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));

        Assert.True(Node.InMempool(txid));
        Assert.Equal(2, Node.CallsOf("sendrawtransaction").Count);
        PaidOnce(d1, 0.5m, txid);
    }

    [Fact]
    public async Task MinedConflictProvesTheBatchDeadForEveryPayout()
    {
        var (d1, d2) = (Destination(), Destination());
        var rail = Rail();
        var attempt = await Sent(rail, Attempt((d1, 0.1m), (d2, 0.2m)));
        var txid = attempt.Payouts[0].Reference!;

        Node.DoubleSpend(txid, mine: true);
        var status = await rail.Status(attempt, Ct);

        AllNotSent(status, ["p1", "p2"], culprit: false);
        Assert.NotEmpty(Node.CallsOf("abandontransaction"));
        Assert.All(Node.PaymentsTo(d1).Concat(Node.PaymentsTo(d2)), p => Assert.False(p.Viable));
        Node.AssertNoDoublePayment();
    }

    [Fact]
    public async Task CoinsTheConflictDidNotSpendFundTheNextBatch()
    {
        // 2.5 BTC needs both coins; the conflict spends only the first, so the other must not stay held for a dead batch.
        var d1 = Destination();
        var rail = Rail();
        var dead = await Sent(rail, Attempt((d1, 2.5m)));
        Assert.Equal(2, RailAttempts.Artifact(dead).Versions[0].Inputs.Count);
        Node.DoubleSpend(dead.Payouts[0].Reference!, mine: true);
        AllNotSent(await rail.Status(dead, Ct), ["p1"], culprit: false);

        var retry = await Sent(rail, Attempt((d1, 0.5m)) with { Id = "attempt-2" });
        Node.Mine();

        Assert.IsType<SendOutcome.Succeeded>((await rail.Status(retry, Ct))["p1"]);
        Assert.Single(Node.PaymentsTo(d1), p => p.Viable);
        Node.AssertNoDoublePayment();
    }

    [Fact]
    public async Task ConflictStillInTheMempoolIsNotProofTheBatchIsDead()
    {
        var rail = Rail();
        var attempt = await Sent(rail, Attempt((Destination(), 0.1m), (Destination(), 0.2m)));

        Node.DoubleSpend(attempt.Payouts[0].Reference!, mine: false);

        // The conflict could still be replaced or dropped and ours mined: nothing is proven, so nothing may be resent.
        Assert.All((await rail.Status(attempt, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));
    }

    [Fact]
    public async Task ReorgAfterAShallowConfirmationMakesTheBatchSentAgain()
    {
        var d1 = Destination();
        var rail = Rail();
        var attempt = await Sent(rail, Attempt((d1, 0.5m)));
        var txid = attempt.Payouts[0].Reference!;
        Node.Mine();
        var confirmed = await rail.Status(attempt, Ct);
        Assert.False(Assert.IsType<SendOutcome.Succeeded>(confirmed["p1"]).Final);
        attempt = Apply(attempt, confirmed);
        Assert.Equal(AttemptPayoutState.Confirmed, attempt.Payouts[0].State);

        Node.Reorg(1);

        Assert.True(Node.InMempool(txid));
        Assert.IsType<SendOutcome.Sent>((await rail.Status(attempt, Ct))["p1"]);
        Node.Mine();
        Assert.IsType<SendOutcome.Succeeded>((await rail.Status(attempt, Ct))["p1"]);
        PaidOnce(d1, 0.5m, txid);
    }

    [Fact]
    public async Task ReorgThatDropsTheBatchForADoubleSpendProvesItDead()
    {
        var rail = Rail();
        var attempt = await Sent(rail, Attempt((Destination(), 0.5m)));
        var txid = attempt.Payouts[0].Reference!;
        Node.Mine();
        attempt = Apply(attempt, await rail.Status(attempt, Ct));

        Node.Reorg(1, dropTxids: [txid]);
        Node.DoubleSpend(txid, mine: true);

        AllNotSent(await rail.Status(attempt, Ct), ["p1"], culprit: false);
        Node.AssertNoDoublePayment();
    }

    // ---------------------------------------------------------------- node trouble

    [Fact]
    public async Task UnreachableNodeAtPrepareLeavesEveryPayoutWaitingWithoutBlame()
    {
        await Node.Stop();

        var prepared = await Rail().Prepare(Attempt((Destination(), 0.1m), (Destination(), 0.2m)), Processor(), Ct);

        Assert.Empty(prepared.References);
        AllNotSent(prepared.Rejected, ["p1", "p2"], culprit: false);
    }

    [Fact]
    public async Task NodeErrorWhileSigningLeavesEveryPayoutWaitingAndFreesTheCoins()
    {
        Node.FailNext("walletprocesspsbt", -13, "Error: Please enter the wallet passphrase with walletpassphrase first.");

        var prepared = await Rail().Prepare(Attempt((Destination(), 0.1m), (Destination(), 0.2m)), Processor(), Ct);

        Assert.Empty(prepared.References);
        AllNotSent(prepared.Rejected, ["p1", "p2"], culprit: false);
        Assert.Empty(await Locked());
    }

    [Fact]
    public async Task RunCancelledWhileSigningGivesTheBatchCoinsBack()
    {
        using var run = new CancellationTokenSource();
        using var http = new HttpClient(new CancelRunOn("walletprocesspsbt", run));
        var attempt = Attempt((Destination(), 0.1m), (Destination(), 0.2m));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Rail(http: http).Prepare(attempt, Processor(), run.Token));

        // Nothing was committed, so nothing would ever unlock them: the next batch could not be funded until the node restarts.
        Assert.Empty(await Locked());
        Assert.Empty(Node.CallsOf("sendrawtransaction"));
    }

    [Fact]
    public async Task UnreachableNodeAtExecuteThrowsAndTheArtifactIsSentLater()
    {
        var d1 = Destination();
        var rail = Rail();
        var attempt = await Prepared(rail, Attempt((d1, 0.5m)));
        await Node.Stop();

        // An exception, not NotSent: the run records Unknown and only the reconciler decides.
        await Assert.ThrowsAnyAsync<Exception>(() => rail.Execute(attempt, Ct));

        await Node.Restart();
        Assert.IsType<SendOutcome.NotFound>((await rail.Status(attempt, Ct))["p1"]);
        Assert.IsType<SendOutcome.Sent>((await rail.Execute(attempt, Ct))["p1"]);
        PaidOnce(d1, 0.5m, attempt.Payouts[0].Reference!);
    }

    [Fact]
    public async Task WrongCredentialsAreBitcoindUnavailable()
    {
        var rail = Rail(password: "wrong");

        await Assert.ThrowsAsync<BitcoindUnavailableException>(() => rail.Test(Ct));
        var attempt = await Prepared(Rail(), Attempt((Destination(), 0.5m)));
        await Assert.ThrowsAsync<BitcoindUnavailableException>(() => rail.Execute(attempt, Ct));
        Assert.Empty(Node.CallsOf("sendrawtransaction"));
    }

    // ---------------------------------------------------------------- connection test

    [Fact]
    public async Task TestReportsChainBlocksWalletAndBalance()
    {
        var report = await Rail().Test(Ct);

        Assert.Equal("regtest", report.Chain);
        Assert.Equal(Node.Height, report.Blocks);
        Assert.Equal(Wallet, report.Wallet);
        Assert.Equal(3m, report.BalanceTrusted);
        Assert.Empty(report.Problems);
    }

    [Fact]
    public async Task TestOfAWalletTheNodeHasNotLoadedFailsWithWalletNotFound()
    {
        // The test-connection endpoint turns this code into "the wallet is not loaded on the node".
        var error = await Assert.ThrowsAsync<BitcoindRpcException>(() => Rail(wallet: "missing").Test(Ct));

        Assert.Equal(BitcoindRpcException.WalletNotFound, error.Code);
    }

    [Fact]
    public async Task TestNamesAWrongNetworkAsAProblem()
    {
        var report = await Rail(network: "testnet").Test(Ct);

        var problem = Assert.Single(report.Problems);
        Assert.Contains("regtest", problem, StringComparison.Ordinal);
        Assert.Contains("testnet", problem, StringComparison.Ordinal);
    }
}

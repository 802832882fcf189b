using System.Globalization;
using Payouts.Core.Processors;
using Payouts.Core.Sending;
using Payouts.Simulators.Lightning;
using static Payouts.Rails.Tests.Lightning.LnAttempts;

namespace Payouts.Rails.Tests.Lightning;

/// <summary>
/// The Lightning rail against one simulated node per test, run once per node kind (LND REST, CLN socket, CLN REST) by
/// the sealed classes below it. Each test says what the rail answered and what the network shows: who settled what,
/// from which node, how many payments the node made of each hash, and that nothing was paid twice.
/// </summary>
public abstract class LightningRailNodeTests : LightningRailFixture
{
    protected abstract NodeKind Kind { get; }

    /// <summary>
    /// What a run gets for a payment still held when its wait runs out: LND streams "in flight"; CLN's pay answers only
    /// at the end, so the call times out and the outcome is unknown. Both leave the payout to status checks.
    /// </summary>
    protected abstract Type HeldPaymentOutcome { get; }

    // ---------------------------------------------------------------- outcomes of one payment

    [Fact]
    public async Task PaysTheInvoiceOnceAndProvesItWithThePayeesPreimage()
    {
        var node = await StartNode(Kind);
        var (bolt11, hash) = Invoice(Alice, 150_000);
        var rail = Rail(node);

        var prepared = await rail.Prepare(Attempt((bolt11, 150_000)), Processor(), Ct);

        Assert.Empty(prepared.Rejected);
        Assert.Equal(hash, prepared.References["p1"]);
        var payment = Assert.Single(Rails.Lightning.LightningArtifact.Read(prepared.Artifact).Payments);
        Assert.Equal((bolt11, hash, 150_000L, false, 1_500L), (payment.Invoice, payment.PaymentHash, payment.AmountMsat, payment.Amountless, payment.FeeLimitMsat));
        Assert.Empty(node.PayRequests); // preparing never pays

        var attempt = Commit(Attempt((bolt11, 150_000)), prepared);
        var executed = await rail.Execute(attempt, Ct);
        AssertProof(executed["p1"], hash);
        attempt = Apply(attempt, executed);
        AssertProof((await rail.Status(attempt with { Payouts = [attempt.Payouts[0] with { State = AttemptPayoutState.InFlight }] }, Ct))["p1"], hash);

        AssertPaidOnce(node, hash, Alice, 150_000);
        Assert.Equal(0, Network.TotalFeesMsat);
        Assert.Single(node.PayRequests);
    }

    [Fact]
    public async Task NoRouteIsNotSentAndTheInvoiceIsToBlame()
    {
        var node = await StartNode(Kind);
        var (bolt11, hash) = Invoice(Alice, 100_000);
        Network.SetBehavior(hash, PaymentBehavior.Fail(LightningFailure.NoRoute));
        var rail = Rail(node);
        var attempt = await Prepared(rail, Attempt((bolt11, 100_000)));

        var notSent = Assert.IsType<SendOutcome.NotSent>((await rail.Execute(attempt, Ct))["p1"]);

        Assert.True(notSent.Culprit);
        Assert.Empty(Network.Ledger);
        // The node's record agrees, so the reconciler would not revive it either.
        Assert.True(Assert.IsType<SendOutcome.NotSent>((await rail.Status(attempt, Ct))["p1"]).Culprit);
        Network.AssertNoDoublePayment();
    }

    public static TheoryData<string?, string?, long> FeePolicies => new()
    {
        // maxFeePercent, maxFee (BTC), the limit in msat for 200 000 msat
        { null, null, 2_000 },           // neither: 1 %
        { "0.5", null, 1_000 },
        { null, "0.00000003", 3_000 },   // only the absolute cap
        { "2", "0.00000001", 1_000 },    // both: the lower
    };

    [Theory]
    [MemberData(nameof(FeePolicies))]
    public async Task RouteFeeAboveThePolicysLimitFailsAndAtTheLimitPays(string? percent, string? maxBtc, long limitMsat)
    {
        var node = await StartNode(Kind);
        var (tooDear, tooDearHash) = Invoice(Alice, 200_000);
        var (justRight, justRightHash) = Invoice(Bob, 200_000);
        Network.SetBehavior(tooDearHash, PaymentBehavior.Succeed(routeFeeMsat: limitMsat + 1));
        Network.SetBehavior(justRightHash, PaymentBehavior.Succeed(routeFeeMsat: limitMsat));
        var policy = ProcessorPolicy.Default with
        {
            LightningFeePercentMax = percent is null ? null : decimal.Parse(percent, CultureInfo.InvariantCulture),
            LightningFeeMax = maxBtc is null ? null : decimal.Parse(maxBtc, CultureInfo.InvariantCulture),
        };
        var rail = Rail(node);
        var attempt = await Prepared(rail, Attempt((tooDear, 200_000), (justRight, 200_000)), Processor(policy));

        var executed = await rail.Execute(attempt, Ct);

        Assert.True(Assert.IsType<SendOutcome.NotSent>(executed["p1"]).Culprit);
        AssertProof(executed["p2"], justRightHash);
        Assert.Empty(Network.PaymentsSettled(tooDearHash));
        AssertPaidOnce(node, justRightHash, Bob, 200_000);
        Assert.Equal(limitMsat, Network.TotalFeesMsat);
        // What the node was told is the policy's limit, for each payment.
        Assert.All(node.PayRequests, r => Assert.Equal(limitMsat, node.FeeLimitOf(r)));
        Assert.Equal(2, node.PayRequests.Count);
    }

    [Fact]
    public async Task AmountlessInvoiceIsPaidWithThePayoutsAmount()
    {
        var node = await StartNode(Kind);
        var (bolt11, hash) = Invoice(Alice, amountMsat: null);
        var rail = Rail(node);
        var attempt = await Prepared(rail, Attempt((bolt11, 123_000)));
        Assert.True(Assert.Single(Artifact(attempt).Payments).Amountless);

        AssertProof((await rail.Execute(attempt, Ct))["p1"], hash);

        Assert.Equal(123_000, node.AmountOf(Assert.Single(node.PayRequests)));
        AssertPaidOnce(node, hash, Alice, 123_000);
    }

    // ---------------------------------------------------------------- the node cannot answer or refuses

    [Fact]
    public async Task NodeDownIsNotSentWithoutBlameAndTheNextAttemptPaysOnce()
    {
        var node = await StartNode(Kind);
        var (bolt11, hash) = Invoice(Alice, 80_000);
        var rail = Rail(node);
        var attempt = await Prepared(rail, Attempt((bolt11, 80_000)));
        await node.Stop();

        Assert.False(Assert.IsType<SendOutcome.NotSent>((await rail.Execute(attempt, Ct))["p1"]).Culprit);
        Assert.Empty(Network.Attempts);

        await node.Restart();
        var again = await Prepared(rail, Attempt((bolt11, 80_000)));
        AssertProof((await rail.Execute(again, Ct))["p1"], hash);
        AssertPaidOnce(node, hash, Alice, 80_000);
    }

    [Fact]
    public async Task RefusalThatIsNotAboutThePaymentIsNotSentOnlyBecauseTheNodeHasNoPayment()
    {
        var node = await StartNode(Kind);
        var (bolt11, hash) = Invoice(Alice, 80_000);
        var rail = Rail(node);
        var attempt = await Prepared(rail, Attempt((bolt11, 80_000)));
        node.RefuseNextPay();

        Assert.False(Assert.IsType<SendOutcome.NotSent>((await rail.Execute(attempt, Ct))["p1"]).Culprit);
        Assert.Empty(Network.Attempts);

        AssertProof((await rail.Execute(attempt, Ct))["p1"], hash);
        AssertPaidOnce(node, hash, Alice, 80_000);
    }

    [Fact]
    public async Task RefusalTheNodeCannotThenConfirmIsUnknownAndTheRestOfTheBatchKeepsItsOutcome()
    {
        var node = await StartNode(Kind);
        var (first, firstHash) = Invoice(Alice, 30_000);
        var (second, secondHash) = Invoice(Bob, 31_000);
        // One at a time, in payout order: p1 meets both faults, p2 none.
        var rail = Rail(node, new Rails.Lightning.LightningSending { PaymentTimeoutSeconds = 1, ParallelPayments = 1 });
        var attempt = await Prepared(rail, Attempt((first, 30_000), (second, 31_000)));
        node.RefuseNextPay();
        node.FailNextTrack();

        var executed = await rail.Execute(attempt, Ct);

        // Without the node's word that it has no payment, the refusal proves nothing.
        Assert.IsType<SendOutcome.Unknown>(executed["p1"]);
        AssertProof(executed["p2"], secondHash);
        attempt = Apply(attempt, executed);
        Assert.IsType<SendOutcome.NotFound>((await rail.Status(attempt, Ct))["p1"]);
        Assert.Equal(0, node.PaymentsOf(firstHash));
        AssertPaidOnce(node, secondHash, Bob, 31_000);
    }

    // ---------------------------------------------------------------- crashes and lost answers

    [Fact]
    public async Task AnswerLostAfterTheNodeAcceptedIsUnknownAndStatusFindsTheOnePayment()
    {
        var node = await StartNode(Kind);
        var (bolt11, hash) = Invoice(Alice, 70_000);
        var rail = Rail(node);
        var attempt = await Prepared(rail, Attempt((bolt11, 70_000)));
        node.DropNextPayAnswer();

        var executed = await rail.Execute(attempt, Ct);

        // The money may have left: never "not sent", only re-checked.
        Assert.IsType<SendOutcome.Unknown>(executed["p1"]);
        attempt = Apply(attempt, executed);
        AssertProof((await Rail(node).Status(attempt, Ct))["p1"], hash);
        AssertPaidOnce(node, hash, Alice, 70_000);
        Assert.Single(node.PayRequests);
    }

    [Fact]
    public async Task CrashBetweenPrepareAndExecuteIsNotFoundThenTheSameArtifactPaysOnce()
    {
        var node = await StartNode(Kind);
        var (bolt11, hash) = Invoice(Alice, 60_000);
        var attempt = await Prepared(Rail(node), Attempt((bolt11, 60_000)));

        // The process died after committing; a new one reconciles the committed attempt.
        var restarted = Rail(node);
        Assert.IsType<SendOutcome.NotFound>((await restarted.Status(attempt, Ct))["p1"]);
        Assert.Empty(node.PayRequests);

        AssertProof((await restarted.Execute(attempt, Ct))["p1"], hash);
        // Executing the committed artifact again is harmless: the node refuses or repeats, it never pays again.
        var twice = (await restarted.Execute(attempt, Ct))["p1"];
        Assert.True(twice is SendOutcome.Unknown or SendOutcome.Succeeded, $"a repeated execute answered {twice}");
        AssertProof((await restarted.Status(attempt, Ct))["p1"], hash);
        AssertPaidOnce(node, hash, Alice, 60_000);
    }

    [Fact]
    public async Task HeldPaymentSurvivesANodeRestartIsNeverPaidTwiceAndSucceedsWhenSettled()
    {
        var node = await StartNode(Kind);
        var (bolt11, hash) = Invoice(Alice, 90_000);
        Network.SetBehavior(hash, PaymentBehavior.Hold());
        var rail = Rail(node);
        var attempt = await Prepared(rail, Attempt((bolt11, 90_000)));

        // The run waits the node's timeout plus the grace, then leaves the payment to the reconciler.
        var executed = await rail.Execute(attempt, Ct);
        Assert.IsType(HeldPaymentOutcome, executed["p1"]);
        attempt = Apply(attempt, executed);
        Assert.IsType<SendOutcome.InFlight>((await rail.Status(attempt, Ct))["p1"]);

        await node.Stop();
        await node.Restart();
        var restarted = Rail(node);
        Assert.IsType<SendOutcome.InFlight>((await restarted.Status(attempt, Ct))["p1"]);
        // A re-send of the committed invoice is refused by the node while the first is in flight…
        Assert.IsType<SendOutcome.InFlight>((await restarted.Execute(attempt, Ct))["p1"]);
        // …and a refusal for another reason is not taken as "not sent" while the node has a payment.
        node.RefuseNextPay();
        Assert.IsType<SendOutcome.InFlight>((await restarted.Execute(attempt, Ct))["p1"]);
        Assert.Equal(1, node.PaymentsOf(hash));
        Assert.Single(Network.Attempts);

        Assert.True(Network.Settle(hash));
        AssertProof((await restarted.Status(attempt, Ct))["p1"], hash);
        AssertPaidOnce(node, hash, Alice, 90_000);
    }

    // ---------------------------------------------------------------- batches

    [Fact]
    // 3, not 2: unbounded, .NET would run as many as this 2-core machine has cores, and a bound of 2 could not be told apart.
    public async Task ParallelPaymentsBoundsWhatIsInFlightAtTheNodeAndAllComplete()
    {
        var node = await StartNode(Kind);
        var invoices = Enumerable.Range(0, 6).Select(i => Invoice(i % 2 == 0 ? Alice : Bob, 10_000 + i)).ToList();
        foreach (var (_, hash) in invoices) Network.SetBehavior(hash, PaymentBehavior.Hold());
        var rail = Rail(node, new Rails.Lightning.LightningSending { PaymentTimeoutSeconds = 1, ParallelPayments = 3 });
        var attempt = await Prepared(rail, Attempt(invoices.Select((x, i) => (x.Bolt11, 10_000L + i)).ToArray()));

        var executing = rail.Execute(attempt, Ct);
        var settled = 0;
        while (settled < invoices.Count)
        {
            // Held payments leave the network only when settled here: whatever is in flight was started by the rail.
            var expected = Math.Min(3, invoices.Count - settled);
            await Eventually(() => InFlight().Count >= expected, $"{expected} payments in flight after {settled} settled");
            var inFlight = InFlight();
            Assert.Equal(expected, inFlight.Count);
            Assert.Equal(settled + expected, Network.Attempts.Count);
            foreach (var p in inFlight) Assert.True(Network.Settle(p.PaymentHash));
            settled += inFlight.Count;
        }

        var executed = await executing;
        Assert.Equal(6, executed.Count);
        foreach (var (i, (_, hash)) in invoices.Index())
        {
            AssertProof(executed[$"p{i + 1}"], hash);
            AssertPaidOnce(node, hash, i % 2 == 0 ? Alice : Bob, 10_000 + i);
        }
        Assert.Equal(6, Network.Ledger.Count);
        Assert.Equal(6, node.PayRequests.Count);

        List<NetworkPayment> InFlight() => Network.Attempts.Where(a => a.State == PaymentState.InFlight).ToList();
    }

    // ---------------------------------------------------------------- test-connection

    [Fact]
    public async Task TestConnectionReportsTheNodeAndItsNetwork()
    {
        var node = await StartNode(Kind);

        var info = await Rail(node).Test(Ct);

        Assert.Equal((node.Id, "regtest", true), (info.NodeId, info.Network, info.Synced));
        Assert.Equal(1, info.ActiveChannels);
        Assert.Empty(node.PayRequests);
    }
}

public sealed class LndRestRailTests : LightningRailNodeTests
{
    protected override NodeKind Kind => NodeKind.Lnd;
    protected override Type HeldPaymentOutcome => typeof(SendOutcome.InFlight);
}

public sealed class ClnSocketRailTests : LightningRailNodeTests
{
    protected override NodeKind Kind => NodeKind.ClnSocket;
    protected override Type HeldPaymentOutcome => typeof(SendOutcome.InFlight);
}

public sealed class ClnRestRailTests : LightningRailNodeTests
{
    protected override NodeKind Kind => NodeKind.ClnRest;
    protected override Type HeldPaymentOutcome => typeof(SendOutcome.InFlight);
}

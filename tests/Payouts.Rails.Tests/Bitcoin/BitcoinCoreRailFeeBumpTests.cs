using Payouts.Core.Processors;
using Payouts.Core.Sending;
using Payouts.Rails.Bitcoin;
using static Payouts.Rails.Tests.Bitcoin.RailAttempts;

namespace Payouts.Rails.Tests.Bitcoin;

/// <summary>
/// Fee bumps (DESIGN §4): a replacement spends every input of the first version, so however the versions are
/// committed, broadcast and mined, at most one of them can confirm and no destination is paid twice.
/// </summary>
public sealed class BitcoinCoreRailFeeBumpTests : BitcoinCoreRailFixture
{
    private static readonly TimeSpan BumpAfter = TimeSpan.FromMinutes(new BitcoinTracking().FeeBumpAfterMinutes);

    /// <summary>What the reconciler does with a replacement: commit it (the store swaps the artifact), then execute it.</summary>
    private static SendAttempt Committed(SendAttempt attempt, string replacement) => attempt with { Artifact = replacement };

    [Fact]
    public async Task NoReplacementBeforeFeeBumpAfterMinutes()
    {
        var rail = Rail();
        var attempt = await Sent(rail, Attempt((Destination(), 0.5m)));

        Clock.Advance(BumpAfter - TimeSpan.FromSeconds(1));

        Assert.Null(await rail.Replacement(attempt, Ct));
        Assert.Empty(Node.CallsOf("psbtbumpfee"));
    }

    [Fact]
    public async Task NoReplacementWhenBumpingIsOff()
    {
        var rail = Rail(new BitcoinTracking { FeeBumpAfterMinutes = 0 });
        var attempt = await Sent(rail, Attempt((Destination(), 0.5m)));

        Clock.Advance(TimeSpan.FromDays(30));

        Assert.Null(await rail.Replacement(attempt, Ct));
    }

    [Fact]
    public async Task ReplacementPaysMoreSpendsEveryInputOfTheFirstAndOnlyOneVersionConfirms()
    {
        var (d1, d2) = (Destination(), Destination());
        var rail = Rail();
        var attempt = await Sent(rail, Attempt((d1, 0.1m), (d2, 0.2m)));
        var v1 = Assert.Single(RailAttempts.Artifact(attempt).Versions);
        Clock.Advance(BumpAfter);

        var replacement = await rail.Replacement(attempt, Ct);

        Assert.NotNull(replacement);
        Assert.Empty(Node.CallsOf("sendrawtransaction").Skip(1)); // building a bump never broadcasts it
        var bumped = Committed(attempt, replacement);
        var versions = RailAttempts.Artifact(bumped).Versions;
        Assert.Equal(2, versions.Count);
        Assert.Equal((v1.Txid, v1.Hex), (versions[0].Txid, versions[0].Hex));
        var v2 = versions[1];
        Assert.True(v2.FeeRate >= v1.FeeRate * 1.25m, $"{v2.FeeRate} is not 25% above {v1.FeeRate}");
        Assert.True(v2.Fee > v1.Fee);
        Assert.Superset(v1.Inputs.ToHashSet(), v2.Inputs.ToHashSet());
        // The next bump waits its own FeeBumpAfterMinutes.
        Assert.Null(await rail.Replacement(bumped, Ct));

        Assert.All((await rail.Execute(bumped, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));
        Assert.True(Node.InMempool(v2.Txid));
        Assert.False(Node.InMempool(v1.Txid));

        Node.Mine();
        Assert.Equal((0, 1), (Math.Max(Node.Confirmations(v1.Txid), 0), Node.Confirmations(v2.Txid)));
        foreach (var outcome in (await rail.Status(bumped, Ct)).Values)
        {
            var proof = Json(Assert.IsType<SendOutcome.Succeeded>(outcome).ProofJson);
            Assert.Equal(v2.Txid, proof.GetProperty("transactionId").GetString());
            Assert.Equal([v1.Txid, v2.Txid], proof.GetProperty("candidates").EnumerateArray().Select(c => c.GetString()));
        }
        Assert.Single(Node.PaymentsTo(d1), p => p.Viable);
        Assert.Single(Node.PaymentsTo(d2), p => p.Viable);
        Node.AssertNoDoublePayment();
    }

    [Fact]
    public async Task FirstVersionMinedAfterTheBumpWasCommittedIsTheProofAndTheBumpIsRefused()
    {
        var d1 = Destination();
        var rail = Rail();
        var attempt = await Sent(rail, Attempt((d1, 0.5m)));
        var v1 = Assert.Single(RailAttempts.Artifact(attempt).Versions);
        Clock.Advance(BumpAfter);
        var bumped = Committed(attempt, (await rail.Replacement(attempt, Ct))!);
        var v2 = RailAttempts.Artifact(bumped).Versions[1];

        Node.Mine(); // v1 confirms before the reconciler got to execute v2

        var executed = await rail.Execute(bumped, Ct);
        var proof = Json(Assert.IsType<SendOutcome.Succeeded>(executed["p1"]).ProofJson);
        Assert.Equal(v1.Txid, proof.GetProperty("transactionId").GetString());
        Assert.Equal(0, Math.Max(Node.Confirmations(v2.Txid), 0));
        PaidOnce(d1, 0.5m, v1.Txid);
        Node.AssertNoDoublePayment();
    }

    [Fact]
    public async Task CommittedBumpThatWasNeverBroadcastIsSentByStatus()
    {
        // The node crashed after committing the replacement and before executing it (failpoint after-replace).
        var rail = Rail();
        var attempt = await Sent(rail, Attempt((Destination(), 0.5m)));
        Clock.Advance(BumpAfter);
        var bumped = Committed(attempt, (await rail.Replacement(attempt, Ct))!);
        var v2 = RailAttempts.Artifact(bumped).Versions[1];

        Assert.All((await rail.Status(bumped, Ct)).Values, o => Assert.IsType<SendOutcome.Sent>(o));

        Assert.True(Node.InMempool(v2.Txid));
        Node.AssertNoDoublePayment();
    }

    [Fact]
    public async Task NoReplacementWhenTheMaximumRateLeavesNoRoom()
    {
        // The 20 sat/vB fallback is already the maximum: no higher rate is allowed.
        var policy = new ProcessorPolicy { FeeRateSatPerVbyteMax = 20m };
        var rail = Rail();
        var attempt = await Sent(rail, Attempt((Destination(), 0.5m)), Processor(policy));
        Clock.Advance(BumpAfter);

        Assert.Null(await rail.Replacement(attempt, Ct));
        Assert.Empty(Node.CallsOf("psbtbumpfee"));
    }

    [Fact]
    public async Task NoReplacementWhenItsFeeWouldExceedBatchFeeMax()
    {
        // One input, one payout and change at 20 sat/vB cost about 0.0000283 BTC; the bump at 25 sat/vB about 0.0000354.
        var policy = new ProcessorPolicy { BatchFeeMax = 0.00003m };
        var rail = Rail();
        var attempt = await Sent(rail, Attempt((Destination(), 0.5m)), Processor(policy));
        var v1 = Assert.Single(RailAttempts.Artifact(attempt).Versions);
        Assert.True(v1.Fee <= 0.00003m);
        Clock.Advance(BumpAfter);

        Assert.Null(await rail.Replacement(attempt, Ct));

        Assert.True(Node.InMempool(v1.Txid));
        Assert.Single(Node.CallsOf("sendrawtransaction"));
        Assert.Single(Node.CallsOf("psbtbumpfee"));
    }
}

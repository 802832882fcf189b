using Payouts.Core.Bitcoin;
using Payouts.Core.Sending;
using Payouts.Rails.Lightning;
using static Payouts.Rails.Tests.Lightning.LnAttempts;

namespace Payouts.Rails.Tests.Lightning;

/// <summary>
/// What prepare refuses before anything is sent: each bad invoice of a batch is rejected with its own reason, as the
/// payout's fault, without a word to the node; the rest of the batch is committed and paid.
/// </summary>
public sealed class LightningRailPrepareTests : LightningRailFixture
{
    [Fact]
    public async Task BadInvoicesAreRejectedEachForItsReasonWithoutAnyNodeCallAndTheGoodOneIsPaid()
    {
        var node = await StartNode(NodeKind.Lnd);
        var now = Clock.GetUtcNow();
        var expired = Invoice(Alice, 10_000, TimeSpan.FromHours(1), timestamp: now.AddHours(-2));
        var expiresDuringThePayment = Invoice(Alice, 10_000, TimeSpan.FromSeconds(30));
        var mainnet = Invoice(Alice, 10_000, network: BitcoinNetwork.Mainnet);
        var otherAmount = Invoice(Alice, 10_000);
        var good = Invoice(Bob, 10_000, TimeSpan.FromSeconds(31));
        // A 30 s payment timeout: the node may still be paying 30 s from now, so the invoice must outlive that.
        var rail = Rail(node, new LightningSending { PaymentTimeoutSeconds = 30 });
        var attempt = Attempt((expired.Bolt11, 10_000), (expiresDuringThePayment.Bolt11, 10_000), (mainnet.Bolt11, 10_000),
            (otherAmount.Bolt11, 20_000), (good.Bolt11, 10_000), (good.Bolt11, 10_000), ("lnbcrt1qqqqqqqqqqqqqqqq", 10_000), (good.Bolt11, 10_000));
        // p8: an amount the invoice cannot carry (a fraction of a millisatoshi).
        attempt = attempt with { Payouts = [.. attempt.Payouts.Take(7), attempt.Payouts[7] with { Amount = 0.0000000000005m }] };

        var prepared = await rail.Prepare(attempt, Processor(), Ct);

        Assert.Equal(0, node.CallCount);
        Assert.Equal(["p5"], prepared.References.Keys);
        Assert.Equal(good.Hash, prepared.References["p5"]);
        Assert.Equal(["p1", "p2", "p3", "p4", "p6", "p7", "p8"], prepared.Rejected.Keys.Order());
        Assert.All(prepared.Rejected.Values, r => Assert.True(r.Culprit));
        Assert.Contains("expired at", prepared.Rejected["p1"].Reason, StringComparison.Ordinal);
        Assert.Contains("or would before the payment could end", prepared.Rejected["p2"].Reason, StringComparison.Ordinal);
        Assert.Contains("is a mainnet invoice but the node is on regtest", prepared.Rejected["p3"].Reason, StringComparison.Ordinal);
        Assert.Contains("asks for 10000 msat but the payout is 20000 msat", prepared.Rejected["p4"].Reason, StringComparison.Ordinal);
        Assert.Contains($"the payment hash of another payout of this batch ({good.Hash})", prepared.Rejected["p6"].Reason, StringComparison.Ordinal);
        Assert.Contains("not a valid BOLT11 invoice", prepared.Rejected["p7"].Reason, StringComparison.Ordinal);
        Assert.Contains("not a whole number of millisatoshis", prepared.Rejected["p8"].Reason, StringComparison.Ordinal);
        Assert.Equal("p5", Assert.Single(LightningArtifact.Read(prepared.Artifact).Payments).PayoutId);

        var committed = Commit(attempt, prepared);
        var executed = await rail.Execute(committed, Ct);
        AssertProof(Assert.Single(executed).Value, good.Hash);
        AssertPaidOnce(node, good.Hash, Bob, 10_000);
        Assert.Single(Network.Ledger);
        Assert.Single(node.PayRequests);
    }

    [Fact]
    public async Task AnArtifactOfAnotherRailIsRefusedRatherThanGuessedAt()
    {
        var node = await StartNode(NodeKind.Lnd);
        var attempt = Attempt((Invoice(Alice, 10_000).Bolt11, 10_000)) with { State = AttemptState.Prepared, Artifact = "{\"kind\":\"bitcoin-core\"}" };
        attempt = attempt with { Payouts = [attempt.Payouts[0] with { Reference = "x", State = AttemptPayoutState.Prepared }] };

        await Assert.ThrowsAsync<Core.InvariantViolationException>(() => Rail(node).Execute(attempt, Ct));
        Assert.Empty(node.PayRequests);
    }
}

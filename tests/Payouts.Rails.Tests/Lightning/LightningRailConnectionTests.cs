using Payouts.Core.Sending;
using Payouts.Rails.Lightning;
using static Payouts.Rails.Tests.Lightning.LnAttempts;

namespace Payouts.Rails.Tests.Lightning;

/// <summary>
/// How the rail reaches the node: credentials (macaroon, rune), the pinned TLS certificate, and the node's own balance.
/// Whatever goes wrong here is not the payout's fault, and nothing may be paid.
/// </summary>
public sealed class LightningRailConnectionTests : LightningRailFixture
{
    private static readonly string WrongThumbprint = new('a', 64);

    [Fact]
    public async Task WrongMacaroonIsNotSentWithoutBlameAndNothingIsPaid()
    {
        var node = await StartNode(NodeKind.Lnd);
        var (bolt11, hash) = Invoice(Alice, 50_000);
        var rail = Rail(node, credential: Convert.ToHexStringLower(new byte[64]));
        var attempt = await Prepared(rail, Attempt((bolt11, 50_000)));

        var notSent = Assert.IsType<SendOutcome.NotSent>((await rail.Execute(attempt, Ct))["p1"]);

        Assert.False(notSent.Culprit);
        Assert.Contains("verification failed", notSent.Reason, StringComparison.Ordinal);
        Assert.Equal(0, node.PaymentsOf(hash));
        Assert.Empty(Network.Attempts);
    }

    [Fact]
    public async Task WrongRuneIsNotSentWithoutBlameAndNothingIsPaid()
    {
        var node = await StartNode(NodeKind.ClnRest);
        var (bolt11, hash) = Invoice(Alice, 50_000);
        var rail = Rail(node, credential: "not-the-rune");
        var attempt = await Prepared(rail, Attempt((bolt11, 50_000)));

        var notSent = Assert.IsType<SendOutcome.NotSent>((await rail.Execute(attempt, Ct))["p1"]);

        Assert.False(notSent.Culprit);
        Assert.Contains("rune", notSent.Reason, StringComparison.Ordinal);
        Assert.Equal(0, node.PaymentsOf(hash));
        Assert.Empty(Network.Attempts);
    }

    [Theory]
    [InlineData(NodeKind.Lnd)]
    [InlineData(NodeKind.ClnRest)]
    public async Task HttpsPinnedToTheNodesCertificatePays(NodeKind kind)
    {
        var node = await StartNode(kind, new SimNodeOptions { Https = true });
        Assert.NotNull(node.CertThumbprint);
        var (bolt11, hash) = Invoice(Alice, 40_000);
        var rail = Rail(node);

        Assert.Equal(node.Id, (await rail.Test(Ct)).NodeId);
        AssertProof((await rail.Execute(await Prepared(rail, Attempt((bolt11, 40_000))), Ct))["p1"], hash);
        AssertPaidOnce(node, hash, Alice, 40_000);
    }

    [Theory]
    [InlineData(NodeKind.Lnd)]
    [InlineData(NodeKind.ClnRest)]
    public async Task AnotherCertificateThanThePinnedOneIsUnreachableAndNeverPays(NodeKind kind)
    {
        var node = await StartNode(kind, new SimNodeOptions { Https = true });
        var (bolt11, hash) = Invoice(Alice, 40_000);
        var rail = Rail(node, thumbprint: WrongThumbprint);

        await Assert.ThrowsAsync<LightningUnavailableException>(() => rail.Test(Ct));
        var notSent = Assert.IsType<SendOutcome.NotSent>((await rail.Execute(await Prepared(rail, Attempt((bolt11, 40_000))), Ct))["p1"]);

        Assert.False(notSent.Culprit);
        // The TLS handshake failed before any request: the node saw nothing.
        Assert.Equal(0, node.CallCount);
        Assert.Equal(0, node.PaymentsOf(hash));
        Assert.Empty(Network.Attempts);
    }

    [Fact]
    public async Task InsufficientBalanceIsNotSentAndNotThePayoutsFault()
    {
        var node = await StartNode(NodeKind.Lnd, new SimNodeOptions { BalanceMsat = 50_000 });
        var (bolt11, hash) = Invoice(Alice, 100_000);
        var rail = Rail(node);
        var attempt = await Prepared(rail, Attempt((bolt11, 100_000)));

        var notSent = Assert.IsType<SendOutcome.NotSent>((await rail.Execute(attempt, Ct))["p1"]);

        Assert.False(notSent.Culprit);
        Assert.Contains("INSUFFICIENT_BALANCE", notSent.Reason, StringComparison.Ordinal);
        Assert.False(Assert.IsType<SendOutcome.NotSent>((await rail.Status(attempt, Ct))["p1"]).Culprit);
        Assert.Empty(Network.Attempts); // it never left the node
        Assert.Equal(1, node.PaymentsOf(hash));
        Network.AssertNoDoublePayment();
    }
}

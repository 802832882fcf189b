using Payouts.Contracts;
using Payouts.Core.PullPayments;
using Payouts.Core.Tests.Support;

namespace Payouts.Core.Tests.Payouts;

/// <summary>An on-chain payout's least amount is its own address's dust limit; anything unparseable keeps the largest.</summary>
public sealed class PayoutMethodsTests
{
    [Theory]
    [InlineData("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", 0.00000546)]
    [InlineData("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", 0.00000540)]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", 0.00000294)]
    [InlineData("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", 0.00000330)]
    [InlineData("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", 0.00000330)]
    [InlineData("bc1qdest1", 0.00000546)] // stored before addresses were checked: the generic limit
    public void ChainMinimumIsTheDestinationsDustLimit(string destination, decimal expected)
    {
        Assert.Equal(expected, PayoutMethods.For(PayoutMethodId.BtcChain, destination).AmountMin);
    }

    [Fact]
    public void LightningMinimumDoesNotDependOnTheDestination()
    {
        Assert.Equal(PayoutMethods.BtcLightning, PayoutMethods.For(PayoutMethodId.BtcLightning, "alice@example.com"));
    }

    [Fact]
    public void ChainClaimMinimumFollowsTheDestination()
    {
        var snapshot = new ClaimSnapshot(TestData.PullPayment(), ClaimedTotal: 0m, DestinationActive: false);
        var p2wpkh = PayoutMethods.For(PayoutMethodId.BtcChain, TestData.ChainAddress);
        var p2pkh = PayoutMethods.For(PayoutMethodId.BtcChain, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");

        Assert.IsType<ClaimDecision.Accepted>(ClaimRules.Decide(snapshot, p2wpkh, 0.00000294m, TestData.Now));
        Assert.IsType<ClaimDecision.Refused>(ClaimRules.Decide(snapshot, p2wpkh, 0.00000293m, TestData.Now));
        Assert.IsType<ClaimDecision.Refused>(ClaimRules.Decide(snapshot, p2pkh, 0.00000545m, TestData.Now));
    }
}

using Payouts.Contracts;
using Payouts.Core.PullPayments;
using Payouts.Core.Tests.Support;

namespace Payouts.Core.Tests.PullPayments;

public sealed class ClaimRulesTests
{
    private static readonly DateTimeOffset Now = TestData.Now;

    /// <summary>1 BTC, nothing claimed yet, destination free: a claim of <see cref="ClaimAmount"/> is accepted.</summary>
    private static ClaimSnapshot Open(PullPayment? pp = null, decimal claimedTotal = 0m, bool destinationActive = false) =>
        new(pp ?? TestData.PullPayment(), claimedTotal, destinationActive);

    private const decimal ClaimAmount = 0.2m;

    /// <summary>
    /// The refusals in the order Greenfield checks them, each with a change that breaks only that rule for a claim
    /// of <see cref="ClaimAmount"/> BTC on-chain. Overdraft and amount-too-low are broken together by leaving 0.1
    /// and asking a minimum of 0.5: 0.2 is both too much and too little.
    /// </summary>
    private static readonly (ErrorCode Code, Func<ClaimSnapshot, ClaimSnapshot> Break)[] RulesByPrecedence =
    [
        (ErrorCode.Archived, s => s with { PullPayment = s.PullPayment with { Archived = true } }),
        (ErrorCode.Expired, s => s with { PullPayment = s.PullPayment with { ExpiresAt = Now.AddDays(-1) } }),
        (ErrorCode.NotStarted, s => s with { PullPayment = s.PullPayment with { StartsAt = Now.AddDays(1) } }),
        (ErrorCode.PaymentMethodNotSupported, s => s with { PullPayment = s.PullPayment with { PayoutMethods = [PayoutMethodId.BtcLightning] } }),
        (ErrorCode.DuplicateDestination, s => s with { DestinationActive = true }),
        (ErrorCode.Overdraft, s => s with { ClaimedTotal = 0.9m }),
        (ErrorCode.AmountTooLow, s => s with { PullPayment = s.PullPayment with { MinimumClaim = 0.5m } }),
    ];

    public static TheoryData<ErrorCode> Rules()
    {
        var data = new TheoryData<ErrorCode>();
        foreach (var (code, _) in RulesByPrecedence) data.Add(code);
        return data;
    }

    private static ErrorCode RefusedCode(ClaimDecision decision) => Assert.IsType<ClaimDecision.Refused>(decision).Code;

    private static decimal AcceptedAmount(ClaimDecision decision) => Assert.IsType<ClaimDecision.Accepted>(decision).Amount;

    [Fact]
    public void OpenPullPaymentAcceptsClaim()
    {
        Assert.Equal(ClaimAmount, AcceptedAmount(ClaimRules.Decide(Open(), PayoutMethods.BtcChain, ClaimAmount, Now)));
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void BreakingOneRuleReturnsItsCode(ErrorCode code)
    {
        var rule = Array.FindIndex(RulesByPrecedence, r => r.Code == code);
        var snapshot = RulesByPrecedence[rule].Break(Open());

        var decision = ClaimRules.Decide(snapshot, PayoutMethods.BtcChain, ClaimAmount, Now);

        Assert.Equal(code, RefusedCode(decision));
        Assert.False(string.IsNullOrWhiteSpace(((ClaimDecision.Refused)decision).Message));
    }

    /// <summary>Each rule beats every rule after it: break it and all later ones, and its code comes back.</summary>
    [Theory]
    [MemberData(nameof(Rules))]
    public void EarlierRuleWinsOverEveryLaterRule(ErrorCode code)
    {
        var rule = Array.FindIndex(RulesByPrecedence, r => r.Code == code);
        var snapshot = RulesByPrecedence.Skip(rule).Aggregate(Open(), (s, r) => r.Break(s));

        Assert.Equal(code, RefusedCode(ClaimRules.Decide(snapshot, PayoutMethods.BtcChain, ClaimAmount, Now)));
    }

    [Fact]
    public void ClaimWithoutAmountTakesRemainingBalance()
    {
        Assert.Equal(0.7m, AcceptedAmount(ClaimRules.Decide(Open(claimedTotal: 0.3m), PayoutMethods.BtcChain, amount: null, Now)));
    }

    [Fact]
    public void ClaimOfExactRemainderIsAccepted()
    {
        Assert.Equal(0.7m, AcceptedAmount(ClaimRules.Decide(Open(claimedTotal: 0.3m), PayoutMethods.BtcChain, 0.7m, Now)));
    }

    [Fact]
    public void ClaimOfRemainderPlusTinyIsOverdraft()
    {
        var decision = ClaimRules.Decide(Open(claimedTotal: 0.3m), PayoutMethods.BtcChain, 0.700000000001m, Now);

        Assert.Equal(ErrorCode.Overdraft, RefusedCode(decision));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0.1)]
    public void FullyClaimedPullPaymentIsOverdraft(double? amount)
    {
        var decision = ClaimRules.Decide(Open(claimedTotal: 1m), PayoutMethods.BtcChain, (decimal?)amount, Now);

        Assert.Equal(ErrorCode.Overdraft, RefusedCode(decision));
    }

    [Fact]
    public void OverClaimedPullPaymentIsOverdraft()
    {
        // Cannot happen through claims, but a pull payment whose amount was lowered must not go negative.
        Assert.Equal(ErrorCode.Overdraft, RefusedCode(ClaimRules.Decide(Open(claimedTotal: 1.5m), PayoutMethods.BtcChain, null, Now)));
    }

    [Theory]
    [InlineData("BTC", 0)]
    [InlineData("BTC", -0.1)]
    [InlineData("USD", 0)] // no minimum at all in USD: only the sign check stops these
    [InlineData("USD", -0.1)]
    public void NonPositiveClaimIsAmountTooLow(string currency, decimal amount)
    {
        var pp = TestData.PullPayment(currency);

        Assert.Equal(ErrorCode.AmountTooLow, RefusedCode(ClaimRules.Decide(Open(pp), PayoutMethods.BtcChain, amount, Now)));
    }

    [Fact]
    public void ClaimAtPullPaymentMinimumIsAccepted()
    {
        var pp = TestData.PullPayment() with { MinimumClaim = 0.01m };

        Assert.Equal(0.01m, AcceptedAmount(ClaimRules.Decide(Open(pp), PayoutMethods.BtcChain, 0.01m, Now)));
        Assert.Equal(ErrorCode.AmountTooLow, RefusedCode(ClaimRules.Decide(Open(pp), PayoutMethods.BtcChain, 0.00999999m, Now)));
    }

    [Fact]
    public void RemainderBelowMinimumIsAmountTooLow()
    {
        var pp = TestData.PullPayment() with { MinimumClaim = 0.01m };

        Assert.Equal(ErrorCode.AmountTooLow, RefusedCode(ClaimRules.Decide(Open(pp, claimedTotal: 0.995m), PayoutMethods.BtcChain, null, Now)));
    }

    [Fact]
    public void ChainClaimBelowDustIsAmountTooLow()
    {
        Assert.Equal(0.00000546m, AcceptedAmount(ClaimRules.Decide(Open(), PayoutMethods.BtcChain, 0.00000546m, Now)));
        Assert.Equal(ErrorCode.AmountTooLow, RefusedCode(ClaimRules.Decide(Open(), PayoutMethods.BtcChain, 0.00000545m, Now)));
    }

    [Theory]
    [InlineData("BTC", "BTC-CHAIN", 0, 0.00000546)]
    [InlineData("BTC", "BTC-CHAIN", 0.001, 0.001)]
    [InlineData("SATS", "BTC-CHAIN", 0, 546)]
    [InlineData("SATS", "BTC-LN", 0, 0.001)]
    [InlineData("BTC", "BTC-LN", 0, 0.00000000001)]
    [InlineData("USD", "BTC-CHAIN", 0, 0)] // no fixed rate: the method's minimum is checked at approval
    [InlineData("USD", "BTC-CHAIN", 5, 5)]
    public void MinimumClaimIsLargerOfPullPaymentAndMethodMinimum(string currency, string method, decimal ppMinimum, decimal expected)
    {
        Assert.True(PayoutMethodId.TryParse(method, out var id));
        var pp = TestData.PullPayment(currency) with { MinimumClaim = ppMinimum };

        Assert.Equal(expected, ClaimRules.MinimumClaim(pp, PayoutMethods.Get(id)));
    }

    [Fact]
    public void ExpiresAtNowIsExpired()
    {
        var pp = TestData.PullPayment() with { ExpiresAt = Now };

        Assert.Equal(ErrorCode.Expired, RefusedCode(ClaimRules.Decide(Open(pp), PayoutMethods.BtcChain, ClaimAmount, Now)));
    }

    [Fact]
    public void ExpiresJustAfterNowIsOpen()
    {
        var pp = TestData.PullPayment() with { ExpiresAt = Now.AddTicks(1) };

        Assert.Equal(ClaimAmount, AcceptedAmount(ClaimRules.Decide(Open(pp), PayoutMethods.BtcChain, ClaimAmount, Now)));
    }

    [Fact]
    public void StartsAtNowIsStarted()
    {
        var pp = TestData.PullPayment() with { StartsAt = Now };

        Assert.Equal(ClaimAmount, AcceptedAmount(ClaimRules.Decide(Open(pp), PayoutMethods.BtcChain, ClaimAmount, Now)));
    }

    [Fact]
    public void StartsJustAfterNowIsNotStarted()
    {
        var pp = TestData.PullPayment() with { StartsAt = Now.AddTicks(1) };

        Assert.Equal(ErrorCode.NotStarted, RefusedCode(ClaimRules.Decide(Open(pp), PayoutMethods.BtcChain, ClaimAmount, Now)));
    }

    [Fact]
    public void LightningClaimIsAcceptedWhenPullPaymentOffersIt()
    {
        var pp = TestData.PullPayment() with { PayoutMethods = [PayoutMethodId.BtcChain, PayoutMethodId.BtcLightning] };

        Assert.Equal(ClaimAmount, AcceptedAmount(ClaimRules.Decide(Open(pp), PayoutMethods.BtcLightning, ClaimAmount, Now)));
    }
}

using Payouts.Contracts;
using Payouts.Core.Money;
using Payouts.Core.Payouts;

namespace Payouts.Core.Tests.Payouts;

/// <summary><see cref="PayoutLifecycle.Approval"/>: the amount and rate an approval fixes.</summary>
public sealed class ApprovalTests
{
    private static PayoutMethod Method(string id) =>
        id switch
        {
            "BTC-CHAIN" => PayoutMethods.BtcChain,
            "BTC-LN" => PayoutMethods.BtcLightning,
            _ => throw new ArgumentOutOfRangeException(nameof(id)),
        };

    private static ApprovalResult.Approved Approved(ApprovalResult result) => Assert.IsType<ApprovalResult.Approved>(result);

    private static ErrorCode RefusedCode(ApprovalResult result) => Assert.IsType<ApprovalResult.Refused>(result).Code;

    [Fact]
    public void PayoutMethodsStateCurrencyDivisibilityAndMinimum()
    {
        Assert.Equal(new PayoutMethod(PayoutMethodId.BtcChain, "BTC", 8, 0.00000546m), PayoutMethods.BtcChain);
        Assert.Equal(new PayoutMethod(PayoutMethodId.BtcLightning, "BTC", 11, 0.00000000001m), PayoutMethods.BtcLightning);
        Assert.Same(PayoutMethods.BtcChain, PayoutMethods.Get(PayoutMethodId.BtcChain));
        Assert.Same(PayoutMethods.BtcLightning, PayoutMethods.Get(PayoutMethodId.BtcLightning));
    }

    [Theory]
    [InlineData("BTC")]
    [InlineData("btc")]
    public void SameCurrencyApprovesAtRateOne(string currency)
    {
        var approved = Approved(PayoutLifecycle.Approval(0.5m, currency, PayoutMethods.BtcChain, rateGiven: null));

        Assert.Equal(0.5m, approved.PayoutAmount);
        Assert.Equal(1m, approved.Rate);
    }

    [Fact]
    public void SatsToBtcUsesOneHundredMillionSatsPerBtc()
    {
        var approved = Approved(PayoutLifecycle.Approval(1000m, "SATS", PayoutMethods.BtcChain, rateGiven: null));

        Assert.Equal(0.00001m, approved.PayoutAmount);
        Assert.Equal(100_000_000m, approved.Rate);
    }

    [Fact]
    public void UsdWithoutRateIsRateUnavailable()
    {
        Assert.Equal(ErrorCode.RateUnavailable, RefusedCode(PayoutLifecycle.Approval(100m, "USD", PayoutMethods.BtcChain, rateGiven: null)));
    }

    [Fact]
    public void UsdWithGivenRateApprovesInGreenfieldsDirection()
    {
        // Greenfield quotes BTC_USD: 64,000 USD per BTC, so 100 USD is 100 / 64000 BTC.
        var approved = Approved(PayoutLifecycle.Approval(100m, "USD", PayoutMethods.BtcLightning, rateGiven: 64_000m));

        Assert.Equal(0.0015625m, approved.PayoutAmount);
        Assert.Equal(64_000m, approved.Rate);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-0.0000155)]
    [InlineData(-1)]
    public void NonPositiveRateIsRateUnavailable(decimal rate)
    {
        Assert.Equal(ErrorCode.RateUnavailable, RefusedCode(PayoutLifecycle.Approval(100m, "USD", PayoutMethods.BtcChain, rate)));
    }

    /// <summary>Greenfield sets the rate to 1 when the currencies match, whatever rateRule says; a rate fixed by
    /// definition cannot be wrong, a client's can.</summary>
    [Theory]
    [InlineData("BTC", 1, 2, 1)]
    [InlineData("BTC", 1, 0.5, 1)]
    [InlineData("BTC", 1, 0, 1)]
    [InlineData("BTC", 1, 60000, 1)]
    [InlineData("SATS", 100000, 1, 100000000)]
    public void FixedRateWinsOverGivenRate(string currency, decimal amount, decimal given, decimal expectedRate)
    {
        var approved = Approved(PayoutLifecycle.Approval(amount, currency, PayoutMethods.BtcChain, given));

        Assert.Equal(expectedRate, approved.Rate);
        Assert.Equal(amount / expectedRate, approved.PayoutAmount);
    }

    [Fact]
    public void RateAboveValueMaxIsRateUnavailable()
    {
        Assert.Equal(ErrorCode.RateUnavailable,
            RefusedCode(PayoutLifecycle.Approval(1m, "USD", PayoutMethods.BtcChain, Amounts.ValueMax + 1)));
    }

    /// <summary>A payout never pays less than owed: the amount goes up to the method's divisibility, never to nearest.</summary>
    [Theory]
    [InlineData("BTC-CHAIN", "0.123456781", "0.12345679")]
    [InlineData("BTC-CHAIN", "0.123456789", "0.12345679")]
    [InlineData("BTC-CHAIN", "0.12345678", "0.12345678")]
    [InlineData("BTC-CHAIN", "0.000005451", "0.00000546")] // rounds up onto the dust limit, then passes it
    [InlineData("BTC-LN", "0.000000000001", "0.00000000001")]
    [InlineData("BTC-LN", "0.123456789011", "0.12345678902")]
    [InlineData("BTC-LN", "0.12345678901", "0.12345678901")]
    public void ApprovalRoundsUpToDivisibility(string method, string amount, string expected)
    {
        var approved = Approved(PayoutLifecycle.Approval(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture),
            "BTC", Method(method), rateGiven: null));

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), approved.PayoutAmount);
    }

    [Theory]
    [InlineData(0.00000545, ErrorCode.AmountTooLow)]
    [InlineData(0.000000001, ErrorCode.AmountTooLow)] // 0.00000001 after rounding: still dust
    public void ChainBelowDustIsAmountTooLow(decimal amount, ErrorCode expected)
    {
        Assert.Equal(expected, RefusedCode(PayoutLifecycle.Approval(amount, "BTC", PayoutMethods.BtcChain, rateGiven: null)));
    }

    [Fact]
    public void ChainAtDustIsApproved()
    {
        Assert.Equal(0.00000546m, Approved(PayoutLifecycle.Approval(0.00000546m, "BTC", PayoutMethods.BtcChain, null)).PayoutAmount);
    }

    [Fact]
    public void SatsBelowDustAfterConversionIsAmountTooLow()
    {
        Assert.Equal(ErrorCode.AmountTooLow, RefusedCode(PayoutLifecycle.Approval(545m, "SATS", PayoutMethods.BtcChain, null)));
        Assert.Equal(0.00000546m, Approved(PayoutLifecycle.Approval(546m, "SATS", PayoutMethods.BtcChain, null)).PayoutAmount);
    }

    [Fact]
    public void LightningTakesOneMillisatoshi()
    {
        Assert.Equal(0.00000000001m, Approved(PayoutLifecycle.Approval(0.00000000001m, "BTC", PayoutMethods.BtcLightning, null)).PayoutAmount);
    }
}

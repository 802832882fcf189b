using Payouts.Core.Money;

namespace Payouts.Core.Tests.Money;

public sealed class CurrenciesTests
{
    [Theory]
    [InlineData("BTC", true)]
    [InlineData("SATS", true)]
    [InlineData("USDT0", true)]
    [InlineData("ABCDEFGHIJ", true)] // CodeLengthMax
    [InlineData("ABCDEFGHIJK", false)]
    [InlineData("EU", false)]
    [InlineData("US D", false)]
    [InlineData("US-D", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("ÉUR", false)]
    public void IsValidCodeAcceptsThreeToTenAsciiLettersOrDigits(string? code, bool valid)
    {
        Assert.Equal(valid, Currencies.IsValidCode(code));
    }

    [Fact]
    public void NormalizeTrimsAndUppercases()
    {
        Assert.Equal("SATS", Currencies.Normalize(" sats "));
    }

    [Theory]
    [InlineData("BTC", "BTC", "1")]
    [InlineData("usd", "USD", "1")]
    [InlineData("SATS", "BTC", "100000000")]
    [InlineData("sats", "btc", "100000000")]
    public void FixedRateIsKnownByDefinition(string from, string to, string rate)
    {
        Assert.Equal(decimal.Parse(rate, System.Globalization.CultureInfo.InvariantCulture), Currencies.FixedRate(from, to));
    }

    [Theory]
    [InlineData("USD", "BTC")]
    [InlineData("BTC", "SATS")] // never needed: payout methods pay in BTC
    [InlineData("EUR", "USD")]
    public void FixedRateIsNullWhenMarketRateNeeded(string from, string to)
    {
        Assert.Null(Currencies.FixedRate(from, to));
    }
}

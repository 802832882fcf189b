using Payouts.Core.Money;

namespace Payouts.Core.Tests.Money;

public sealed class AmountsTests
{
    [Theory]
    [InlineData("0.00000001")]
    [InlineData("1")]
    [InlineData("0.000000000001")] // 12 places: ScaleMax
    [InlineData("1.500000000000000000")] // trailing zeros are not places
    [InlineData("1000000000000")] // ValueMax
    public void ValidAmountHasNoError(string text)
    {
        Assert.Null(Amounts.Validate(Parse(text)));
    }

    [Theory]
    [InlineData("0", "greater than zero")]
    [InlineData("-0.00000001", "greater than zero")]
    [InlineData("0.0000000000001", "decimal places")] // 13 places
    [InlineData("1.0000000000001", "decimal places")]
    [InlineData("1000000000000.000000000001", "at most")]
    [InlineData("79228162514264337593543950335", "at most")] // decimal.MaxValue
    public void InvalidAmountSaysWhy(string text, string because)
    {
        Assert.Contains(because, Amounts.Validate(Parse(text)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.500", 3, 1)]
    [InlineData("1", 0, 0)]
    [InlineData("0.00000001", 8, 8)]
    [InlineData("100", 0, 0)]
    [InlineData("0.000", 3, 0)]
    public void ScaleCountsPlacesAndSignificantScaleIgnoresTrailingZeros(string text, int scale, int significant)
    {
        Assert.Equal(scale, Amounts.Scale(Parse(text)));
        Assert.Equal(significant, Amounts.SignificantScale(Parse(text)));
    }

    [Theory]
    [InlineData("0.000000001", 8, "0.00000001")]
    [InlineData("0.123456781", 8, "0.12345679")]
    [InlineData("0.123456789", 8, "0.12345679")]
    [InlineData("0.123456785", 8, "0.12345679")]
    [InlineData("0.12345678", 8, "0.12345678")]
    [InlineData("0.000000000001", 11, "0.00000000001")]
    [InlineData("0.123456789011", 11, "0.12345678902")]
    [InlineData("2", 8, "2")]
    public void RoundUpGoesTowardPositiveInfinity(string value, int divisibility, string expected)
    {
        var rounded = Amounts.RoundUp(Parse(value), divisibility);

        Assert.Equal(Parse(expected), rounded);
        Assert.True(Amounts.SignificantScale(rounded) <= divisibility);
    }

    private static decimal Parse(string text) => decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}

using System.Text.Json;
using Payouts.Contracts.Json;

namespace Payouts.Contracts.Tests.Json;

public sealed class DecimalStringJsonConverterTests
{
    private sealed record Holder(decimal Amount, decimal? Optional);

    private static decimal Read(string json) => JsonSerializer.Deserialize<decimal>(json, PayoutsJson.Options);

    [Theory]
    [InlineData("\"0.1\"", "0.1")]
    [InlineData("0.1", "0.1")]
    [InlineData("\"0.00000001\"", "0.00000001")]
    [InlineData("0.00000001", "0.00000001")]
    [InlineData("\"1\"", "1")]
    [InlineData("\"-2.5\"", "-2.5")] // signs pass; Amounts.Validate refuses non-positive amounts
    [InlineData("\"+2.5\"", "2.5")]
    [InlineData("\"1000000000000\"", "1000000000000")]
    [InlineData("\"0.123456789012\"", "0.123456789012")]
    public void StringOrNumberParsesExactly(string json, string expected)
    {
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Read(json));
    }

    [Fact]
    public void NumberIsReadFromItsTextNotThroughDouble()
    {
        // A double keeps about 17 significant digits; this has 23, and the scale of the text is kept too.
        Assert.Equal(0.12345678901234567890123m, Read("0.12345678901234567890123"));
        Assert.Equal(1, ScaleOf(Read("0.1")));
        Assert.Equal(3, ScaleOf(Read("0.100")));
    }

    private static int ScaleOf(decimal d) => (decimal.GetBits(d)[3] >> 16) & 0xFF;

    [Theory]
    [InlineData("\"1e5\"")]
    [InlineData("1e5")]
    [InlineData("1E-8")]
    [InlineData("\"\"")]
    [InlineData("\" 1\"")]
    [InlineData("\"1 \"")]
    [InlineData("\"0x10\"")]
    [InlineData("\"NaN\"")]
    [InlineData("\"Infinity\"")]
    [InlineData("\"1,000\"")]
    [InlineData("\"1,5\"")]
    [InlineData("\"1.2.3\"")]
    [InlineData("\".\"")]
    [InlineData("\"-\"")]
    [InlineData("\"١\"")] // Arabic-Indic digit one
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("[\"1\"]")]
    public void NonDecimalTextIsRefused(string json)
    {
        Assert.Throws<JsonException>(() => Read(json));
    }

    [Fact]
    public void NullIsRefusedForDecimal()
    {
        Assert.Throws<JsonException>(() => Read("null"));
    }

    [Fact]
    public void TextAtLengthMaxIsAcceptedAndLongerIsRefused()
    {
        var atMax = new string('1', DecimalStringJsonConverter.TextLengthMax - 29) + "." + new string('0', 27) + "1";
        var tooLong = "0." + new string('0', DecimalStringJsonConverter.TextLengthMax - 2) + "1";
        Assert.Equal(DecimalStringJsonConverter.TextLengthMax, atMax.Length);
        Assert.Equal(41, tooLong.Length);

        Assert.True(DecimalStringJsonConverter.TryParse(atMax, out _));
        Assert.Throws<JsonException>(() => Read($"\"{tooLong}\""));
        Assert.Throws<JsonException>(() => Read(tooLong));
        Assert.Throws<JsonException>(() => Read($"\"{new string('1', 41)}\""));
    }

    [Fact]
    public void MoreFractionDigitsThanDecimalHoldsAreRefusedNotRounded()
    {
        Assert.True(DecimalStringJsonConverter.TryParse("0." + new string('0', 27) + "1", out _));
        Assert.False(DecimalStringJsonConverter.TryParse("1." + new string('0', 28) + "1", out _));
        Assert.Throws<JsonException>(() => Read("\"1.00000000000000000000000000001\""));
    }

    [Theory]
    [InlineData("1.50000000", "1.5")]
    [InlineData("1.0", "1")]
    [InlineData("100", "100")]
    [InlineData("0.00000001", "0.00000001")]
    [InlineData("0.000000000010", "0.00000000001")]
    [InlineData("1000000000000.000", "1000000000000")]
    [InlineData("0.000", "0")]
    public void FormatDropsTrailingZeros(string value, string expected)
    {
        Assert.Equal(expected, DecimalStringJsonConverter.Format(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void WriteIsAString()
    {
        Assert.Equal("\"1.5\"", JsonSerializer.Serialize(1.50m, PayoutsJson.Options));
    }

    [Fact]
    public void SmallestSatoshiRoundTrips()
    {
        var json = JsonSerializer.Serialize(new Holder(0.00000001m, 0.00000001m), PayoutsJson.Options);

        Assert.Equal("{\"amount\":\"0.00000001\",\"optional\":\"0.00000001\"}", json);
        Assert.Equal(new Holder(0.00000001m, 0.00000001m), JsonSerializer.Deserialize<Holder>(json, PayoutsJson.Options));
    }

    [Fact]
    public void NullableDecimalAcceptsNullAndRefusesJunk()
    {
        Assert.Equal(new Holder(1m, null), JsonSerializer.Deserialize<Holder>("{\"amount\":\"1\",\"optional\":null}", PayoutsJson.Options));
        Assert.Equal("{\"amount\":\"1\",\"optional\":null}", JsonSerializer.Serialize(new Holder(1m, null), PayoutsJson.Options));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Holder>("{\"amount\":\"1\",\"optional\":\"1e5\"}", PayoutsJson.Options));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Holder>("{\"amount\":\"1\",\"optional\":\"\"}", PayoutsJson.Options));
    }
}

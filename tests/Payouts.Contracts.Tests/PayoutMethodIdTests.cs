using System.Text.Json;
using Payouts.Contracts.Json;

namespace Payouts.Contracts.Tests;

public sealed class PayoutMethodIdTests
{
    [Theory]
    [InlineData("BTC-CHAIN", "BTC-CHAIN")]
    [InlineData("btc-chain", "BTC-CHAIN")]
    [InlineData("BTC", "BTC-CHAIN")]
    [InlineData("btc", "BTC-CHAIN")]
    [InlineData("BTC-OnChain", "BTC-CHAIN")]
    [InlineData("BTC_OnChain", "BTC-CHAIN")]
    [InlineData(" BTC-CHAIN ", "BTC-CHAIN")]
    [InlineData("BTC-LN", "BTC-LN")]
    [InlineData("btc-ln", "BTC-LN")]
    [InlineData("BTC_LightningLike", "BTC-LN")]
    [InlineData("btc_lightninglike", "BTC-LN")]
    [InlineData("BTC_LIGHTNINGLIKE", "BTC-LN")]
    [InlineData("BTC-LightningNetwork", "BTC-LN")]
    [InlineData("BTC-LNURL", "BTC-LN")]
    [InlineData("BTC_LNURLPAY", "BTC-LN")]
    public void KnownAndLegacyIdsMapToNewIds(string text, string expected)
    {
        Assert.True(PayoutMethodId.TryParse(text, out var id));
        Assert.Equal(expected, id.Value);
        Assert.Same(expected == "BTC-CHAIN" ? PayoutMethodId.BtcChain : PayoutMethodId.BtcLightning, id);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("LTC")]
    [InlineData("LTC-CHAIN")]
    [InlineData("BTC-CHAIN2")]
    [InlineData("BTC CHAIN")]
    [InlineData("BTC-LN:")]
    [InlineData("BTC-ⅭHAIN")] // a look-alike letter
    public void UnknownIdIsRefused(string? text)
    {
        Assert.False(PayoutMethodId.TryParse(text, out var id));
        Assert.Null(id);
    }

    [Fact]
    public void OverLongIdIsRefusedEvenWhenTrimmingWouldFit()
    {
        var padded = "BTC-CHAIN".PadRight(PayoutMethodId.LengthMax + 1);
        Assert.False(PayoutMethodId.TryParse(padded, out _));
        Assert.False(PayoutMethodId.TryParse(new string('A', 10_000), out _));
        Assert.True(PayoutMethodId.TryParse("BTC-CHAIN".PadRight(PayoutMethodId.LengthMax), out _));
    }

    [Fact]
    public void AllListsBothMethods()
    {
        Assert.Equal([PayoutMethodId.BtcChain, PayoutMethodId.BtcLightning], PayoutMethodId.All);
        Assert.Equal("BTC-CHAIN", PayoutMethodId.BtcChain.ToString());
    }

    [Fact]
    public void JsonWritesNewId()
    {
        Assert.Equal("\"BTC-CHAIN\"", JsonSerializer.Serialize(PayoutMethodId.BtcChain, PayoutsJson.Options));
        Assert.Equal("\"BTC-LN\"", JsonSerializer.Serialize(PayoutMethodId.BtcLightning, PayoutsJson.Options));
    }

    [Theory]
    [InlineData("\"BTC\"", "BTC-CHAIN")]
    [InlineData("\"BTC_LightningLike\"", "BTC-LN")]
    public void JsonReadsLegacyIdAndWritesNewOne(string json, string expected)
    {
        var id = JsonSerializer.Deserialize<PayoutMethodId>(json, PayoutsJson.Options);

        Assert.Equal($"\"{expected}\"", JsonSerializer.Serialize(id, PayoutsJson.Options));
    }

    [Theory]
    [InlineData("\"LTC\"")]
    [InlineData("\"\"")]
    [InlineData("1")]
    [InlineData("{}")]
    [InlineData("true")]
    public void JsonRefusesUnknownOrNonString(string json)
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<PayoutMethodId>(json, PayoutsJson.Options));
    }
}

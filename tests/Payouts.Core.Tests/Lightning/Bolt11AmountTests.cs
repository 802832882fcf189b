using Payouts.Core.Bitcoin;
using Payouts.Core.Lightning;
using V = Payouts.Core.Tests.Lightning.Bolt11SpecVectors;

namespace Payouts.Core.Tests.Lightning;

public sealed class Bolt11AmountTests
{
    [Theory]
    [InlineData(1L, "0.00000000001")]
    [InlineData(1_000L, "0.00000001")]
    [InlineData(250_000_000L, "0.0025")]
    [InlineData(100_000_000_000L, "1")]
    public void MsatToBtcDividesByTenToTheEleventh(long msat, string btc) =>
        Assert.Equal(decimal.Parse(btc, System.Globalization.CultureInfo.InvariantCulture), Bolt11Invoice.MsatToBtc(msat));

    [Theory]
    [InlineData("0.00000000001", 1L)]
    [InlineData("0.0025", 250_000_000L)]
    [InlineData("21000000", 2_100_000_000_000_000_000L)]
    [InlineData("0", 0L)]
    [InlineData("0.000000000001", null)] // a tenth of a millisatoshi
    [InlineData("0.000000000015", null)]
    [InlineData("100000000", null)]      // beyond a long of millisatoshis
    public void BtcToMsatIsNullUnlessWhole(string btc, long? msat) =>
        Assert.Equal(msat, Bolt11Invoice.BtcToMsat(decimal.Parse(btc, System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>An HRP the signature was not made for: the amount is checked before the signature, so the error is the
    /// amount's.</summary>
    [Theory]
    [InlineData("lnbc010m", "starts with a zero")]
    [InlineData("lnbc0", "starts with a zero")]
    [InlineData("lnbcm", "prefix \"lnbcm\" is not a Bitcoin network's")]
    [InlineData("lnbc1x0m", "has an invalid amount")]
    [InlineData("lnbc21000001", "more than 21 million bitcoin")]
    [InlineData("lnbc99999999999999999999999999", "more than 21 million bitcoin")]
    [InlineData("lnbc15p", "sub-millisatoshi")]
    [InlineData("lnsb10u", "prefix \"lnsb\" is not a Bitcoin network's")]
    [InlineData("lntbx10u", "prefix \"lntbx\"")]
    [InlineData("bc10u", "does not start with \"ln\"")]
    public void BadHumanReadablePartIsRefused(string hrp, string reason)
    {
        Assert.True(Bech32.TryDecode(V.Coffee, int.MaxValue, out var decoded, out _));
        var text = Bech32.Encode(hrp, decoded.Data, Bech32.Variant.Bech32, int.MaxValue);
        Assert.False(Bolt11Invoice.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1L, "lnbc10p1")]
    [InlineData(10L, "lnbc100p1")]
    [InlineData(100L, "lnbc1n1")]
    [InlineData(150_000L, "lnbc1500n1")]
    [InlineData(100_000L, "lnbc1u1")]
    [InlineData(100_000_000L, "lnbc1m1")]
    [InlineData(100_000_000_000L, "lnbc11")]
    [InlineData(250_000_000_000L, "lnbc2500m1")]
    public void EncoderWritesTheShortestAmount(long msat, string prefix)
    {
        var text = Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, msat, DateTimeOffset.UnixEpoch.AddSeconds(V.Timestamp),
            new byte[32], new byte[32], "", null), Convert.FromHexString(V.PrivateKey));
        Assert.StartsWith(prefix, text, StringComparison.Ordinal);
        Assert.Equal(msat, Bolt11Invoice.Parse(text).AmountMsat);
    }

    [Fact]
    public void InvoiceBeyondItsExpiryIsExpired()
    {
        var invoice = Bolt11Invoice.Parse(V.Coffee);
        Assert.False(invoice.IsExpired(invoice.Timestamp.AddSeconds(59)));
        Assert.True(invoice.IsExpired(invoice.Timestamp.AddSeconds(60)));
    }
}

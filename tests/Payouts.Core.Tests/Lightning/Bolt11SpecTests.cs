using System.Security.Cryptography;
using System.Text;
using Payouts.Core.Bitcoin;
using Payouts.Core.Lightning;
using V = Payouts.Core.Tests.Lightning.Bolt11SpecVectors;

namespace Payouts.Core.Tests.Lightning;

/// <summary>Every example of the BOLT 11 spec: the valid ones parse to the fields the spec lists, the invalid ones fail
/// for their reason.</summary>
public sealed class Bolt11SpecTests
{
    private sealed record Expected(
        string Text, BitcoinNetwork Network, long? AmountMsat, string? Description, bool Hashed, int ExpirySeconds, int[] Features,
        long Timestamp = V.Timestamp, string PaymentHash = V.PaymentHash, int Cltv = 18);

    private static readonly int[] SecretAndOnion = [8, 14];

    private static readonly Dictionary<string, Expected> Valid = new()
    {
        ["donation"] = new(V.Donation, BitcoinNetwork.Mainnet, null, "Please consider supporting this project", false, 3600, SecretAndOnion),
        ["coffee"] = new(V.Coffee, BitcoinNetwork.Mainnet, 250_000_000, "1 cup coffee", false, 60, SecretAndOnion),
        ["nonsense"] = new(V.Nonsense, BitcoinNetwork.Mainnet, 250_000_000, "ナンセンス 1杯", false, 60, SecretAndOnion),
        ["hashed"] = new(V.Hashed, BitcoinNetwork.Mainnet, 2_000_000_000, null, true, 3600, SecretAndOnion),
        ["testnet fallback"] = new(V.TestnetFallback, BitcoinNetwork.Testnet, 2_000_000_000, null, true, 3600, SecretAndOnion),
        ["route hints"] = new(V.RouteHints, BitcoinNetwork.Mainnet, 2_000_000_000, null, true, 3600, SecretAndOnion),
        ["p2sh fallback"] = new(V.P2shFallback, BitcoinNetwork.Mainnet, 2_000_000_000, null, true, 3600, SecretAndOnion),
        ["p2wpkh fallback"] = new(V.P2wpkhFallback, BitcoinNetwork.Mainnet, 2_000_000_000, null, true, 3600, SecretAndOnion),
        ["p2wsh fallback"] = new(V.P2wshFallback, BitcoinNetwork.Mainnet, 2_000_000_000, null, true, 3600, SecretAndOnion),
        ["p2tr fallback"] = new(V.P2trFallback, BitcoinNetwork.Mainnet, 2_000_000_000, null, true, 3600, SecretAndOnion),
        ["pico"] = new(V.Pico, BitcoinNetwork.Mainnet, 967_878_534,
            "Blockstream Store: 88.85 USD for Blockstream Ledger Nano S x 1, \"Back In My Day\" Sticker x 2, \"I Got Lightning Working\" Sticker x 2 and 1 more items",
            false, 604800, SecretAndOnion, Timestamp: 1572468703,
            PaymentHash: "462264ede7e14047e9b249da94fefc47f41f7d02ee9b091815a5506bc8abf75f", Cltv: 10),
        ["coffee beans"] = new(V.CoffeeBeans, BitcoinNetwork.Mainnet, 2_500_000_000, "coffee beans", false, 3600, [8, 14, 99]),
        ["coffee beans upper case"] = new(V.CoffeeBeansUpper, BitcoinNetwork.Mainnet, 2_500_000_000, "coffee beans", false, 3600, [8, 14, 99]),
        ["ignored fields"] = new(V.CoffeeBeansIgnoredFields, BitcoinNetwork.Mainnet, 2_500_000_000, "coffee beans", false, 3600, [8, 14, 99]),
        ["metadata"] = new(V.Metadata, BitcoinNetwork.Mainnet, 1_000_000_000, "payment metadata inside", false, 3600, [8, 14, 48]),
        ["high-S recovery"] = new(V.HighSRecovery, BitcoinNetwork.Mainnet, null, "Please consider supporting this project", false, 3600, SecretAndOnion),
    };

    public static TheoryData<string> ValidNames => [.. Valid.Keys];

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void ValidExampleParsesToTheSpecsFields(string name)
    {
        var expected = Valid[name];
        Assert.True(Bolt11Invoice.TryParse(expected.Text, out var invoice, out var error), error);
        Assert.Equal(expected.Text.ToLowerInvariant(), invoice.Text);
        Assert.Equal(expected.Network, invoice.Network);
        Assert.Equal(expected.AmountMsat, invoice.AmountMsat);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(expected.Timestamp), invoice.Timestamp);
        Assert.Equal(TimeSpan.FromSeconds(expected.ExpirySeconds), invoice.Expiry);
        Assert.Equal(invoice.Timestamp + invoice.Expiry, invoice.ExpiresAt);
        Assert.Equal(expected.PaymentHash, invoice.PaymentHash);
        Assert.Equal(V.PaymentSecret, invoice.PaymentSecret);
        Assert.Equal(expected.Description, invoice.Description);
        var longDescriptionHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(V.LongDescription)));
        Assert.Equal(expected.Hashed ? longDescriptionHash : null, invoice.DescriptionHash);
        Assert.Equal(V.PayeePubKey, invoice.PayeePubKey);
        Assert.Equal(expected.Cltv, invoice.MinFinalCltvExpiry);
        Assert.Equal(expected.Features, invoice.Features);
    }

    [Theory]
    [InlineData(V.UnknownFeature100, "requires feature 100")]
    [InlineData(V.BadChecksum, "checksum is wrong")]
    [InlineData(V.NoSeparator, "separator")]
    [InlineData(V.MixedCase, "mixes upper and lower case")]
    [InlineData(V.NotRecoverable, "signature is not recoverable")]
    [InlineData(V.TooShort, "too short")]
    [InlineData(V.InvalidMultiplier, "invalid amount multiplier 'x'")]
    [InlineData(V.SubMillisatoshi, "sub-millisatoshi precision")]
    [InlineData(V.MissingSecret, "no payment secret")]
    [InlineData(V.HighSWithPayee, "not in low-S form")]
    [InlineData(V.LegacyWithoutSecret, "no payment secret")]
    public void InvalidExampleFailsForItsReason(string text, string reason)
    {
        Assert.False(Bolt11Invoice.TryParse(text, out var invoice, out var error));
        Assert.Null(invoice);
        Assert.StartsWith("is not a valid BOLT11 invoice: ", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseThrowsAFormatExceptionWithTheError()
    {
        var exception = Assert.Throws<FormatException>(() => Bolt11Invoice.Parse(V.BadChecksum));
        Assert.Equal("The destination is not a valid BOLT11 invoice: its checksum is wrong.", exception.Message);
    }

    [Fact]
    public void LightningUriPrefixAndSurroundingSpaceAreAccepted()
    {
        var invoice = Bolt11Invoice.Parse("  LIGHTNING:" + V.CoffeeBeansUpper + " ");
        Assert.Equal(V.CoffeeBeans, invoice.Text);
    }
}

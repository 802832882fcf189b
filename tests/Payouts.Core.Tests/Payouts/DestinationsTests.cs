using Payouts.Contracts;
using Payouts.Core.Bitcoin;
using Payouts.Core.Payouts;

namespace Payouts.Core.Tests.Payouts;

public sealed class DestinationsTests
{
    // BIP173, BIP350 and well-known base58 examples.
    private const string P2wpkh = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
    private const string P2tr = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0";
    private const string Testnet = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx";
    private const string P2pkh = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
    private const string P2sh = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy";

    // BOLT11's first example invoice and LUD-01's example LNURL.
    private const string Bolt11 =
        "lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql";
    private const string Lnurl =
        "LNURL1DP68GURN8GHJ7UM9WFMXJCM99E3K7MF0V9CXJ0M385EKVCENXC6R2C35XVUKXEFCV5MKVV34X5EKZD3EV56NYD3HXQURZEPEXEJXXEPNXSCRVWFNV9NXZCN9XQ6XYEFHVGCXXCMYXYMNSERXFQ5FNS";

    private static string Valid(PayoutMethodId method, string raw)
    {
        var result = Destinations.Normalize(method, raw);
        Assert.Null(result.Error);
        return Assert.IsType<string>(result.Value);
    }

    private static string Invalid(PayoutMethodId method, string? raw)
    {
        var result = Destinations.Normalize(method, raw);
        Assert.Null(result.Value);
        return Assert.IsType<string>(result.Error);
    }

    [Theory]
    [InlineData(P2wpkh)]
    [InlineData(P2tr)]
    [InlineData(Testnet)]
    public void LowercaseBech32IsKept(string address)
    {
        Assert.Equal(address, Valid(PayoutMethodId.BtcChain, address));
    }

    [Theory]
    [InlineData(P2wpkh)]
    [InlineData(P2tr)]
    public void UppercaseBech32IsLowercased(string address)
    {
        Assert.Equal(address, Valid(PayoutMethodId.BtcChain, address.ToUpperInvariant()));
    }

    [Theory]
    [InlineData("bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")]
    [InlineData("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3t4")]
    [InlineData("Bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")]
    public void MixedCaseBech32IsRefused(string address)
    {
        Assert.Contains("mixes upper and lower case", Invalid(PayoutMethodId.BtcChain, address), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(P2pkh)]
    [InlineData(P2sh)]
    public void Base58AddressIsKeptAsGiven(string address)
    {
        Assert.Equal(address, Valid(PayoutMethodId.BtcChain, address));
    }

    [Theory]
    [InlineData("bitcoin:" + P2wpkh, P2wpkh)]
    [InlineData("BITCOIN:BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4?amount=0.1&label=Refund", P2wpkh)]
    [InlineData("bitcoin:" + P2pkh + "?amount=0.5", P2pkh)]
    public void Bip21PrefixAndParametersAreStripped(string uri, string expected)
    {
        Assert.Equal(expected, Valid(PayoutMethodId.BtcChain, uri));
    }

    [Theory]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "has an invalid checksum")]
    [InlineData("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx", "versions 1 to 16 must use bech32m (BIP350)")]
    [InlineData("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "has a version 0 witness program of 16 bytes; it must be 20 or 32")]
    [InlineData("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "has an invalid checksum")]
    [InlineData("bitcoin:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5?amount=1", "has an invalid checksum")]
    public void InvalidAddressIsRefusedWithItsReason(string text, string reason)
    {
        Assert.Contains(reason, Invalid(PayoutMethodId.BtcChain, text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(P2wpkh, BitcoinNetwork.Mainnet, true)]
    [InlineData(P2wpkh, BitcoinNetwork.Regtest, false)]
    [InlineData(Testnet, BitcoinNetwork.Testnet, true)]
    [InlineData(Testnet, BitcoinNetwork.Signet, true)]
    [InlineData(Testnet, BitcoinNetwork.Mainnet, false)]
    [InlineData(P2pkh, BitcoinNetwork.Testnet, false)]
    [InlineData("mo9ncXisMeAoXwqcV5EWuyncbmCcQN4rVs", BitcoinNetwork.Regtest, true)]
    public void NetworkIsCheckedWhenGiven(string address, BitcoinNetwork network, bool valid)
    {
        var result = Destinations.Normalize(PayoutMethodId.BtcChain, "bitcoin:" + address, network);

        Assert.Equal(valid, result.Error is null);
        Assert.Null(Destinations.Normalize(PayoutMethodId.BtcChain, address).Error);
        if (!valid)
            Assert.Contains($"but this store's wallet is on {BitcoinNetworks.Name(network)}", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void NetworkDoesNotApplyToLightning()
    {
        Assert.Null(Destinations.Normalize(PayoutMethodId.BtcLightning, "alice@example.com", BitcoinNetwork.Regtest).Error);
    }

    [Theory]
    [InlineData("bitcoin:")]
    [InlineData("bitcoin:?amount=1")]
    [InlineData("hello")]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4b")] // 'b' is not in the bech32 alphabet
    [InlineData("0A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")] // '0' is not in the base58 alphabet
    [InlineData("1A1zP")] // too short
    public void NonAddressIsRefused(string text)
    {
        Invalid(PayoutMethodId.BtcChain, text);
    }

    [Fact]
    public void SurroundingWhitespaceIsTrimmed()
    {
        Assert.Equal(P2wpkh, Valid(PayoutMethodId.BtcChain, "  " + P2wpkh + "\n"));
    }

    [Theory]
    [InlineData("bc1qw508d6qejxtdg4y5r3 zarvary0c5xw7kv8f3t4")]
    [InlineData("bc1qw508d6qejxtdg4y5r3\tzarvary0c5xw7kv8f3t4")]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\0")]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\u007f")]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\u200b")]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4é")]
    public void WhitespaceControlAndNonAsciiCharactersAreRefused(string text)
    {
        Assert.Contains("printable ASCII", Invalid(PayoutMethodId.BtcChain, text), StringComparison.Ordinal);
        Assert.Contains("printable ASCII", Invalid(PayoutMethodId.BtcLightning, text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void MissingDestinationIsRequired(string? text)
    {
        Assert.Equal("is required", Invalid(PayoutMethodId.BtcChain, text));
    }

    [Fact]
    public void LongerThanLengthMaxIsRefusedBeforeParsing()
    {
        var text = "lnbc1" + new string('q', Destinations.LengthMax - 4);
        Assert.Equal(Destinations.LengthMax + 1, text.Length);

        Assert.Contains($"at most {Destinations.LengthMax}", Invalid(PayoutMethodId.BtcLightning, text), StringComparison.Ordinal);
        Assert.Contains($"at most {Destinations.LengthMax}", Invalid(PayoutMethodId.BtcChain, text), StringComparison.Ordinal);
    }

    [Fact]
    public void InvoiceAtLengthMaxIsCheckedNotRefusedForLength()
    {
        var text = "lnbc1" + new string('q', Destinations.LengthMax - 5);

        var error = Invalid(PayoutMethodId.BtcLightning, text);

        Assert.DoesNotContain("at most", error, StringComparison.Ordinal);
        Assert.Contains("BOLT11", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Bolt11IsLowercased()
    {
        Assert.Equal(Bolt11, Valid(PayoutMethodId.BtcLightning, Bolt11));
        Assert.Equal(Bolt11, Valid(PayoutMethodId.BtcLightning, Bolt11.ToUpperInvariant()));
    }

    [Theory]
    [InlineData("lightning:")]
    [InlineData("LIGHTNING:")]
    public void LightningUriPrefixIsStripped(string prefix)
    {
        Assert.Equal(Bolt11, Valid(PayoutMethodId.BtcLightning, prefix + Bolt11));
    }

    [Fact]
    public void LnurlIsLowercased()
    {
        Assert.Equal(Lnurl.ToLowerInvariant(), Valid(PayoutMethodId.BtcLightning, Lnurl));
    }

    [Theory]
    [InlineData("alice@example.com", "alice@example.com")]
    [InlineData("Alice@Example.COM", "alice@example.com")]
    [InlineData("pay.me+tips@ln.sub-domain.example", "pay.me+tips@ln.sub-domain.example")]
    public void LightningAddressIsLowercased(string address, string expected)
    {
        Assert.Equal(expected, Valid(PayoutMethodId.BtcLightning, address));
    }

    [Theory]
    [InlineData("alice@localhost")]
    [InlineData("@example.com")]
    [InlineData("alice@@example.com")]
    [InlineData("lnbc1qqqq")] // data part far too short for an invoice
    public void NonLightningTextIsRefused(string text)
    {
        Invalid(PayoutMethodId.BtcLightning, text);
    }

    [Theory]
    [InlineData(P2wpkh)]
    [InlineData(P2pkh)]
    [InlineData("bitcoin:" + P2wpkh)]
    public void ChainAddressGivenToLightningIsRefused(string address)
    {
        Invalid(PayoutMethodId.BtcLightning, address);
    }

    [Theory]
    [InlineData(Bolt11)]
    [InlineData("alice@example.com")]
    public void LightningDestinationGivenToChainIsRefused(string destination)
    {
        Invalid(PayoutMethodId.BtcChain, destination);
    }
}

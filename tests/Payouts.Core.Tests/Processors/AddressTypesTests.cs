using Payouts.Contracts;
using Payouts.Core.Payouts;
using Payouts.Core.Processors;

namespace Payouts.Core.Tests.Processors;

/// <summary>
/// <see cref="AddressTypes.Of"/> classifies a normalized destination for the allowed-address-types rule by parsing it.
/// Addresses are the BIP13/BIP173/BIP350 examples and well-known ones; the regtest ones encode BIP173's programs under
/// the bcrt HRP.
/// </summary>
public sealed class AddressTypesTests
{
    public static TheoryData<string, string> ChainAddresses => new()
    {
        // mainnet
        { "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", AddressTypes.P2pkh },
        { "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", AddressTypes.P2sh },
        { "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", AddressTypes.P2wpkh },
        { "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", AddressTypes.P2wsh },
        { "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", AddressTypes.P2tr },
        // testnet / signet
        { "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", AddressTypes.P2pkh },
        { "n3GNqMveyvaPvUbH469vDRadqpJMPc84JA", AddressTypes.P2pkh },
        { "2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc", AddressTypes.P2sh },
        { "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", AddressTypes.P2wpkh },
        { "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", AddressTypes.P2wsh },
        { "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", AddressTypes.P2tr },
        // regtest (base58 prefixes are testnet's)
        { "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", AddressTypes.P2wpkh },
        { "bcrt1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qzf4jry", AddressTypes.P2wsh },
        { "bcrt1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesyga46z", AddressTypes.P2tr },
        // witness programs this service does not name: BIP350's v16 and v2 examples, and pay-to-anchor (v1, 2 bytes)
        { "bc1sw50qgdz25j", AddressTypes.Segwit },
        { "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", AddressTypes.Segwit },
        { "bc1pfeessrawgf", AddressTypes.Segwit },
    };

    [Theory]
    [MemberData(nameof(ChainAddresses))]
    public void ChainAddressTypes(string address, string expected) =>
        Assert.Equal(expected, AddressTypes.Of(PayoutMethodId.BtcChain, address));

    [Theory]
    [MemberData(nameof(ChainAddresses))]
    public void ChainAddressTypesOfTheNormalizedFormAndOfABip21Uri(string address, string expected)
    {
        // What the planner sees is the stored (normalized) destination: bech32 lowercased, a BIP21 URI reduced to its address.
        var normalized = Destinations.Normalize(PayoutMethodId.BtcChain, address);
        Assert.Null(normalized.Error);
        Assert.Equal(expected, AddressTypes.Of(PayoutMethodId.BtcChain, normalized.Value!));
        Assert.Equal(expected, AddressTypes.Of(PayoutMethodId.BtcChain, $"bitcoin:{address}?amount=0.1&label=x"));
    }

    [Theory]
    [InlineData("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", AddressTypes.P2wpkh)]
    [InlineData("TB1PQQQQP399ET2XYGDJ5XREQHJJVCMZHXW4AYWXECJDZEW6HYLGVSESF3HN0C", AddressTypes.P2tr)]
    [InlineData("BCRT1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KYGT080", AddressTypes.P2wpkh)]
    public void UppercaseBech32IsClassifiedLikeLowercase(string address, string expected) =>
        Assert.Equal(expected, AddressTypes.Of(PayoutMethodId.BtcChain, address));

    [Theory]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7k")] // a version 0 program of 16 bytes
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5")] // bad checksum
    [InlineData("bc1qdest1")]
    public void UnparseableStoredAddressIsUnknownWhichNoPolicyAllows(string destination)
    {
        Assert.Equal(AddressTypes.Unknown, AddressTypes.Of(PayoutMethodId.BtcChain, destination));
        Assert.DoesNotContain(AddressTypes.Unknown, AddressTypes.All);
    }

    [Theory]
    // BOLT11's first example invoice
    [InlineData("lnbc1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq8rkx3yf5tcsyz3d73gafnh3cax9rn449d9p5uxz9ezhhypd0elx87sjle52x86fux2ypatgddc6k63n7erqz25le42c4u4ecky03ylcqca784w", AddressTypes.Bolt11)]
    [InlineData("lntb20m1pvjluezhp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfpp3x9et2e20v6pu37c5d9vax37wxq72un98kmzzhznpurw9sgl2v0nklu2g4d0keph5t7tj9tcqd8rexnd07ux4uv2cjvcqwaxgj7v4uwn5wmypjd5n69z2xm3xgksg28nwht7f6zspwp3f9t4sc", AddressTypes.Bolt11)]
    [InlineData("lnurl1dp68gurn8ghj7um9wfmxjcm99e3k7mf0v9cxj0m385ekvcenxc6r2c35xvukxefcv5mkvv34x5ekzd3ev56nyd3hxqurzepexejxxepnxscrvwfnv9nxzcn9xq6xyefhvgcxxcmyxymnserxfq5fns", AddressTypes.Lnurl)]
    [InlineData("satoshi@example.com", AddressTypes.LightningAddress)]
    [InlineData("pay.me+tips@sub.example.org", AddressTypes.LightningAddress)]
    // A Lightning address whose name happens to start like an LNURL is still a Lightning address.
    [InlineData("lnurlfan@example.com", AddressTypes.LightningAddress)]
    public void LightningDestinationTypes(string destination, string expected) =>
        Assert.Equal(expected, AddressTypes.Of(PayoutMethodId.BtcLightning, destination));

    [Fact]
    public void EveryTypeOfIsListedInAll()
    {
        string[] seen =
        [
            .. ChainAddresses.Select(row => (string)row[1]),
            AddressTypes.Bolt11, AddressTypes.Lnurl, AddressTypes.LightningAddress,
        ];
        Assert.Equal(AddressTypes.All.Order(StringComparer.Ordinal), seen.Distinct().Order(StringComparer.Ordinal));
    }
}

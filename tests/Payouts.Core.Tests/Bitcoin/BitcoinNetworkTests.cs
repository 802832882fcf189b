using Payouts.Core.Bitcoin;

namespace Payouts.Core.Tests.Bitcoin;

/// <summary>Which networks an address is valid on, and the refusal when it is not the store's.</summary>
public sealed class BitcoinNetworkTests
{
    private const string Mainnet = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
    private const string Testnet = "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7";
    private const string MainnetLegacy = "1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62i";
    private const string TestnetLegacy = "mo9ncXisMeAoXwqcV5EWuyncbmCcQN4rVs";
    private static readonly string Regtest = Bech32.EncodeWitness("bcrt", 0, Convert.FromHexString("751e76e8199196d454941c45d1b3a323f1433bd6"));

    [Theory]
    [InlineData("mainnet", BitcoinNetwork.Mainnet)]
    [InlineData("main", BitcoinNetwork.Mainnet)]
    [InlineData("MAINNET", BitcoinNetwork.Mainnet)]
    [InlineData("testnet", BitcoinNetwork.Testnet)]
    [InlineData("test", BitcoinNetwork.Testnet)]
    [InlineData("testnet4", BitcoinNetwork.Testnet)]
    [InlineData("signet", BitcoinNetwork.Signet)]
    [InlineData("Regtest", BitcoinNetwork.Regtest)]
    public void NetworkNamesParseIncludingBitcoindChainNames(string text, BitcoinNetwork expected)
    {
        Assert.True(BitcoinNetworks.TryParse(text, out var network));
        Assert.Equal(expected, network);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("liquid")]
    [InlineData("testnet3x")]
    public void UnknownNetworkNamesDoNotParse(string? text)
    {
        Assert.False(BitcoinNetworks.TryParse(text, out _));
    }

    [Fact]
    public void EveryNetworkNameParsesBackToItself()
    {
        foreach (var network in Enum.GetValues<BitcoinNetwork>())
        {
            Assert.True(BitcoinNetworks.TryParse(BitcoinNetworks.Name(network), out var parsed));
            Assert.Equal(network, parsed);
        }
    }

    public static TheoryData<string, BitcoinNetwork[]> ValidOn => new()
    {
        { Mainnet, [BitcoinNetwork.Mainnet] },
        { MainnetLegacy, [BitcoinNetwork.Mainnet] },
        { Testnet, [BitcoinNetwork.Testnet, BitcoinNetwork.Signet] },
        // Regtest shares testnet's base58 versions, so Bitcoin Core accepts these there too.
        { TestnetLegacy, [BitcoinNetwork.Testnet, BitcoinNetwork.Signet, BitcoinNetwork.Regtest] },
        { Regtest, [BitcoinNetwork.Regtest] },
    };

    [Theory]
    [MemberData(nameof(ValidOn))]
    public void AddressIsValidOnExactlyItsNetworks(string text, BitcoinNetwork[] networks)
    {
        Assert.True(BitcoinAddress.TryParse(text, network: null, out var any, out _));
        Assert.Equal(networks, any.Networks);
        foreach (var network in Enum.GetValues<BitcoinNetwork>())
            Assert.Equal(networks.Contains(network), BitcoinAddress.TryParse(text, network, out _, out _));
    }

    [Theory]
    [InlineData(Mainnet, BitcoinNetwork.Regtest, "is a mainnet address but this store's wallet is on regtest")]
    [InlineData(MainnetLegacy, BitcoinNetwork.Testnet, "is a mainnet address but this store's wallet is on testnet")]
    [InlineData(Testnet, BitcoinNetwork.Mainnet, "is a testnet or signet address but this store's wallet is on mainnet")]
    [InlineData(Testnet, BitcoinNetwork.Regtest, "is a testnet or signet address but this store's wallet is on regtest")]
    [InlineData(TestnetLegacy, BitcoinNetwork.Mainnet, "is a testnet, signet or regtest address but this store's wallet is on mainnet")]
    public void WrongNetworkIsNamed(string text, BitcoinNetwork network, string expected)
    {
        Assert.False(BitcoinAddress.TryParse(text, network, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData(BitcoinNetwork.Mainnet, "is a regtest address but this store's wallet is on mainnet")]
    [InlineData(BitcoinNetwork.Signet, "is a regtest address but this store's wallet is on signet")]
    public void RegtestAddressIsRefusedElsewhere(BitcoinNetwork network, string expected)
    {
        Assert.False(BitcoinAddress.TryParse(Regtest, network, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void EveryScriptTypeRoundTripsOnEveryNetwork()
    {
        var hash20 = Enumerable.Range(1, 20).Select(i => (byte)i).ToArray();
        var hash32 = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        byte[][] scripts =
        [
            [0x76, 0xa9, 0x14, .. hash20, 0x88, 0xac],
            [0xa9, 0x14, .. hash20, 0x87],
            [0x00, 0x14, .. hash20],
            [0x00, 0x20, .. hash32],
            [0x51, 0x20, .. hash32],
            [0x60, 0x02, 0x01, 0x02],
        ];
        foreach (var network in Enum.GetValues<BitcoinNetwork>())
            foreach (var script in scripts)
            {
                var text = BitcoinAddress.FromScriptPubKey(script, network);
                Assert.True(BitcoinAddress.TryParse(text, network, out var address, out var error), error);
                Assert.Equal(script, address.ScriptPubKey);
            }
    }

    [Theory]
    [InlineData("")]
    [InlineData("6a0401020304")] // OP_RETURN
    [InlineData("2102aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899ac")] // bare P2PK
    [InlineData("0015751e76e8199196d454941c45d1b3a323f1433bd6aa")] // v0 program of 21 bytes
    [InlineData("5101aa")] // v1 program of 1 byte
    [InlineData("76a914751e76e8199196d454941c45d1b3a323f1433bd688ad")] // P2PKH shape with OP_CHECKSIGVERIFY
    public void NonStandardScriptHasNoAddress(string hex)
    {
        Assert.Throws<ArgumentException>(() => BitcoinAddress.FromScriptPubKey(Convert.FromHexString(hex), BitcoinNetwork.Mainnet));
    }
}

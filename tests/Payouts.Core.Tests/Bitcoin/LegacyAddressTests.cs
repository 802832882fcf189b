using Payouts.Core.Bitcoin;

namespace Payouts.Core.Tests.Bitcoin;

/// <summary>Base58check P2PKH and P2SH addresses, with vectors from Bitcoin Core's key_io_valid.json and key_io_invalid.json.</summary>
public sealed class LegacyAddressTests
{
    public static TheoryData<string, string, BitcoinScriptType, BitcoinNetwork> Valid => new()
    {
        { "1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62i", "76a91465a16059864a2fdbc7c99a4723a8395bc6f188eb88ac", BitcoinScriptType.P2pkh, BitcoinNetwork.Mainnet },
        { "3CMNFxN1oHBc4R1EpboAL5yzHGgE611Xou", "a91474f209f6ea907e2ea48f74fae05782ae8a66525787", BitcoinScriptType.P2sh, BitcoinNetwork.Mainnet },
        { "mo9ncXisMeAoXwqcV5EWuyncbmCcQN4rVs", "76a91453c0307d6851aa0ce7825ba883c6bd9ad242b48688ac", BitcoinScriptType.P2pkh, BitcoinNetwork.Testnet },
        { "2N2JD6wb56AfK4tfmM6PwdVmoYk2dCKf4Br", "a9146349a418fc4578d10a372b54b45c280cc8c4382f87", BitcoinScriptType.P2sh, BitcoinNetwork.Testnet },
        // The genesis block's coinbase address.
        { "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac", BitcoinScriptType.P2pkh, BitcoinNetwork.Mainnet },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void ValidAddressDecodesToItsScriptPubKeyAndBack(string text, string scriptHex, BitcoinScriptType type, BitcoinNetwork network)
    {
        Assert.True(BitcoinAddress.TryParse(text, network, out var address, out var error), error);
        Assert.Equal(scriptHex, Convert.ToHexStringLower(address.ScriptPubKey));
        Assert.Equal(type, address.Type);
        Assert.Equal(text, address.Text);
        Assert.Equal(text, BitcoinAddress.FromScriptPubKey(Convert.FromHexString(scriptHex), network));
    }

    [Theory]
    [InlineData("1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62j", "has an invalid checksum")] // last character changed
    [InlineData("1ANNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62i", "has an invalid checksum")]
    [InlineData("3CMNFxN1oHBc4R1EpboAL5yzHGgE611Xov", "has an invalid checksum")]
    [InlineData("1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62I", "is not a Bitcoin address")] // 'I' is not base58
    [InlineData("0AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62i", "is not a Bitcoin address")]
    [InlineData("x", "is not a Bitcoin address")]
    // key_io_invalid.json
    [InlineData("37qgekLpCCHrQuSjvX3fs496FWTGsHFHizjJAs6NPcR47aefnnCWECAhHV6E3g4YN7u7Yuwod5Y", "")]
    [InlineData("dzb7VV1Ui55BARxv7ATxAtCUeJsANKovDGWFVgpTbhq9gvPqP3yv", "")]
    [InlineData("MuNu7ZAEDFiHthiunm7dPjwKqrVNCM3mAz6rP9zFveQu14YA8CxExSJTHcVP9DErn6u84E6Ej7S", "")]
    [InlineData("rPpQpYknyNQ5AEHuY6H8ijJJrYc2nDKKk9jjmKEXsWzyAQcFGpDLU2Zvsmoi8JLR7hAwoy3RQWf", "")]
    public void InvalidAddressIsRefused(string text, string reason)
    {
        Assert.False(BitcoinAddress.TryParse(text, network: null, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidBase58CheckOfTheWrongSizeOrVersionIsRefused()
    {
        Assert.False(BitcoinAddress.TryParse(Base58Check.Encode(new byte[22]), network: null, out _, out var size));
        Assert.Contains("22-byte payload", size, StringComparison.Ordinal);
        // 0x30 is Litecoin's P2PKH version.
        Assert.False(BitcoinAddress.TryParse(Base58Check.Encode([0x30, .. new byte[20]]), network: null, out _, out var version));
        Assert.Contains("version byte 0x30", version, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")]
    [InlineData("0000ff")]
    [InlineData("00eb15231dfceb60925886b67d065299925915aeb172c06647")]
    public void Base58CheckRoundTrips(string hex)
    {
        var payload = Convert.FromHexString(hex);
        Assert.True(Base58Check.TryDecode(Base58Check.Encode(payload), out var decoded));
        Assert.Equal(payload, decoded);
    }

    [Fact]
    public void LeadingZeroBytesAreOnes()
    {
        // Satoshi's key hash under version 0: one zero byte, so exactly one leading '1'.
        Assert.StartsWith("1A", Base58Check.Encode(Convert.FromHexString("0062e907b15cbf27d5425399ebf6f0fb50ebb88f18")), StringComparison.Ordinal);
        Assert.StartsWith("111", Base58Check.Encode(new byte[3]), StringComparison.Ordinal);
    }

    [Fact]
    public void OverlongTextIsRefusedUnread()
    {
        Assert.False(Base58Check.TryDecode(new string('z', Base58Check.TextLengthMax + 1), out _));
    }
}

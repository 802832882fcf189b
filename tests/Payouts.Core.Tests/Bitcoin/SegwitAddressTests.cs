using Payouts.Core.Bitcoin;

namespace Payouts.Core.Tests.Bitcoin;

/// <summary>
/// Segwit addresses with the vectors of BIP350 (which supersedes BIP173's for versions 1 to 16) and Bitcoin Core's
/// rpc_validateaddress.py: each valid address decodes to its scriptPubKey and back, each invalid one fails for the reason
/// the BIP gives (a wrong vector would fail for another reason, and the reason check catches that).
/// </summary>
public sealed class SegwitAddressTests
{
    public static TheoryData<string, string, BitcoinScriptType> Valid => new()
    {
        { "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6", BitcoinScriptType.P2wpkh },
        { "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262", BitcoinScriptType.P2wsh },
        { "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6", BitcoinScriptType.WitnessUnknown },
        { "BC1SW50QGDZ25J", "6002751e", BitcoinScriptType.WitnessUnknown },
        { "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323", BitcoinScriptType.WitnessUnknown },
        { "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy", "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433", BitcoinScriptType.P2wsh },
        { "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433", BitcoinScriptType.P2tr },
        { "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", BitcoinScriptType.P2tr },
        // Bitcoin Core's mainnet forms of the testnet vectors, and its pay-to-anchor.
        { "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262", BitcoinScriptType.P2wsh },
        { "bc1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvses7epu4h", "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433", BitcoinScriptType.P2tr },
        { "bc1pfeessrawgf", "51024e73", BitcoinScriptType.WitnessUnknown },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void ValidAddressDecodesToItsScriptPubKey(string text, string scriptHex, BitcoinScriptType type)
    {
        Assert.True(BitcoinAddress.TryParse(text, network: null, out var address, out var error), error);
        Assert.Equal(scriptHex, Convert.ToHexStringLower(address.ScriptPubKey));
        Assert.Equal(type, address.Type);
        Assert.Equal(text.ToLowerInvariant(), address.Text);
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void ScriptPubKeyEncodesBackToTheAddress(string text, string scriptHex, BitcoinScriptType type)
    {
        _ = type;
        Assert.True(BitcoinAddress.TryParse(text, network: null, out var address, out _));
        foreach (var network in address.Networks)
            Assert.Equal(text.ToLowerInvariant(), BitcoinAddress.FromScriptPubKey(Convert.FromHexString(scriptHex), network));
    }

    [Theory]
    // BIP350
    [InlineData("tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", "bech32 prefix \"tc\"")] // invalid HRP
    [InlineData("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "uses bech32 for witness version 1; versions 1 to 16 must use bech32m (BIP350)")]
    [InlineData("tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", "uses bech32 for witness version 2;")]
    [InlineData("BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", "uses bech32 for witness version 16;")]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "uses bech32m for witness version 0")]
    [InlineData("tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", "uses bech32m for witness version 0")]
    [InlineData("bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", "'o', which bech32 does not use")] // invalid character in checksum
    [InlineData("BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", "has witness version 17")]
    [InlineData("bc1pw5dgrnzv", "witness program of 1 bytes; it must be 2 to 40")]
    [InlineData("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav", "witness program of 41 bytes")]
    [InlineData("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "has a version 0 witness program of 16 bytes; it must be 20 or 32")]
    [InlineData("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", "mixes upper and lower case")]
    [InlineData("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", "invalid padding")] // more than 4 padding bits
    [InlineData("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", "invalid padding")] // non-zero padding
    [InlineData("bc1gmk9yu", "empty bech32 data section")]
    // BIP173; its valid version 1+ examples use bech32, which BIP350 made invalid.
    [InlineData("tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", "bech32 prefix \"tc\"")]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "has an invalid checksum")]
    [InlineData("BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", "has witness version 17; the highest is 16")]
    [InlineData("bc1rw5uspcuh", "uses bech32 for witness version 3;")]
    [InlineData("bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90", "uses bech32 for witness version 15;")]
    [InlineData("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", "mixes upper and lower case")]
    [InlineData("bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", "uses bech32 for witness version 2;")]
    [InlineData("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv", "invalid padding")]
    [InlineData("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx", "uses bech32 for witness version 1;")]
    [InlineData("BC1SW50QA3JX3S", "uses bech32 for witness version 16;")]
    [InlineData("bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj", "uses bech32 for witness version 2;")]
    // Bitcoin Core's rpc_validateaddress.py
    [InlineData("bc1qfysxzmfq2phhyarvv9hxgtjgdajxcw3fpkpph893lw", "invalid padding")]
    [InlineData("BC1PFYSXZMFQ2PHHYARVV9HXGTJGFAZYCWJYPQQQF9ZLQ6", "uses bech32 for witness version 1;")]
    [InlineData("bc1qfysxzmfq2phhyarvv9hxgtjgfazycwjypqqqfm706a", "uses bech32m for witness version 0")]
    public void InvalidAddressIsRefusedForItsReason(string text, string reason)
    {
        Assert.False(BitcoinAddress.TryParse(text, network: null, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void WitnessProgramsOfTwoAndFortyBytesAreAccepted()
    {
        // Versions 1 to 16 take 2 to 40 bytes; both ends encode and parse.
        foreach (var length in new[] { 2, 40 })
        {
            var text = Bech32.EncodeWitness("bc", 5, Enumerable.Range(0, length).Select(i => (byte)i).ToArray());
            Assert.True(BitcoinAddress.TryParse(text, BitcoinNetwork.Mainnet, out var address, out var error), error);
            Assert.Equal(BitcoinScriptType.WitnessUnknown, address.Type);
            Assert.Equal(0x55, address.ScriptPubKey[0]);
        }
    }
}

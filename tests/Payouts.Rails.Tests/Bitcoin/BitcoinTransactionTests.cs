using Payouts.Rails.Bitcoin;

namespace Payouts.Rails.Tests.Bitcoin;

/// <summary>
/// The transaction codec against published transactions: BIP143's native P2WPKH example (unsigned and signed) and the
/// first bitcoin payment (block 170). Expected ids and sizes come from the BIP, block explorers and Bitcoin Core's
/// decoderawtransaction as quoted by other libraries' tests, never from this codec.
/// </summary>
public sealed class BitcoinTransactionTests
{
    private const string Bip143Unsigned =
        "0100000002fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000000eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac11000000";

    private const string Bip143Signed =
        "01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee635711000000";

    private const string Block170 =
        "0100000001c997a5e56e104102fa209c6a852dd90660a20b2d9c352423edce25857fcd3704000000004847304402204e45e16932b8af514961a1d3a1a25fdf3f4f7732e9d624c6c61548ab5fb8cd410220181522ec8eca07de4860a4acdd12909d831cc56cbbac4622082221a8768d1d0901ffffffff0200ca9a3b00000000434104ae1a62fe09c5f51b13905f07f06b99a2f7159b2225f374cd378d71302fa28414e7aab37397f554a7df5f142c21c1b7303b8a0626f1baded5c72a704f7e6cd84cac00286bee0000000043410411db93e1dcdb8a016b49840f8c53bc1eb68a382e97b1482ecad7b148a6909a5cb2e0eaddfb84ccf9744464f82e160bfa9b8b64f9d4c03f999b8643f656b412a3ac00000000";

    private static BitcoinTransaction Hex(string hex) =>
        BitcoinTransaction.TryParseHex(hex, out var tx, out var error) ? tx : throw new Xunit.Sdk.XunitException(error);

    [Fact]
    public void Bip143SignedP2wpkhParsesWithItsTxidWtxidAndSizes()
    {
        var tx = Hex(Bip143Signed);

        Assert.Equal("e8151a2af31c368a35053ddd4bdb285a8595c769a3ad83e0fa02314a602d4609", tx.Txid);
        Assert.Equal("c36c38370907df2324d9ce9d149d191192f338b37665a82e78e76a12c909b762", tx.Wtxid);
        Assert.Equal(343, tx.Serialize().Length);
        Assert.Equal(233, tx.Serialize(includeWitness: false).Length);
        Assert.Equal(233 * 3 + 343, tx.Weight);
        Assert.Equal(261, tx.VirtualSize);
        Assert.Equal(1, tx.Version);
        Assert.Equal(17u, tx.LockTime);
        Assert.Equal(Bip143Signed, tx.ToHex());
    }

    [Fact]
    public void Bip143SignedP2wpkhExposesInputsOutputsAndWitnesses()
    {
        var tx = Hex(Bip143Signed);

        Assert.Equal(new OutPoint("9f96ade4b41d5433f4eda31e1738ec2b36f6e7d1420d94a6af99801a88f7f7ff", 0), tx.Inputs[0].Prevout);
        Assert.Equal(new OutPoint("8ac60eb9575db5b2d987e29f301b5b819ea83a5c6579d282d189cc04b8e151ef", 1), tx.Inputs[1].Prevout);
        Assert.Equal(0xffffffeeu, tx.Inputs[0].Sequence);
        Assert.Equal(0x49, tx.Inputs[0].ScriptSig.Length);
        Assert.Empty(tx.Inputs[0].Witness);
        Assert.Equal(2, tx.Inputs[1].Witness.Count);
        Assert.Equal("025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee6357", Convert.ToHexStringLower(tx.Inputs[1].Witness[1]));
        Assert.Equal([112_340_000L, 223_450_000L], tx.Outputs.Select(o => o.ValueSats));
        Assert.Equal("76a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac", Convert.ToHexStringLower(tx.Outputs[0].ScriptPubKey));
        // Input 0's sequence 0xffffffee is below 0xfffffffe: BIP125 opt-in.
        Assert.True(tx.SignalsRbf);
    }

    [Fact]
    public void Bip143UnsignedTransactionIsTheSignedOneWithoutScripts()
    {
        var unsigned = Hex(Bip143Unsigned);
        var signed = Hex(Bip143Signed);

        Assert.False(unsigned.HasWitness);
        Assert.Equal(unsigned.Txid, unsigned.Wtxid);
        Assert.Equal(160, unsigned.VirtualSize);
        Assert.Equal(Bip143Unsigned, unsigned.ToHex());
        var stripped = new BitcoinTransaction(signed.Version,
            signed.Inputs.Select(i => TxIn.Unsigned(i.Prevout, i.Sequence)).ToList(), signed.Outputs, signed.LockTime);
        Assert.Equal(Bip143Unsigned, stripped.ToHex());
    }

    [Fact]
    public void LegacyMainnetTransactionOfBlock170RoundTrips()
    {
        var tx = Hex(Block170);

        Assert.Equal("f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16", tx.Txid);
        Assert.Equal(tx.Txid, tx.Wtxid);
        Assert.Equal(275, tx.VirtualSize);
        Assert.Equal(275 * 4, tx.Weight);
        Assert.Equal([1_000_000_000L, 4_000_000_000L], tx.Outputs.Select(o => o.ValueSats));
        Assert.Equal("0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9", tx.Inputs[0].Prevout.Txid);
        Assert.False(tx.SignalsRbf);
        Assert.Equal(Block170, tx.ToHex());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("0100", "end of data")]
    [InlineData("zz", "hex")]
    [InlineData(Block170 + "00", "trailing")]
    [InlineData("0100000001c997a5e56e104102fa209c6a852dd90660a20b2d", "end of data")]
    // Marker 0x00 with flag 0x02: Bitcoin Core refuses unknown optional data.
    [InlineData("010000000002", "segwit flag")]
    // A segwit serialization whose only witness is empty: Core's "Superfluous witness record".
    [InlineData("0100000000010100000000000000000000000000000000000000000000000000000000000000000000000000ffffffff0100000000000000000000000000", "superfluous")]
    // 0xfd followed by a value below 0xfd: a non-canonical compact size.
    [InlineData("01000000fd0100", "non-canonical")]
    public void MalformedTransactionsAreRefused(string hex, string reason)
    {
        Assert.False(BitcoinTransaction.TryParseHex(hex, out var tx, out var error));
        Assert.Null(tx);
        Assert.Contains(reason, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ParseThrowsFormatExceptionOnTrailingBytes()
    {
        var bytes = Convert.FromHexString(Block170 + "00");
        Assert.Throws<FormatException>(() => BitcoinTransaction.Parse(bytes));
    }

    [Fact]
    public void OutPointNormalizesTxidAndRefusesBadOnes()
    {
        Assert.Equal(new string('a', 64), new OutPoint(new string('A', 64), 0).Txid);
        Assert.Throws<FormatException>(() => new OutPoint("abc", 0));
        Assert.Throws<FormatException>(() => new OutPoint(new string('g', 64), 0));
    }

    [Fact]
    public void SignalsRbfOnlyBelowFfffffffe()
    {
        static BitcoinTransaction With(uint sequence) => new(2,
            [TxIn.Unsigned(new OutPoint(new string('1', 64), 0), sequence)], [new TxOut(1000, [0x51])], 0);

        Assert.True(With(TxIn.SequenceRbf).SignalsRbf);
        Assert.False(With(0xfffffffe).SignalsRbf);
        Assert.False(With(TxIn.SequenceFinal).SignalsRbf);
    }
}

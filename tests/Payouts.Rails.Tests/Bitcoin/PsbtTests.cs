using Payouts.Rails.Bitcoin;

namespace Payouts.Rails.Tests.Bitcoin;

/// <summary>BIP174 version 0: the BIP's own valid and invalid vectors, its extractor example, and the typed helpers.</summary>
public sealed class PsbtTests
{
    [Theory]
    [MemberData(nameof(Bip174Vectors.Invalid), MemberType = typeof(Bip174Vectors))]
    public void Bip174InvalidVectorsAreRejectedForTheirReason(string description, string reason, string base64)
    {
        Assert.False(Psbt.TryParseBase64(base64, out var psbt, out var error), description);
        Assert.Null(psbt);
        Assert.Contains(reason, error, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<FormatException>(() => Psbt.ParseBase64(base64));
    }

    [Theory]
    [MemberData(nameof(Bip174Vectors.Valid), MemberType = typeof(Bip174Vectors))]
    public void Bip174ValidVectorsParseAndRoundTripByteForByte(string description, string base64)
    {
        Assert.True(Psbt.TryParseBase64(base64, out var psbt, out var error), $"{description}: {error}");
        Assert.Equal(base64, psbt.ToBase64());
        Assert.Equal(psbt.UnsignedTx.Inputs.Count, psbt.Inputs.Count);
        Assert.Equal(psbt.UnsignedTx.Outputs.Count, psbt.Outputs.Count);
    }

    [Fact]
    public void UnknownInputKeysAreKeptAsRawEntries()
    {
        var psbt = Psbt.ParseBase64("cHNidP8BAD8CAAAAAf//////////////////////////////////////////AAAAAAD/////AQAAAAAAAAAAA2oBAAAAAAAACvABAgMEBQYHCAkPAQIDBAUGBwgJCgsMDQ4PAAA=");

        var entry = Assert.Single(psbt.Inputs[0].Entries);
        Assert.Equal(0xf0UL, entry.KeyType);
        Assert.Equal("f0010203040506070809", Convert.ToHexStringLower(entry.Key));
        Assert.Equal("0102030405060708090a0b0c0d0e0f", Convert.ToHexStringLower(entry.Value));
        Assert.Null(psbt.GetWitnessUtxo(0));
        Assert.False(psbt.IsComplete);
        Assert.Throws<InvalidOperationException>(() => psbt.Extract());
    }

    [Fact]
    public void ExtractorOfTheBip174ExampleProducesItsTransaction()
    {
        var psbt = Psbt.ParseBase64(Bip174Vectors.Finalized);

        Assert.True(psbt.IsComplete);
        Assert.NotNull(psbt.GetFinalScriptSig(0));
        Assert.Null(psbt.GetFinalScriptWitness(0));
        Assert.Equal(4, psbt.GetFinalScriptWitness(1)!.Count);
        Assert.Equal(Bip174Vectors.Extracted, psbt.Extract().ToHex());
        // Input 0 has the full previous transaction, input 1 a witness utxo: both feed the fee.
        Assert.Equal(200_000_000L, psbt.GetSpentOutput(1)!.ValueSats);
        Assert.Equal(psbt.GetSpentOutput(0)!.ValueSats + 200_000_000L - 149_990_000L - 100_000_000L, psbt.FeeSats);
    }

    [Fact]
    public void CreatorUpdaterSignerFinalizerExtractorFlowBuildsAWitnessTransaction()
    {
        var prevout = new OutPoint(new string('a', 64), 1);
        var spk = Convert.FromHexString("0014" + new string('1', 40));
        var unsigned = new BitcoinTransaction(2, [TxIn.Unsigned(prevout, TxIn.SequenceRbf)], [new TxOut(90_000, spk)], 0);
        var pubKey = Convert.FromHexString("02" + new string('3', 64));
        var signature = Convert.FromHexString("3044" + new string('5', 136) + "01");

        var psbt = Psbt.FromUnsignedTransaction(unsigned)
            .WithWitnessUtxo(0, new TxOut(100_000, spk))
            .WithPartialSignature(0, pubKey, signature);
        var reparsed = Psbt.ParseBase64(psbt.ToBase64());

        Assert.Equal(10_000L, reparsed.FeeSats);
        var partial = Assert.Single(reparsed.GetPartialSignatures(0));
        Assert.Equal(pubKey, partial.PubKey);
        Assert.Equal(signature, partial.Signature);
        Assert.False(reparsed.IsComplete);

        var finalized = reparsed.WithFinalizedInput(0, scriptSig: null, witness: [signature, pubKey]);

        Assert.Empty(finalized.GetPartialSignatures(0));
        Assert.NotNull(finalized.GetWitnessUtxo(0));
        Assert.Null(finalized.GetFinalScriptSig(0));
        var tx = finalized.Extract();
        Assert.Equal(unsigned.Txid, tx.Txid);
        Assert.NotEqual(tx.Txid, tx.Wtxid);
        Assert.Equal([signature, pubKey], tx.Inputs[0].Witness);
        Assert.Equal(tx.ToHex(), Psbt.ParseBase64(finalized.ToBase64()).Extract().ToHex());
    }

    [Fact]
    public void FromUnsignedTransactionRefusesASignedOne()
    {
        var signed = new BitcoinTransaction(2,
            [new TxIn(new OutPoint(new string('a', 64), 0), [0x51], TxIn.SequenceFinal, [])], [new TxOut(1, [0x51])], 0);
        Assert.Throws<FormatException>(() => Psbt.FromUnsignedTransaction(signed));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("cHNidP8=")]
    [InlineData("cHNidP8B AAoAAAAAAAAAAAAAAA==")]
    public void GarbageIsNotAPsbt(string? base64)
    {
        Assert.False(Psbt.TryParseBase64(base64, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void AnUnsupportedPsbtVersionIsRefused()
    {
        var psbt = Psbt.ParseBase64("cHNidP8BAAoAAAAAAAAAAAAAAA==");
        var global = psbt.Global.With(PsbtEntry.Typed(PsbtKeyTypes.GlobalVersion, [2, 0, 0, 0]));
        var bytes = new List<byte> { 0x70, 0x73, 0x62, 0x74, 0xff };
        foreach (var e in global.Entries)
        {
            bytes.Add((byte)e.Key.Length); bytes.AddRange(e.Key);
            bytes.Add((byte)e.Value.Length); bytes.AddRange(e.Value);
        }
        bytes.Add(0);

        Assert.False(Psbt.TryParseBase64(Convert.ToBase64String(bytes.ToArray()), out _, out var error));
        Assert.Contains("version", error, StringComparison.OrdinalIgnoreCase);
    }
}

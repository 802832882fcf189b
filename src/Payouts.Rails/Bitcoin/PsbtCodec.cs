namespace Payouts.Rails.Bitcoin;

/// <summary>The value encodings PSBT fields borrow from the transaction format; each must be consumed exactly.</summary>
internal static class PsbtCodec
{
    public static TxOut ReadTxOut(byte[] value)
    {
        var reader = new ByteReader(value);
        var output = new TxOut(reader.ReadInt64(), reader.ReadVarBytes());
        if (!reader.AtEnd) throw new FormatException("trailing bytes after a witness utxo");
        return output;
    }

    public static byte[] WriteTxOut(TxOut output)
    {
        var writer = new ByteWriter();
        writer.WriteInt64(output.ValueSats);
        writer.WriteVarBytes(output.ScriptPubKey);
        return writer.ToArray();
    }

    public static IReadOnlyList<byte[]> ReadWitness(byte[] value)
    {
        var reader = new ByteReader(value);
        var witness = BitcoinTransaction.ReadWitness(ref reader);
        if (!reader.AtEnd) throw new FormatException("trailing bytes after a final scriptWitness");
        return witness;
    }

    public static byte[] WriteWitness(IReadOnlyList<byte[]> witness)
    {
        var writer = new ByteWriter();
        BitcoinTransaction.WriteWitness(writer, witness);
        return writer.ToArray();
    }
}

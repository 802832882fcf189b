using System.Diagnostics.CodeAnalysis;

namespace Payouts.Rails.Bitcoin;

/// <summary>
/// A Bitcoin transaction in its network serialization (BIP144 when any input has a witness). Immutable: the txid,
/// wtxid and sizes are computed once, because a rail compares them on every reconcile.
/// </summary>
public sealed class BitcoinTransaction
{
    /// <summary>No standard transaction is larger than a block's weight (4,000,000), so neither is anything we parse.</summary>
    public const int SerializedBytesMax = 4_000_000;

    private const int WitnessScaleFactor = 4;
    private readonly Lazy<byte[]> _withWitness;
    private readonly Lazy<byte[]> _withoutWitness;
    private readonly Lazy<string> _txid;
    private readonly Lazy<string> _wtxid;

    public BitcoinTransaction(int version, IReadOnlyList<TxIn> inputs, IReadOnlyList<TxOut> outputs, uint lockTime)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        Version = version;
        Inputs = inputs.ToArray();
        Outputs = outputs.ToArray();
        LockTime = lockTime;
        _withWitness = new Lazy<byte[]>(() => Write(includeWitness: true));
        _withoutWitness = new Lazy<byte[]>(() => Write(includeWitness: false));
        _txid = new Lazy<string>(() => TxidHex.DoubleSha256Displayed(_withoutWitness.Value));
        _wtxid = new Lazy<string>(() => TxidHex.DoubleSha256Displayed(_withWitness.Value));
    }

    public int Version { get; }
    public IReadOnlyList<TxIn> Inputs { get; }
    public IReadOnlyList<TxOut> Outputs { get; }
    public uint LockTime { get; }

    public bool HasWitness => Inputs.Any(i => i.Witness.Count > 0);

    /// <summary>The id that outputs are spent by: the hash of the serialization without witnesses.</summary>
    public string Txid => _txid.Value;

    /// <summary>The hash of the full serialization; equals <see cref="Txid"/> when there is no witness.</summary>
    public string Wtxid => _wtxid.Value;

    /// <summary>BIP141 weight: the base size counts four times, witness bytes once.</summary>
    public int Weight => _withoutWitness.Value.Length * (WitnessScaleFactor - 1) + _withWitness.Value.Length;

    /// <summary>Weight / 4 rounded up: the size fee rates are quoted against (sat/vB).</summary>
    public int VirtualSize => (Weight + WitnessScaleFactor - 1) / WitnessScaleFactor;

    /// <summary>BIP125 opt-in: any input with a sequence below 0xfffffffe.</summary>
    public bool SignalsRbf => Inputs.Any(i => i.Sequence < 0xfffffffe);

    public byte[] Serialize(bool includeWitness = true) =>
        (includeWitness ? _withWitness.Value : _withoutWitness.Value).ToArray();

    public string ToHex() => Convert.ToHexStringLower(_withWitness.Value);

    /// <summary>
    /// Parses the network serialization. Throws <see cref="FormatException"/> on truncated data, trailing bytes,
    /// non-canonical sizes, an unknown segwit flag, or a witness section in which every witness is empty (Bitcoin
    /// Core's "Superfluous witness record").
    /// </summary>
    public static BitcoinTransaction Parse(ReadOnlySpan<byte> bytes) => Parse(bytes, allowWitness: true);

    public static bool TryParseHex(string? hex, [NotNullWhen(true)] out BitcoinTransaction? tx, [NotNullWhen(false)] out string? error)
    {
        tx = null;
        if (string.IsNullOrEmpty(hex)) { error = "empty transaction hex"; return false; }
        if (hex.Length % 2 != 0 || hex.Length > SerializedBytesMax * 2 || !hex.All(Uri.IsHexDigit))
        {
            error = "transaction hex is not an even number of hex digits within the size limit";
            return false;
        }
        try
        {
            tx = Parse(Convert.FromHexString(hex));
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// The PSBT's unsigned transaction is serialized without witness (BIP174), and there a zero-input transaction must
    /// not be read as a segwit marker, so the PSBT parser asks for the legacy format explicitly.
    /// </summary>
    internal static BitcoinTransaction Parse(ReadOnlySpan<byte> bytes, bool allowWitness)
    {
        if (bytes.Length > SerializedBytesMax) throw new FormatException("transaction too large");
        var reader = new ByteReader(bytes);
        var tx = Read(ref reader, allowWitness);
        if (!reader.AtEnd) throw new FormatException("trailing bytes after the transaction");
        return tx;
    }

    internal static BitcoinTransaction Read(ref ByteReader reader, bool allowWitness)
    {
        var version = reader.ReadInt32();
        var segwit = false;
        if (allowWitness && reader.PeekByte() == 0x00)
        {
            var flag = reader.PeekByte(1);
            if (flag != 0x01) throw new FormatException("unknown transaction optional data (segwit flag must be 1)");
            reader.ReadSpan(2);
            segwit = true;
        }

        var inputCount = reader.ReadLength();
        var prevouts = new List<(OutPoint Prevout, byte[] ScriptSig, uint Sequence)>(Math.Min(inputCount, reader.Remaining / 41 + 1));
        for (var i = 0; i < inputCount; i++)
        {
            var txid = TxidHex.FromInternal(reader.ReadSpan(TxidHex.HashBytes));
            var vout = reader.ReadUInt32();
            prevouts.Add((new OutPoint(txid, vout), reader.ReadVarBytes(), reader.ReadUInt32()));
        }

        var outputCount = reader.ReadLength();
        var outputs = new List<TxOut>(Math.Min(outputCount, reader.Remaining / 9 + 1));
        for (var i = 0; i < outputCount; i++)
            outputs.Add(new TxOut(reader.ReadInt64(), reader.ReadVarBytes()));

        var witnesses = new IReadOnlyList<byte[]>[inputCount];
        for (var i = 0; i < inputCount; i++)
            witnesses[i] = segwit ? ReadWitness(ref reader) : [];
        if (segwit && witnesses.All(w => w.Count == 0)) throw new FormatException("superfluous witness record");

        var lockTime = reader.ReadUInt32();
        var inputs = prevouts.Select((p, i) => new TxIn(p.Prevout, p.ScriptSig, p.Sequence, witnesses[i])).ToList();
        return new BitcoinTransaction(version, inputs, outputs, lockTime);
    }

    internal static IReadOnlyList<byte[]> ReadWitness(ref ByteReader reader)
    {
        var count = reader.ReadLength();
        var items = new List<byte[]>(Math.Min(count, reader.Remaining + 1));
        for (var i = 0; i < count; i++) items.Add(reader.ReadVarBytes());
        return items;
    }

    internal static void WriteWitness(ByteWriter writer, IReadOnlyList<byte[]> witness)
    {
        writer.WriteCompactSize((ulong)witness.Count);
        foreach (var item in witness) writer.WriteVarBytes(item);
    }

    private byte[] Write(bool includeWitness)
    {
        var segwit = includeWitness && HasWitness;
        var writer = new ByteWriter();
        writer.WriteInt32(Version);
        if (segwit) writer.WriteBytes([0x00, 0x01]);
        writer.WriteCompactSize((ulong)Inputs.Count);
        Span<byte> hash = stackalloc byte[TxidHex.HashBytes];
        foreach (var input in Inputs)
        {
            TxidHex.WriteInternal(input.Prevout.Txid, hash);
            writer.WriteBytes(hash);
            writer.WriteUInt32(input.Prevout.Vout);
            writer.WriteVarBytes(input.ScriptSig);
            writer.WriteUInt32(input.Sequence);
        }
        writer.WriteCompactSize((ulong)Outputs.Count);
        foreach (var output in Outputs)
        {
            writer.WriteInt64(output.ValueSats);
            writer.WriteVarBytes(output.ScriptPubKey);
        }
        if (segwit)
            foreach (var input in Inputs) WriteWitness(writer, input.Witness);
        writer.WriteUInt32(LockTime);
        return writer.ToArray();
    }
}

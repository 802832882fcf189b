using System.Diagnostics.CodeAnalysis;

namespace Payouts.Rails.Bitcoin;

/// <summary>
/// A BIP174 (version 0) partially signed transaction. Immutable: the <c>With…</c> methods return a new PSBT.
/// Parsing enforces the BIP's rules (magic, exactly one unsigned transaction with empty scriptSigs and witnesses, one
/// map per input and output, no duplicate keys, shapes of known keys) and keeps unknown keys so they round-trip.
/// </summary>
public sealed class Psbt
{
    /// <summary>A PSBT carries at most a transaction plus its inputs' previous transactions; this bounds the decode.</summary>
    public const int SerializedBytesMax = 16_000_000;

    private static readonly byte[] Magic = [0x70, 0x73, 0x62, 0x74, 0xff];

    private Psbt(BitcoinTransaction unsignedTx, PsbtMap global, IReadOnlyList<PsbtMap> inputs, IReadOnlyList<PsbtMap> outputs)
    {
        UnsignedTx = unsignedTx;
        Global = global;
        Inputs = inputs;
        Outputs = outputs;
    }

    public BitcoinTransaction UnsignedTx { get; }

    /// <summary>The global map, the unsigned transaction entry included (so its position round-trips).</summary>
    public PsbtMap Global { get; }

    public IReadOnlyList<PsbtMap> Inputs { get; }
    public IReadOnlyList<PsbtMap> Outputs { get; }

    /// <summary>A PSBT with empty input and output maps, as a creator makes it.</summary>
    public static Psbt FromUnsignedTransaction(BitcoinTransaction unsignedTx)
    {
        ArgumentNullException.ThrowIfNull(unsignedTx);
        RequireUnsigned(unsignedTx);
        var global = new PsbtMap([PsbtEntry.Typed(PsbtKeyTypes.GlobalUnsignedTx, unsignedTx.Serialize(includeWitness: false))]);
        return new Psbt(unsignedTx, global,
            unsignedTx.Inputs.Select(_ => PsbtMap.Empty).ToList(), unsignedTx.Outputs.Select(_ => PsbtMap.Empty).ToList());
    }

    public static Psbt Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > SerializedBytesMax) throw new FormatException("PSBT too large");
        var reader = new ByteReader(bytes);
        if (bytes.Length < Magic.Length || !reader.ReadSpan(Magic.Length).SequenceEqual(Magic))
            throw new FormatException("invalid PSBT magic bytes");

        var global = ReadMap(ref reader);
        PsbtValidation.Global(global);
        var txEntries = global.OfType(PsbtKeyTypes.GlobalUnsignedTx).ToList();
        if (txEntries.Count != 1) throw new FormatException("PSBT has no unsigned transaction");
        var tx = BitcoinTransaction.Parse(txEntries[0].Value, allowWitness: false);
        RequireUnsigned(tx);

        var inputs = new List<PsbtMap>(tx.Inputs.Count);
        foreach (var input in tx.Inputs)
        {
            if (reader.AtEnd) throw new FormatException("PSBT has fewer input maps than the transaction has inputs");
            var map = ReadMap(ref reader);
            PsbtValidation.Input(map, input);
            inputs.Add(map);
        }
        var outputs = new List<PsbtMap>(tx.Outputs.Count);
        foreach (var _ in tx.Outputs)
        {
            if (reader.AtEnd) throw new FormatException("PSBT has fewer output maps than the transaction has outputs");
            var map = ReadMap(ref reader);
            PsbtValidation.Output(map);
            outputs.Add(map);
        }
        if (!reader.AtEnd) throw new FormatException("trailing bytes after the PSBT");
        return new Psbt(tx, global, inputs, outputs);
    }

    public static Psbt ParseBase64(string base64) =>
        TryParseBase64(base64, out var psbt, out var error) ? psbt : throw new FormatException(error);

    public static bool TryParseBase64(string? base64, [NotNullWhen(true)] out Psbt? psbt, [NotNullWhen(false)] out string? error)
    {
        psbt = null;
        // Base64 of at most SerializedBytesMax bytes; checked before decoding so a huge string costs nothing.
        if (string.IsNullOrEmpty(base64) || base64.Length > (SerializedBytesMax + 2) / 3 * 4)
        {
            error = "PSBT base64 is empty or too long";
            return false;
        }
        var bytes = new byte[base64.Length * 3 / 4];
        if (base64.Any(char.IsWhiteSpace) || !Convert.TryFromBase64String(base64, bytes, out var written))
        {
            error = "invalid base64";
            return false;
        }
        try
        {
            psbt = Parse(bytes.AsSpan(0, written));
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    public byte[] Serialize()
    {
        var writer = new ByteWriter();
        writer.WriteBytes(Magic);
        WriteMap(writer, Global);
        foreach (var map in Inputs) WriteMap(writer, map);
        foreach (var map in Outputs) WriteMap(writer, map);
        return writer.ToArray();
    }

    public string ToBase64() => Convert.ToBase64String(Serialize());

    public Psbt WithInput(int index, PsbtMap map)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Inputs.Count);
        PsbtValidation.Input(map, UnsignedTx.Inputs[index]);
        return new Psbt(UnsignedTx, Global, Inputs.Select((m, i) => i == index ? map : m).ToList(), Outputs);
    }

    public Psbt WithOutput(int index, PsbtMap map)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Outputs.Count);
        PsbtValidation.Output(map);
        return new Psbt(UnsignedTx, Global, Inputs, Outputs.Select((m, i) => i == index ? map : m).ToList());
    }

    // Typed input fields ------------------------------------------------------------------------------------------

    public TxOut? GetWitnessUtxo(int input) =>
        Inputs[input].Get(PsbtKeyTypes.InputWitnessUtxo) is { } value ? PsbtCodec.ReadTxOut(value) : null;

    public Psbt WithWitnessUtxo(int input, TxOut utxo) =>
        WithInput(input, Inputs[input].With(PsbtEntry.Typed(PsbtKeyTypes.InputWitnessUtxo, PsbtCodec.WriteTxOut(utxo))));

    public BitcoinTransaction? GetNonWitnessUtxo(int input) =>
        Inputs[input].Get(PsbtKeyTypes.InputNonWitnessUtxo) is { } value ? BitcoinTransaction.Parse(value) : null;

    /// <summary>The output this input spends, from the witness utxo or else the full previous transaction.</summary>
    public TxOut? GetSpentOutput(int input)
    {
        if (GetWitnessUtxo(input) is { } utxo) return utxo;
        var previous = GetNonWitnessUtxo(input);
        var vout = UnsignedTx.Inputs[input].Prevout.Vout;
        return previous is not null && vout < previous.Outputs.Count ? previous.Outputs[(int)vout] : null;
    }

    public IReadOnlyList<PsbtPartialSignature> GetPartialSignatures(int input) =>
        Inputs[input].OfType(PsbtKeyTypes.InputPartialSig).Select(e => new PsbtPartialSignature(e.KeyData.ToArray(), e.Value)).ToList();

    public Psbt WithPartialSignature(int input, byte[] pubKey, byte[] signature) =>
        WithInput(input, Inputs[input].With(PsbtEntry.Typed(PsbtKeyTypes.InputPartialSig, signature, pubKey)));

    public byte[]? GetFinalScriptSig(int input) => Inputs[input].Get(PsbtKeyTypes.InputFinalScriptSig);

    public IReadOnlyList<byte[]>? GetFinalScriptWitness(int input) =>
        Inputs[input].Get(PsbtKeyTypes.InputFinalScriptWitness) is { } value ? PsbtCodec.ReadWitness(value) : null;

    /// <summary>
    /// The BIP174 input finalizer: sets the final scriptSig and/or witness (an empty one stays unset, as the BIP asks)
    /// and clears every other known field except the UTXOs.
    /// </summary>
    public Psbt WithFinalizedInput(int input, byte[]? scriptSig, IReadOnlyList<byte[]>? witness)
    {
        if (scriptSig is not { Length: > 0 } && witness is not { Count: > 0 })
            throw new ArgumentException("a finalized input needs a scriptSig or a witness");
        var map = Inputs[input].Without(e => PsbtKeyTypes.IsClearedOnFinalize(e.KeyType));
        if (scriptSig is { Length: > 0 }) map = map.With(PsbtEntry.Typed(PsbtKeyTypes.InputFinalScriptSig, scriptSig));
        if (witness is { Count: > 0 }) map = map.With(PsbtEntry.Typed(PsbtKeyTypes.InputFinalScriptWitness, PsbtCodec.WriteWitness(witness)));
        return WithInput(input, map);
    }

    public bool IsInputFinalized(int input) =>
        Inputs[input].Get(PsbtKeyTypes.InputFinalScriptSig) is not null || Inputs[input].Get(PsbtKeyTypes.InputFinalScriptWitness) is not null;

    /// <summary>Every input finalized: <see cref="Extract"/> will succeed.</summary>
    public bool IsComplete => Enumerable.Range(0, Inputs.Count).All(IsInputFinalized);

    /// <summary>Inputs minus outputs in sats, or null while any input's spent output is unknown.</summary>
    public long? FeeSats
    {
        get
        {
            long spent = 0;
            for (var i = 0; i < Inputs.Count; i++)
            {
                if (GetSpentOutput(i) is not { } utxo) return null;
                spent += utxo.ValueSats;
            }
            return spent - UnsignedTx.Outputs.Sum(o => o.ValueSats);
        }
    }

    /// <summary>The BIP174 transaction extractor: the network transaction, once every input is finalized.</summary>
    public BitcoinTransaction Extract()
    {
        var inputs = new List<TxIn>(Inputs.Count);
        for (var i = 0; i < Inputs.Count; i++)
        {
            if (!IsInputFinalized(i)) throw new InvalidOperationException($"PSBT input {i} is not finalized");
            var unsigned = UnsignedTx.Inputs[i];
            inputs.Add(unsigned with { ScriptSig = GetFinalScriptSig(i) ?? [], Witness = GetFinalScriptWitness(i) ?? [] });
        }
        return new BitcoinTransaction(UnsignedTx.Version, inputs, UnsignedTx.Outputs, UnsignedTx.LockTime);
    }

    private static void RequireUnsigned(BitcoinTransaction tx)
    {
        if (tx.Inputs.Any(i => i.ScriptSig.Length > 0 || i.Witness.Count > 0))
            throw new FormatException("the PSBT's unsigned transaction has a non-empty scriptSig or witness");
    }

    private static PsbtMap ReadMap(ref ByteReader reader)
    {
        var entries = new List<PsbtEntry>();
        while (true)
        {
            var keyLength = reader.ReadLength();
            if (keyLength == 0) return new PsbtMap(entries);
            var key = reader.ReadBytes(keyLength);
            entries.Add(new PsbtEntry(key, reader.ReadVarBytes()));
        }
    }

    private static void WriteMap(ByteWriter writer, PsbtMap map)
    {
        foreach (var entry in map.Entries)
        {
            writer.WriteVarBytes(entry.Key);
            writer.WriteVarBytes(entry.Value);
        }
        writer.WriteByte(0x00);
    }
}

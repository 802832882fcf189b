namespace Payouts.Rails.Bitcoin;

/// <summary>
/// One key-value pair of a PSBT map as it was on the wire. The key is kept whole (its compact-size type followed by
/// the key data) so that an unknown key round-trips byte for byte, as BIP174 requires of every role.
/// </summary>
public sealed record PsbtEntry
{
    public PsbtEntry(byte[] Key, byte[] Value)
    {
        ArgumentNullException.ThrowIfNull(Key);
        ArgumentNullException.ThrowIfNull(Value);
        if (Key.Length == 0) throw new FormatException("a PSBT key cannot be empty (an empty key ends a map)");
        var reader = new ByteReader(Key);
        KeyType = reader.ReadCompactSize();
        KeyDataOffset = reader.Position;
        this.Key = Key;
        this.Value = Value;
    }

    /// <summary>An entry whose key is just a type with no key data, as most typed fields are.</summary>
    public static PsbtEntry Typed(ulong keyType, byte[] value, ReadOnlySpan<byte> keyData = default)
    {
        var writer = new ByteWriter();
        writer.WriteCompactSize(keyType);
        writer.WriteBytes(keyData);
        return new PsbtEntry(writer.ToArray(), value);
    }

    public byte[] Key { get; }
    public byte[] Value { get; }
    public ulong KeyType { get; }
    private int KeyDataOffset { get; }
    public ReadOnlySpan<byte> KeyData => Key.AsSpan(KeyDataOffset);
}

using System.Buffers.Binary;

namespace Payouts.Rails.Bitcoin;

/// <summary>
/// Reads Bitcoin's little-endian wire format. Every read checks the remaining length and throws
/// <see cref="FormatException"/>, so a truncated or hostile input can never read past its end or allocate more than
/// it holds.
/// </summary>
internal ref struct ByteReader(ReadOnlySpan<byte> bytes)
{
    /// <summary>Bitcoin Core's MAX_SIZE: larger compact sizes are refused before anything is allocated.</summary>
    public const ulong CompactSizeMax = 0x02000000;

    private readonly ReadOnlySpan<byte> _bytes = bytes;
    private int _position;

    public readonly int Position => _position;
    public readonly int Remaining => _bytes.Length - _position;
    public readonly bool AtEnd => _position == _bytes.Length;
    public readonly byte PeekByte(int offset = 0) =>
        _position + offset < _bytes.Length ? _bytes[_position + offset] : throw Truncated();

    public ReadOnlySpan<byte> ReadSpan(int count)
    {
        if (count < 0 || count > Remaining) throw Truncated();
        var span = _bytes.Slice(_position, count);
        _position += count;
        return span;
    }

    public byte[] ReadBytes(int count) => ReadSpan(count).ToArray();
    public byte ReadByte() => ReadSpan(1)[0];
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4));
    public int ReadInt32() => unchecked((int)ReadUInt32());
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(ReadSpan(8));

    /// <summary>Bitcoin's CompactSize; non-canonical encodings are refused as Bitcoin Core refuses them.</summary>
    public ulong ReadCompactSize()
    {
        var first = ReadByte();
        ulong value;
        ulong min;
        switch (first)
        {
            case < 0xfd: return first;
            case 0xfd: value = BinaryPrimitives.ReadUInt16LittleEndian(ReadSpan(2)); min = 0xfd; break;
            case 0xfe: value = ReadUInt32(); min = 0x10000; break;
            default: value = BinaryPrimitives.ReadUInt64LittleEndian(ReadSpan(8)); min = 0x100000000; break;
        }
        if (value < min) throw new FormatException("non-canonical compact size");
        return value;
    }

    /// <summary>A count or length: a compact size no larger than <see cref="CompactSizeMax"/> nor the bytes left.</summary>
    public int ReadLength()
    {
        var value = ReadCompactSize();
        if (value > CompactSizeMax) throw new FormatException("compact size too large");
        return (int)value;
    }

    public byte[] ReadVarBytes()
    {
        var length = ReadLength();
        if (length > Remaining) throw Truncated();
        return ReadBytes(length);
    }

    private static FormatException Truncated() => new("unexpected end of data");
}

using System.Buffers;
using System.Buffers.Binary;

namespace Payouts.Rails.Bitcoin;

/// <summary>Writes Bitcoin's little-endian wire format; the counterpart of <see cref="ByteReader"/>.</summary>
internal sealed class ByteWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public int Length => _buffer.WrittenCount;

    public void WriteByte(byte value) => WriteBytes([value]);

    public void WriteBytes(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public void WriteUInt32(uint value)
    {
        Span<byte> span = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(span, value);
        WriteBytes(span);
    }

    public void WriteInt32(int value) => WriteUInt32(unchecked((uint)value));

    public void WriteInt64(long value)
    {
        Span<byte> span = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(span, value);
        WriteBytes(span);
    }

    public void WriteCompactSize(ulong value)
    {
        Span<byte> span = stackalloc byte[9];
        int length;
        switch (value)
        {
            case < 0xfd: span[0] = (byte)value; length = 1; break;
            case <= 0xffff: span[0] = 0xfd; BinaryPrimitives.WriteUInt16LittleEndian(span[1..], (ushort)value); length = 3; break;
            case <= 0xffffffff: span[0] = 0xfe; BinaryPrimitives.WriteUInt32LittleEndian(span[1..], (uint)value); length = 5; break;
            default: span[0] = 0xff; BinaryPrimitives.WriteUInt64LittleEndian(span[1..], value); length = 9; break;
        }
        WriteBytes(span[..length]);
    }

    public void WriteVarBytes(ReadOnlySpan<byte> bytes)
    {
        WriteCompactSize((ulong)bytes.Length);
        WriteBytes(bytes);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}

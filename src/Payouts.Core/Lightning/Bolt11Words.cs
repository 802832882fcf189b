namespace Payouts.Core.Lightning;

/// <summary>BOLT11's data part is 5-bit words; these regroup them as bytes and big-endian integers and back.</summary>
internal static class Bolt11Words
{
    /// <summary>Bytes from words, the last partial byte padded with zero bits (the signed message) or dropped (field
    /// data: a 52-word hash is 260 bits, of which the last 4 are padding).</summary>
    public static byte[] ToBytes(ReadOnlySpan<byte> words, bool padLastByte)
    {
        var bits = words.Length * 5;
        var bytes = new byte[padLastByte ? (bits + 7) / 8 : bits / 8];
        var acc = 0;
        var accBits = 0;
        var at = 0;
        foreach (var word in words)
        {
            acc = (acc << 5) | word;
            accBits += 5;
            if (accBits >= 8)
            {
                accBits -= 8;
                bytes[at++] = (byte)(acc >> accBits);
                acc &= (1 << accBits) - 1;
            }
        }
        if (padLastByte && accBits > 0) bytes[at] = (byte)(acc << (8 - accBits));
        return bytes;
    }

    /// <summary>Words from bytes, the last word padded with zero bits.</summary>
    public static byte[] FromBytes(ReadOnlySpan<byte> bytes)
    {
        var words = new byte[(bytes.Length * 8 + 4) / 5];
        var acc = 0;
        var accBits = 0;
        var at = 0;
        foreach (var b in bytes)
        {
            acc = (acc << 8) | b;
            accBits += 8;
            while (accBits >= 5)
            {
                accBits -= 5;
                words[at++] = (byte)((acc >> accBits) & 31);
            }
            acc &= (1 << accBits) - 1;
        }
        if (accBits > 0) words[at] = (byte)((acc << (5 - accBits)) & 31);
        return words;
    }

    /// <summary>A big-endian unsigned integer; null when it does not fit in 63 bits.</summary>
    public static long? ToInteger(ReadOnlySpan<byte> words)
    {
        long value = 0;
        foreach (var word in words)
        {
            if (value > long.MaxValue >> 5) return null;
            value = (value << 5) | word;
        }
        return value;
    }

    /// <summary>The fewest words that hold the value (one word for zero), big-endian.</summary>
    public static byte[] FromInteger(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        var count = 1;
        while (count < 13 && value >> (5 * count) != 0) count++;
        return FromInteger(value, count);
    }

    /// <summary>Exactly <paramref name="count"/> words, big-endian (the timestamp is always 7).</summary>
    public static byte[] FromInteger(long value, int count)
    {
        var words = new byte[count];
        for (var i = count - 1; i >= 0; i--)
        {
            words[i] = (byte)(value & 31);
            value >>= 5;
        }
        return words;
    }
}

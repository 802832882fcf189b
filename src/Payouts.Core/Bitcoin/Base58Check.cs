using System.Security.Cryptography;

namespace Payouts.Core.Bitcoin;

/// <summary>Base58 with a 4-byte double-SHA-256 checksum, as legacy (P2PKH, P2SH) addresses use it.</summary>
public static class Base58Check
{
    /// <summary>Decoding is quadratic in the length; no address comes near this, so longer text is refused unread.</summary>
    public const int TextLengthMax = 128;

    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private const int ChecksumLength = 4;

    public static string Encode(ReadOnlySpan<byte> payload)
    {
        var data = new byte[payload.Length + ChecksumLength];
        payload.CopyTo(data);
        Checksum(payload).CopyTo(data.AsSpan(payload.Length));
        return EncodeBase58(data);
    }

    /// <summary>False for text outside the alphabet, too long, or with a checksum that does not match.</summary>
    public static bool TryDecode(string text, out byte[] payload)
    {
        payload = [];
        if (!TryDecodeBase58(text, out var data) || data.Length < ChecksumLength) return false;
        var body = data.AsSpan(0, data.Length - ChecksumLength);
        if (!Checksum(body).SequenceEqual(data.AsSpan(body.Length))) return false;
        payload = body.ToArray();
        return true;
    }

    /// <summary>Whether the text is base58 at all, so a caller can tell a typo in the checksum from something else.</summary>
    public static bool IsBase58(string text) => TryDecodeBase58(text, out var data) && data.Length >= ChecksumLength;

    private static byte[] Checksum(ReadOnlySpan<byte> payload) => SHA256.HashData(SHA256.HashData(payload))[..ChecksumLength];

    private static string EncodeBase58(ReadOnlySpan<byte> data)
    {
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == 0) zeros++;
        // Base 256 to base 58, digits least significant first; log(256)/log(58) < 1.37 bounds their count.
        var digits = new byte[(data.Length - zeros) * 137 / 100 + 1];
        var count = 0;
        foreach (var b in data[zeros..])
        {
            var carry = (int)b;
            for (var i = 0; i < count; i++)
            {
                carry += digits[i] << 8;
                digits[i] = (byte)(carry % 58);
                carry /= 58;
            }
            for (; carry > 0; carry /= 58) digits[count++] = (byte)(carry % 58);
        }
        var text = new char[zeros + count];
        text.AsSpan(0, zeros).Fill('1');
        for (var i = 0; i < count; i++) text[zeros + i] = Alphabet[digits[count - 1 - i]];
        return new string(text);
    }

    private static bool TryDecodeBase58(string text, out byte[] data)
    {
        data = [];
        if (text.Length is 0 or > TextLengthMax) return false;
        var zeros = 0;
        while (zeros < text.Length && text[zeros] == '1') zeros++;
        // Base 58 to base 256, bytes least significant first; log(58)/log(256) < 0.74 bounds their count.
        var bytes = new byte[(text.Length - zeros) * 74 / 100 + 1];
        var count = 0;
        foreach (var c in text.AsSpan(zeros))
        {
            var carry = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (carry < 0) return false;
            for (var i = 0; i < count; i++)
            {
                carry += bytes[i] * 58;
                bytes[i] = (byte)carry;
                carry >>= 8;
            }
            for (; carry > 0; carry >>= 8) bytes[count++] = (byte)carry;
        }
        data = new byte[zeros + count];
        for (var i = 0; i < count; i++) data[zeros + i] = bytes[count - 1 - i];
        return true;
    }
}

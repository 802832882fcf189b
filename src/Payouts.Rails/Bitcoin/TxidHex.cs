using System.Security.Cryptography;

namespace Payouts.Rails.Bitcoin;

/// <summary>
/// Bitcoin shows hashes byte-reversed: the txid on the wire is the double SHA-256 as computed, the txid people and RPC
/// use is that reversed. Everything outside the byte codec speaks the displayed form.
/// </summary>
internal static class TxidHex
{
    public const int HashBytes = 32;

    public static string Normalize(string txid)
    {
        ArgumentNullException.ThrowIfNull(txid);
        if (txid.Length != HashBytes * 2 || !txid.All(Uri.IsHexDigit))
            throw new FormatException($"a txid is {HashBytes * 2} hex characters: '{Truncate(txid)}'");
        return txid.ToLowerInvariant();
    }

    /// <summary>The displayed txid of the bytes whose hash is <paramref name="internalOrder"/>.</summary>
    public static string FromInternal(ReadOnlySpan<byte> internalOrder)
    {
        Span<byte> reversed = stackalloc byte[HashBytes];
        internalOrder.CopyTo(reversed);
        reversed.Reverse();
        return Convert.ToHexStringLower(reversed);
    }

    public static void WriteInternal(string displayed, Span<byte> destination)
    {
        Convert.FromHexString(displayed, destination, out _, out _);
        destination[..HashBytes].Reverse();
    }

    public static string DoubleSha256Displayed(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[HashBytes];
        SHA256.HashData(bytes, hash);
        SHA256.HashData(hash, hash);
        return FromInternal(hash);
    }

    private static string Truncate(string s) => s.Length <= 80 ? s : s[..80] + "…";
}

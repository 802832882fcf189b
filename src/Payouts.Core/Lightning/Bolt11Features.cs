namespace Payouts.Core.Lightning;

/// <summary>The '9' field: a big-endian bit field whose least significant bit is feature 0. Even bits are required
/// ("it's OK to be odd"), so an invoice that requires a feature this reader does not know must be refused.</summary>
internal static class Bolt11Features
{
    /// <summary>BOLT 9 features that may appear in invoices, both bits of each pair: var_onion_optin (8),
    /// payment_secret (14), basic_mpp (16), option_route_blinding (24), option_payment_metadata (48). A node paying
    /// the invoice handles them; the payout service only carries the invoice to it.</summary>
    private static readonly HashSet<int> Known = [8, 9, 14, 15, 16, 17, 24, 25, 48, 49];

    public static int[] Read(ReadOnlySpan<byte> words)
    {
        var bits = new List<int>();
        for (var i = words.Length - 1; i >= 0; i--)
            for (var b = 0; b < 5; b++)
                if ((words[i] >> b & 1) != 0) bits.Add((words.Length - 1 - i) * 5 + b);
        return [.. bits];
    }

    public static int? FirstUnknownRequired(IEnumerable<int> bits) => bits.Where(b => b % 2 == 0 && !Known.Contains(b)).Cast<int?>().FirstOrDefault();

    /// <summary>The fewest words that hold the highest bit.</summary>
    public static byte[] Write(IReadOnlyCollection<int> bits)
    {
        if (bits.Count == 0) return [];
        var words = new byte[bits.Max() / 5 + 1];
        foreach (var bit in bits)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(bit);
            words[words.Length - 1 - bit / 5] |= (byte)(1 << (bit % 5));
        }
        return words;
    }
}

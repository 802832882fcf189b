namespace Payouts.Core.Lightning;

/// <summary>The amount in a BOLT11 human-readable part: decimal bitcoin digits and an optional multiplier letter
/// (m, u, n, p). Millisatoshis are the unit everything else uses.</summary>
internal static class Bolt11Amount
{
    public const long MsatPerBtc = 100_000_000_000;

    /// <summary>Bitcoin's supply cap; an invoice for more cannot be paid and may be an overflow attempt.</summary>
    public const long MsatMax = 21_000_000 * MsatPerBtc;

    // Tenths of a millisatoshi per unit, so that 'p' (0.1 msat) is a whole number too.
    private static readonly (char Letter, long Tenths)[] Multipliers =
        [('m', 1_000_000_000), ('u', 1_000_000), ('n', 1_000), ('p', 1)];
    private const long TenthsPerBtc = MsatPerBtc * 10;

    /// <summary>Null msat with no error: no amount. Errors read after "The destination ".</summary>
    public static bool TryParse(string text, out long? msat, out string? error)
    {
        msat = null;
        error = null;
        if (text.Length == 0) return true;
        var tenthsPerUnit = TenthsPerBtc;
        var digits = text;
        if (!char.IsAsciiDigit(text[^1]))
        {
            var multiplier = Array.FindIndex(Multipliers, m => m.Letter == text[^1]);
            if (multiplier < 0) { error = $"has an invalid amount multiplier '{text[^1]}'"; return false; }
            tenthsPerUnit = Multipliers[multiplier].Tenths;
            digits = text[..^1];
        }
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)) { error = "has an invalid amount"; return false; }
        // BOLT11 writers MUST write a positive amount without leading zeros; a reader could tolerate them, but a payout
        // should not guess at a malformed amount.
        if (digits[0] == '0') { error = "has an amount that is zero or starts with a zero"; return false; }
        if (digits.Length > 25) { error = "asks for more than 21 million bitcoin"; return false; }
        var tenths = UInt128.Parse(digits, System.Globalization.CultureInfo.InvariantCulture) * (UInt128)tenthsPerUnit;
        if (tenths % 10 != 0) { error = "has an amount with sub-millisatoshi precision"; return false; }
        if (tenths / 10 > MsatMax) { error = "asks for more than 21 million bitcoin"; return false; }
        msat = (long)(tenths / 10);
        return true;
    }

    /// <summary>The shortest form: the largest multiplier that keeps the number whole, as BOLT11 recommends.</summary>
    public static string Format(long msat)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(msat);
        var tenths = (UInt128)msat * 10;
        if (tenths % TenthsPerBtc == 0) return (tenths / TenthsPerBtc).ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (letter, perUnit) in Multipliers)
            if (tenths % (UInt128)perUnit == 0)
                return (tenths / (UInt128)perUnit).ToString(System.Globalization.CultureInfo.InvariantCulture) + letter;
        throw new InvalidOperationException("Unreachable: 'p' divides every whole number of tenths.");
    }
}

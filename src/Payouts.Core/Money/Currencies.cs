namespace Payouts.Core.Money;

/// <summary>Currency codes and the conversions we can do without a rate provider.</summary>
public static class Currencies
{
    public const int CodeLengthMin = 3;
    public const int CodeLengthMax = 10;

    public static bool IsValidCode(string? code) =>
        code is not null && code.Length is >= CodeLengthMin and <= CodeLengthMax && code.All(char.IsAsciiLetterOrDigit);

    public static string Normalize(string code) => code.Trim().ToUpperInvariant();

    /// <summary>
    /// The rate, as Greenfield quotes it (units of <paramref name="from"/> per one <paramref name="to"/>, like
    /// BTC_USD = 60000), when it is fixed by definition: 1 for the same currency, 100,000,000 SATS per BTC.
    /// Null when a market rate would be needed.
    /// </summary>
    public static decimal? FixedRate(string from, string to)
    {
        if (string.Equals(from, to, StringComparison.OrdinalIgnoreCase)) return 1m;
        if (string.Equals(from, "SATS", StringComparison.OrdinalIgnoreCase) && string.Equals(to, "BTC", StringComparison.OrdinalIgnoreCase))
            return 100_000_000m;
        return null;
    }
}

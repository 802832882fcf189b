namespace Payouts.Core.Money;

/// <summary>Rules every amount entering the system obeys, whatever the currency.</summary>
public static class Amounts
{
    /// <summary>Most decimal places accepted on input. Lightning needs 11 (millisatoshi); one more
    /// leaves room for rounding up at approval, the Greenfield behaviour, while refusing noise such as 30 decimals.</summary>
    public const int ScaleMax = 12;

    /// <summary>Largest amount accepted in any currency: far above any real payout, far below decimal's range,
    /// so sums of many payouts cannot overflow.</summary>
    public const decimal ValueMax = 1_000_000_000_000m;

    public static int Scale(decimal value) => (decimal.GetBits(value)[3] >> 16) & 0xFF;

    /// <summary>Significant decimal places (trailing zeros of "1.500" do not count).</summary>
    public static int SignificantScale(decimal value) => Scale(value / 1.000000000000000000000000000000000m);

    /// <summary>Null when valid; otherwise why not.</summary>
    public static string? Validate(decimal value)
    {
        if (value <= 0) return "must be greater than zero";
        if (value > ValueMax) return $"must be at most {ValueMax}";
        if (SignificantScale(value) > ScaleMax) return $"must have at most {ScaleMax} decimal places";
        return null;
    }

    /// <summary>Rounds up (toward +∞) to <paramref name="divisibility"/> places: a payout never pays less than owed.</summary>
    public static decimal RoundUp(decimal value, int divisibility) =>
        decimal.Round(value, divisibility, MidpointRounding.ToPositiveInfinity);
}

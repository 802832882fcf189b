namespace Payouts.Core.Processors;

/// <summary>The most a Lightning payment may pay in routing fees, from the processor's <c>maxFeePercent</c> and <c>maxFee</c>.</summary>
public static class LightningFees
{
    /// <summary>With neither setting: 1 % of the amount, LND's and CLN's own order of magnitude for a default.</summary>
    public const decimal PercentDefault = 1m;

    /// <returns>The lower of the two limits that are set, in whole millisatoshis (rounded down: never above a limit).</returns>
    public static long LimitMsat(ProcessorPolicy policy, long amountMsat)
    {
        var percent = policy.LightningFeePercentMax ?? (policy.LightningFeeMax is null ? PercentDefault : (decimal?)null);
        var limit = long.MaxValue;
        if (percent is { } p) limit = (long)Math.Floor(amountMsat * p / 100m);
        if (policy.LightningFeeMax is { } max) limit = Math.Min(limit, (long)Math.Floor(max * 100_000_000_000m));
        return limit;
    }
}

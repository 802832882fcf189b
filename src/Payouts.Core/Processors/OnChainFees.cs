namespace Payouts.Core.Processors;

/// <summary>The on-chain fee strategy (DESIGN §5): the node's estimate for the target, clamped, with a fallback and a cap.</summary>
public static class OnChainFees
{
    /// <summary>Bitcoin Core's default minimum relay fee.</summary>
    public const decimal RelayMinSatPerVbyte = 1m;
    /// <summary>Bitcoin Core's own -fallbackfee default (0.0002 BTC/kvB).</summary>
    public const decimal FallbackDefaultSatPerVbyte = 20m;
    /// <summary>Bitcoin Core's own -maxtxfee default.</summary>
    public const decimal BatchFeeMaxDefault = 0.1m;

    public static decimal Fallback(ProcessorPolicy p) => p.FeeRateSatPerVbyteFallback ?? FallbackDefaultSatPerVbyte;

    public static decimal BatchFeeCap(ProcessorPolicy p) => p.BatchFeeMax ?? BatchFeeMaxDefault;

    /// <summary>The rate to pay: the estimate (or the fallback without one), clamped to the policy, in sat/vB to 3 decimals.</summary>
    public static decimal Rate(ProcessorPolicy p, decimal? estimateSatPerVbyte)
    {
        var rate = estimateSatPerVbyte ?? Fallback(p);
        rate = Math.Max(rate, p.FeeRateSatPerVbyteMin ?? RelayMinSatPerVbyte);
        if (p.FeeRateSatPerVbyteMax is { } max) rate = Math.Min(rate, max);
        return Math.Round(Math.Max(rate, RelayMinSatPerVbyte), 3, MidpointRounding.AwayFromZero);
    }

    /// <summary>
    /// The rate of a fee bump: at least the current estimate and 25% above the stuck rate (BIP125 needs strictly more),
    /// clamped to the policy's maximum. Null when the maximum leaves no room to bump.
    /// </summary>
    public static decimal? BumpRate(ProcessorPolicy p, decimal previousRate, decimal? estimateSatPerVbyte)
    {
        var rate = Math.Max(Rate(p, estimateSatPerVbyte), Math.Max(previousRate * 1.25m, previousRate + RelayMinSatPerVbyte));
        if (p.FeeRateSatPerVbyteMax is { } max) rate = Math.Min(rate, max);
        rate = Math.Round(rate, 3, MidpointRounding.AwayFromZero);
        return rate >= previousRate + RelayMinSatPerVbyte ? rate : null;
    }
}

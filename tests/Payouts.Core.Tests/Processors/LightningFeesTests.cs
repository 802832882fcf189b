using Payouts.Core.Processors;

namespace Payouts.Core.Tests.Processors;

public sealed class LightningFeesTests
{
    [Theory]
    // Neither set: 1 % of the amount.
    [InlineData(null, null, 1_000_000, 10_000)]
    // Percent only, rounded down so the cap is never exceeded.
    [InlineData("0.5", null, 1_000_001, 5_000)]
    // Absolute only (BTC): 10 sat = 10,000 msat, whatever the amount.
    [InlineData(null, "0.0000001", 1_000_000_000, 10_000)]
    // Both: the lower wins, either way round.
    [InlineData("2", "0.0000001", 100_000, 2_000)]
    [InlineData("2", "0.0000001", 100_000_000, 10_000)]
    // Zero means no fee at all: only direct or free routes.
    [InlineData("0", null, 1_000_000, 0)]
    [InlineData(null, "0", 1_000_000, 0)]
    public void LimitIsTheLowerOfTheLimitsThatAreSet(string? percent, string? max, long amountMsat, long expected)
    {
        var policy = new ProcessorPolicy
        {
            LightningFeePercentMax = percent is null ? null : decimal.Parse(percent, System.Globalization.CultureInfo.InvariantCulture),
            LightningFeeMax = max is null ? null : decimal.Parse(max, System.Globalization.CultureInfo.InvariantCulture),
        };

        Assert.Equal(expected, LightningFees.LimitMsat(policy, amountMsat));
    }
}

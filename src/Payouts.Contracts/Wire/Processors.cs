using System.Text.Json.Serialization;

namespace Payouts.Contracts.Wire;

/// <summary>Greenfield <c>PayoutProcessorData</c>.</summary>
public sealed record PayoutProcessorData(string Name, string FriendlyName, IReadOnlyList<string> PayoutMethods);

/// <summary>Limits and destination rules every processor takes (beyond Greenfield; all optional).</summary>
public abstract class ProcessorPolicyRequest
{
    public decimal? PayoutAmountMin { get; set; }
    public decimal? PayoutAmountMax { get; set; }
    public int? BatchSizeMax { get; set; }
    public decimal? DailyAmountMax { get; set; }
    public List<string>? DeniedDestinations { get; set; }
    public List<string>? AllowedAddressTypes { get; set; }
}

/// <summary>Greenfield <c>UpdateOnChainAutomatedTransferSettings</c>.</summary>
public sealed class UpdateOnChainProcessorRequest : ProcessorPolicyRequest
{
    public int? FeeTargetBlock { get; set; }
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public double? IntervalSeconds { get; set; }
    public decimal? Threshold { get; set; }
    public bool? ProcessNewPayoutsInstantly { get; set; }
    public decimal? FeeRateSatPerVbyteMin { get; set; }
    public decimal? FeeRateSatPerVbyteMax { get; set; }
    public decimal? FeeRateSatPerVbyteFallback { get; set; }
    public decimal? BatchFeeMax { get; set; }
}

/// <summary>Greenfield <c>UpdateLightningAutomatedTransferSettings</c>.</summary>
public sealed class UpdateLightningProcessorRequest : ProcessorPolicyRequest
{
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public double? IntervalSeconds { get; set; }
    public int? CancelPayoutAfterFailures { get; set; }
    public bool? ProcessNewPayoutsInstantly { get; set; }
    public decimal? MaxFeePercent { get; set; }
    public decimal? MaxFee { get; set; }
}

/// <summary>The policy part of a processor's settings in responses (beyond Greenfield).</summary>
public sealed record ProcessorPolicyData(
    decimal? PayoutAmountMin, decimal? PayoutAmountMax, int BatchSizeMax, decimal? DailyAmountMax,
    IReadOnlyList<string> DeniedDestinations, IReadOnlyList<string> AllowedAddressTypes);

/// <summary>Greenfield <c>OnChainAutomatedTransferSettings</c>.</summary>
public sealed record OnChainProcessorData(string PayoutMethodId, int FeeTargetBlock, int IntervalSeconds, decimal Threshold, bool ProcessNewPayoutsInstantly,
    decimal? FeeRateSatPerVbyteMin, decimal? FeeRateSatPerVbyteMax, decimal FeeRateSatPerVbyteFallback, decimal BatchFeeMax,
    ProcessorPolicyData Policy);

/// <summary>Greenfield <c>LightningAutomatedTransferSettings</c>.</summary>
public sealed record LightningProcessorData(string PayoutMethodId, int IntervalSeconds, int? CancelPayoutAfterFailures, bool ProcessNewPayoutsInstantly,
    decimal? MaxFeePercent, decimal? MaxFee, ProcessorPolicyData Policy);

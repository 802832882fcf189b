using System.Text.Json.Serialization;

namespace Payouts.Contracts.Wire;

/// <summary>Greenfield <c>PayoutProcessorData</c>.</summary>
public sealed record PayoutProcessorData(string Name, string FriendlyName, IReadOnlyList<string> PayoutMethods);

/// <summary>Greenfield <c>UpdateOnChainAutomatedTransferSettings</c>.</summary>
public sealed class UpdateOnChainProcessorRequest
{
    public int? FeeTargetBlock { get; set; }
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public double? IntervalSeconds { get; set; }
    public decimal? Threshold { get; set; }
    public bool? ProcessNewPayoutsInstantly { get; set; }
}

/// <summary>Greenfield <c>UpdateLightningAutomatedTransferSettings</c>.</summary>
public sealed class UpdateLightningProcessorRequest
{
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public double? IntervalSeconds { get; set; }
    public int? CancelPayoutAfterFailures { get; set; }
    public bool? ProcessNewPayoutsInstantly { get; set; }
}

/// <summary>Greenfield <c>OnChainAutomatedTransferSettings</c>.</summary>
public sealed record OnChainProcessorData(string PayoutMethodId, int FeeTargetBlock, int IntervalSeconds, decimal Threshold, bool ProcessNewPayoutsInstantly);

/// <summary>Greenfield <c>LightningAutomatedTransferSettings</c>.</summary>
public sealed record LightningProcessorData(string PayoutMethodId, int IntervalSeconds, int? CancelPayoutAfterFailures, bool ProcessNewPayoutsInstantly);

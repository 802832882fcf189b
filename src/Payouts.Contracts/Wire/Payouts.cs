using System.Text.Json;
using System.Text.Json.Serialization;
using Payouts.Contracts.Json;

namespace Payouts.Contracts.Wire;

/// <summary>Greenfield <c>CreatePayoutRequest</c>: a claim against a pull payment.</summary>
public class CreatePayoutRequest
{
    public string? Destination { get; set; }
    public decimal? Amount { get; set; }
    public string? PayoutMethodId { get; set; }
}

/// <summary>Greenfield <c>CreatePayoutThroughStoreRequest</c>.</summary>
public sealed class CreatePayoutThroughStoreRequest : CreatePayoutRequest
{
    public string? PullPaymentId { get; set; }
    public bool? Approved { get; set; }
    public JsonElement? Metadata { get; set; }
}

public sealed class ApprovePayoutRequest
{
    public int? Revision { get; set; }
    public string? RateRule { get; set; }
}

public sealed class MarkPayoutRequest
{
    public PayoutState? State { get; set; }
    public JsonElement? PaymentProof { get; set; }
}

/// <summary>Greenfield <c>PayoutData</c>.</summary>
public sealed record PayoutData
{
    public required string Id { get; init; }
    public required int Revision { get; init; }
    public string? PullPaymentId { get; init; }
    [JsonConverter(typeof(UnixSecondsJsonConverter))]
    public required DateTimeOffset Date { get; init; }
    public required string Destination { get; init; }
    public required string OriginalCurrency { get; init; }
    public required decimal OriginalAmount { get; init; }
    public required string PayoutCurrency { get; init; }
    public decimal? PayoutAmount { get; init; }
    public required PayoutMethodId PayoutMethodId { get; init; }
    public required PayoutState State { get; init; }
    public JsonElement? PaymentProof { get; init; }
    public JsonElement? Metadata { get; init; }

    /// <summary>Failed automated send attempts this payout caused; at 10 processors stop sending it (beyond Greenfield).</summary>
    public int ErrorCount { get; init; }
}

/// <summary>One row of a payout's audit log (beyond Greenfield).</summary>
public sealed record PayoutEventData
{
    public required int Revision { get; init; }
    public PayoutState? From { get; init; }
    public required PayoutState To { get; init; }
    public required string Actor { get; init; }
    public required bool ProcessorAuto { get; init; }
    [JsonConverter(typeof(UnixSecondsJsonConverter))]
    public required DateTimeOffset At { get; init; }
    public string? Detail { get; init; }
}

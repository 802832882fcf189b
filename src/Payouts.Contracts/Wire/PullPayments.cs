using System.Text.Json.Serialization;
using Payouts.Contracts.Json;

namespace Payouts.Contracts.Wire;

public sealed class CreatePullPaymentRequest
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public decimal? Amount { get; set; }
    public string? Currency { get; set; }

    /// <summary>Days; Greenfield sends a number or a numeric string.</summary>
    [JsonPropertyName("BOLT11Expiration")]
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public int? Bolt11ExpirationDays { get; set; }

    public bool? AutoApproveClaims { get; set; }
    public DateTimeOffset? StartsAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public List<string>? PayoutMethods { get; set; }

    /// <summary>Smallest claim accepted, in <see cref="Currency"/> (beyond Greenfield).</summary>
    public decimal? MinimumClaim { get; set; }
}

public sealed record PullPaymentData
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required string Currency { get; init; }
    public required decimal Amount { get; init; }
    [JsonPropertyName("BOLT11Expiration")]
    public required int Bolt11ExpirationDays { get; init; }
    public required bool AutoApproveClaims { get; init; }
    public required bool Archived { get; init; }
    public DateTimeOffset? StartsAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public required IReadOnlyList<string> PayoutMethods { get; init; }
    public required decimal MinimumClaim { get; init; }
    public string? ViewLink { get; init; }
}

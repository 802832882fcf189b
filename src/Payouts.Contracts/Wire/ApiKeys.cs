using System.Text.Json.Serialization;
using Payouts.Contracts.Json;

namespace Payouts.Contracts.Wire;

public sealed class CreateApiKeyRequest
{
    public string? Label { get; set; }
    public List<string>? Permissions { get; set; }
}

/// <summary>Greenfield <c>ApiKeyData</c>; <see cref="ApiKey"/> (the secret) is present only in the create response.</summary>
public sealed record ApiKeyData
{
    public string? ApiKey { get; init; }
    public required string Id { get; init; }
    public required string Label { get; init; }
    public required IReadOnlyList<string> Permissions { get; init; }
    [JsonConverter(typeof(UnixSecondsJsonConverter))]
    public required DateTimeOffset Created { get; init; }
    [JsonConverter(typeof(NullableUnixSecondsJsonConverter))]
    public DateTimeOffset? Revoked { get; init; }
}

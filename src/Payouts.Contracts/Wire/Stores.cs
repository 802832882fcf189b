using System.Text.Json.Serialization;
using Payouts.Contracts.Json;

namespace Payouts.Contracts.Wire;

public sealed class CreateStoreRequest
{
    public string? Name { get; set; }
}

public sealed record StoreData(
    string Id,
    string Name,
    [property: JsonConverter(typeof(UnixSecondsJsonConverter))] DateTimeOffset Created);

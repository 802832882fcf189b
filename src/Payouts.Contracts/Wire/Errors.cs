using System.Text.Json.Serialization;

namespace Payouts.Contracts.Wire;

/// <summary>Greenfield's error body for a well-known code (400, 401, 403, 404, 409, 413, …).</summary>
public sealed record GreenfieldError(string Code, string Message);

/// <summary>One entry of Greenfield's 422 body: an array of these.</summary>
/// <param name="Code">A wire code from <see cref="ErrorCodes"/> for entries a client may act on (beyond Greenfield).
/// Left out of the JSON when null, so every other entry keeps Greenfield's exact two-member shape.</param>
public sealed record GreenfieldValidationError(
    string Path,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code = null);

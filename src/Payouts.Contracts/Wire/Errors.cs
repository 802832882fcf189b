namespace Payouts.Contracts.Wire;

/// <summary>Greenfield's error body for a well-known code (400, 401, 403, 404, 409, 413, …).</summary>
public sealed record GreenfieldError(string Code, string Message);

/// <summary>One entry of Greenfield's 422 body: an array of these.</summary>
public sealed record GreenfieldValidationError(string Path, string Message);

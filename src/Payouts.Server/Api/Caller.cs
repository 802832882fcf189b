using Payouts.Contracts;
using Payouts.Core.Auth;
using Payouts.Core.Payouts;
using Payouts.Core.Ports;

namespace Payouts.Server.Api;

/// <summary>Who is calling: resolved once per request from <c>Authorization: token &lt;key&gt;</c>.</summary>
public sealed record Caller(ApiKey Key)
{
    public Actor Actor => Actor.ApiKey(Key.Id);

    public bool Can(string permission, string? storeId) => Permissions.Allows(Key.Permissions, permission, storeId);

    public bool IsAdmin => Can(Permissions.ServerAdmin, null);
}

public static class CallerAuth
{
    private const string Scheme = "token ";
    private const string ItemKey = "payouts.caller";

    /// <summary>The caller, or the 401 to answer. Looked up once per request (the idempotency layer may already have).</summary>
    public static async Task<(Caller? Caller, IResult? Error)> Authenticate(HttpContext http, CancellationToken ct)
    {
        if (http.Items.TryGetValue(ItemKey, out var cached) && cached is Caller known)
            return (known, null);
        var header = http.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
            return (null, ApiResults.Error(ErrorCode.Unauthenticated));
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return (null, ApiResults.Error(ErrorCode.Unauthenticated, "Use 'Authorization: token <api key>'."));
        var secret = header[Scheme.Length..].Trim();
        if (secret.Length is < ApiKey.SecretLengthMin or > ApiKey.SecretLengthMax)
            return (null, ApiResults.Error(ErrorCode.Unauthenticated, "The API key is not valid."));

        var store = http.RequestServices.GetRequiredService<IPayoutsStore>();
        var key = await store.ApiKeyGetByHash(ApiKey.Hash(secret), ct);
        if (key is null || key.RevokedAt is not null)
            return (null, ApiResults.Error(ErrorCode.Unauthenticated, "The API key is not valid or was revoked."));
        var caller = new Caller(key);
        http.Items[ItemKey] = caller;
        return (caller, null);
    }

    public static IResult? Authorize(Caller caller, string permission, string? storeId) =>
        caller.Can(permission, storeId)
            ? null
            : ApiResults.Error(ErrorCode.MissingPermission,
                $"The API key lacks the permission \"{permission}\"{(storeId is null ? "" : $" for store {storeId}")}.");

    /// <summary>
    /// The caller, or the 401/403 to answer. <paramref name="storeId"/> is the store the request acts on
    /// (null for server-wide actions).
    /// </summary>
    public static async Task<(Caller? Caller, IResult? Error)> Require(HttpContext http, string permission, string? storeId, CancellationToken ct)
    {
        var (caller, error) = await Authenticate(http, ct);
        if (error is not null) return (null, error);
        return Authorize(caller!, permission, storeId) is { } denied ? (null, denied) : (caller, null);
    }
}

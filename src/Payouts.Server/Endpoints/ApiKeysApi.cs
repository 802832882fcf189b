using Payouts.Contracts;
using Payouts.Contracts.Wire;
using Payouts.Core;
using Payouts.Core.Auth;
using Payouts.Core.Ports;
using Payouts.Server.Api;

namespace Payouts.Server.Endpoints;

/// <summary>API keys: a key creates keys with at most its own permissions; admins list and revoke any key.</summary>
public static class ApiKeysApi
{
    public const int LabelLengthMax = 200;
    public const int PermissionsCountMax = 100;

    public static void MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/v1/api-keys").WithTags("API keys");
        keys.MapPost("/", Create).WithName("CreateApiKey").WithSummary("Create an API key with some of the caller's permissions")
            .Accepts<CreateApiKeyRequest>("application/json").Produces<ApiKeyData>().ProducesErrors();
        keys.MapGet("/", List).WithName("ListApiKeys").WithSummary("All API keys (server admin)").Produces<List<ApiKeyData>>().ProducesErrors();
        keys.MapGet("/current", Current).WithName("GetCurrentApiKey").WithSummary("The calling key").Produces<ApiKeyData>().ProducesErrors();
        keys.MapDelete("/current", RevokeCurrent).WithName("RevokeCurrentApiKey").WithSummary("Revoke the calling key").ProducesErrors();
        keys.MapDelete("/{apikey}", Revoke).WithName("RevokeApiKey")
            .WithSummary("Revoke a key, named by its id or by the key itself (server admin, or the key itself)").ProducesErrors();
    }

    public static async Task<IResult> Create(HttpContext http, IPayoutsStore store, TimeProvider time, CancellationToken ct)
    {
        var (caller, denied) = await CallerAuth.Authenticate(http, ct);
        if (denied is not null) return denied;
        var body = await JsonBody.ReadAsync<CreateApiKeyRequest>(http, ct);
        if (body.Error is not null) return body.Error;

        var r = body.Value!;
        var errors = new ValidationErrors();
        var label = r.Label?.Trim() ?? "";
        if (label.Length > LabelLengthMax || label.Any(char.IsControl))
            errors.Add("label", $"The label must be at most {LabelLengthMax} printable characters.");
        var permissions = r.Permissions ?? [];
        if (permissions.Count > PermissionsCountMax)
            errors.Add("permissions", $"At most {PermissionsCountMax} permissions.");
        for (var i = 0; i < permissions.Count && i < PermissionsCountMax; i++)
            if (permissions[i] is null || !Permissions.TryParse(permissions[i], out _, out _))
                errors.Add($"permissions[{i}]", $"Unknown permission; known: {string.Join(", ", Permissions.Known)} (optionally ':<storeId>').");
        if (errors.Any) return errors.ToResult();

        // A key may hand out only what it holds itself, scope included.
        foreach (var p in permissions)
        {
            Permissions.TryParse(p, out var name, out var scope);
            if (!caller!.Can(name, scope))
                return ApiResults.Error(ErrorCode.MissingPermission, $"The API key cannot grant \"{p}\": it does not hold it.");
        }

        var secret = ApiKey.NewSecret();
        var key = new ApiKey(Ids.New(), ApiKey.Hash(secret), label, permissions.Distinct().ToList(), Bootstrap: false, time.GetUtcNow(), null);
        // The secret is shown once and never stored, not even in the Idempotency-Key record: a replay answers with
        // the key's id and permissions, without the secret (the one documented exception to byte-identical replays).
        var stored = JsonResponse.Serialize(ToWire(key));
        await store.ApiKeyCreate(key, JsonResponse.Completion(http, stored), ct);
        return JsonResponse.Created(http, JsonResponse.Serialize(ToWire(key) with { ApiKey = secret }));
    }

    public static async Task<IResult> List(HttpContext http, IPayoutsStore store, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.ServerAdmin, null, ct);
        if (denied is not null) return denied;
        var errors = new ValidationErrors();
        var (limit, after) = Pagination.Read(http.Request, errors);
        if (errors.Any) return errors.ToResult();
        var page = await store.ApiKeyList(new ListParams(after, limit), ct);
        Pagination.SetNext(http, page.Count, limit, page.Count > 0 ? Pagination.CursorOf(page[^1].CreatedAt, page[^1].Id) : null);
        return TypedResults.Ok(page.Select(ToWire).ToList());
    }

    public static async Task<IResult> Current(HttpContext http, CancellationToken ct)
    {
        var (caller, denied) = await CallerAuth.Authenticate(http, ct);
        return denied ?? TypedResults.Ok(ToWire(caller!.Key));
    }

    public static async Task<IResult> RevokeCurrent(HttpContext http, IPayoutsStore store, TimeProvider time, CancellationToken ct)
    {
        var (caller, denied) = await CallerAuth.Authenticate(http, ct);
        if (denied is not null) return denied;
        await store.ApiKeyRevoke(caller!.Key.Id, time.GetUtcNow(), ct);
        return TypedResults.Ok();
    }

    public static async Task<IResult> Revoke(HttpContext http, string apikey, IPayoutsStore store, TimeProvider time, CancellationToken ct)
    {
        var (caller, denied) = await CallerAuth.Authenticate(http, ct);
        if (denied is not null) return denied;
        // Greenfield names the key by its secret; ids are accepted too, so a key can be revoked without knowing it.
        var target = Ids.LooksValid(apikey) ? await store.ApiKeyGetById(apikey, ct) : null;
        if (target is null && apikey.Length is >= ApiKey.SecretLengthMin and <= ApiKey.SecretLengthMax)
            target = await store.ApiKeyGetByHash(ApiKey.Hash(apikey), ct);
        if (target is null || (!caller!.IsAdmin && target.Id != caller.Key.Id))
            return caller!.IsAdmin ? ApiResults.Error(ErrorCode.ApiKeyNotFound) : ApiResults.Error(ErrorCode.MissingPermission,
                "Only a server admin can revoke another API key.");
        await store.ApiKeyRevoke(target.Id, time.GetUtcNow(), ct);
        return TypedResults.Ok();
    }

    private static ApiKeyData ToWire(ApiKey k) => new()
    {
        Id = k.Id,
        Label = k.Label,
        Permissions = k.Permissions,
        Created = k.CreatedAt,
        Revoked = k.RevokedAt,
    };
}

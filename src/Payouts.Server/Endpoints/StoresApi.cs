using Payouts.Contracts;
using Payouts.Contracts.Wire;
using Payouts.Core;
using Payouts.Core.Auth;
using Payouts.Core.Ports;
using Payouts.Core.Stores;
using Payouts.Server.Api;

namespace Payouts.Server.Endpoints;

public static class StoresApi
{
    public static void MapStoresApi(this IEndpointRouteBuilder app)
    {
        var stores = app.MapGroup("/api/v1/stores").WithTags("Stores");
        stores.MapPost("/", Create).WithName("CreateStore").WithSummary("Create a store (the tenant)");
        stores.MapGet("/{storeId}", Get).WithName("GetStore").WithSummary("Get a store");
    }

    public static async Task<IResult> Create(HttpContext http, IPayoutsStore store, TimeProvider time, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.StoreModifySettings, storeId: null, ct);
        if (denied is not null) return denied;
        var body = await JsonBody.ReadAsync<CreateStoreRequest>(http, ct);
        if (body.Error is not null) return body.Error;

        var name = body.Value!.Name?.Trim();
        if (string.IsNullOrEmpty(name))
            return ApiResults.Validation("name", "The store name is required.");
        if (name.Length > Store.NameLengthMax || name.Any(char.IsControl))
            return ApiResults.Validation("name", $"The store name must be at most {Store.NameLengthMax} printable characters.");

        var created = new Store(Ids.New(), name, time.GetUtcNow());
        await store.StoreCreate(created, ct);
        return TypedResults.Ok(created.ToWire());
    }

    public static async Task<IResult> Get(HttpContext http, string storeId, IPayoutsStore store, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.StoreViewSettings, storeId, ct);
        if (denied is not null) return denied;
        var found = Ids.LooksValid(storeId) ? await store.StoreGetById(storeId, ct) : null;
        return found is null ? ApiResults.Error(ErrorCode.StoreNotFound) : TypedResults.Ok(found.ToWire());
    }

    /// <summary>The store of a store-scoped route, or the 404 to answer.</summary>
    public static async Task<IResult?> RequireStore(IPayoutsStore store, string storeId, CancellationToken ct) =>
        Ids.LooksValid(storeId) && await store.StoreGetById(storeId, ct) is not null ? null : ApiResults.Error(ErrorCode.StoreNotFound);
}

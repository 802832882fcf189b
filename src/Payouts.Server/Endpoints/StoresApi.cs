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
        stores.MapPost("/", Create).WithName("CreateStore").WithSummary("Create a store (the tenant)")
            .Accepts<CreateStoreRequest>("application/json").Produces<StoreData>().ProducesErrors();
        stores.MapGet("/", List).WithName("ListStores").WithSummary("Stores this API key can see, newest first")
            .Produces<List<StoreData>>().ProducesErrors();
        stores.MapGet("/{storeId}", Get).WithName("GetStore").WithSummary("Get a store").Produces<StoreData>().ProducesErrors();
        stores.MapDelete("/{storeId}", Delete).WithName("DeleteStore")
            .WithSummary("Delete a store (refused while it owes approved payouts)").ProducesErrors();
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
        var bytes = JsonResponse.Serialize(created.ToWire());
        await store.StoreCreate(created, JsonResponse.Completion(http, bytes), ct);
        return JsonResponse.Created(http, bytes);
    }

    public static async Task<IResult> List(HttpContext http, IPayoutsStore store, CancellationToken ct)
    {
        var (caller, denied) = await CallerAuth.Authenticate(http, ct);
        if (denied is not null) return denied;
        var errors = new ValidationErrors();
        var (limit, after) = Pagination.Read(http.Request, errors);
        if (errors.Any) return errors.ToResult();

        if (!caller!.Can(Permissions.StoreViewSettings, null))
        {
            // A store-scoped key sees the stores it is scoped to; they are few, so no paging is needed.
            var scoped = new List<Store>();
            foreach (var id in caller.Key.Permissions.Select(ScopeOf).Where(s => s is not null).Distinct())
                if (caller.Can(Permissions.StoreViewSettings, id) && await store.StoreGetById(id!, ct) is { } s)
                    scoped.Add(s);
            return TypedResults.Ok(scoped.OrderByDescending(s => s.CreatedAt).Select(s => s.ToWire()).ToList());
        }
        var page = await store.StoreList(new ListParams(after, limit), ct);
        Pagination.SetNext(http, page.Count, limit, page.Count > 0 ? Pagination.CursorOf(page[^1].CreatedAt, page[^1].Id) : null);
        return TypedResults.Ok(page.Select(s => s.ToWire()).ToList());
    }

    public static async Task<IResult> Get(HttpContext http, string storeId, IPayoutsStore store, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.StoreViewSettings, storeId, ct);
        if (denied is not null) return denied;
        var found = Ids.LooksValid(storeId) ? await store.StoreGetById(storeId, ct) : null;
        return found is null ? ApiResults.Error(ErrorCode.StoreNotFound) : TypedResults.Ok(found.ToWire());
    }

    public static async Task<IResult> Delete(HttpContext http, string storeId, IPayoutsStore store, TimeProvider time, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.StoreModifySettings, storeId, ct);
        if (denied is not null) return denied;
        if (!Ids.LooksValid(storeId)) return ApiResults.Error(ErrorCode.StoreNotFound);
        return await store.StoreDelete(storeId, time.GetUtcNow(), ct) switch
        {
            StoreDeleteResult.Deleted => TypedResults.Ok(),
            StoreDeleteResult.NotFound => ApiResults.Error(ErrorCode.StoreNotFound),
            StoreDeleteResult.MoneyPending => ApiResults.Error(ErrorCode.StoreHasPendingPayouts),
            _ => throw new InvariantViolationException("unknown store delete result"),
        };
    }

    /// <summary>The store of a store-scoped route, or the 404 to answer.</summary>
    public static async Task<IResult?> RequireStore(IPayoutsStore store, string storeId, CancellationToken ct) =>
        Ids.LooksValid(storeId) && await store.StoreGetById(storeId, ct) is not null ? null : ApiResults.Error(ErrorCode.StoreNotFound);

    private static string? ScopeOf(string permission) =>
        Permissions.TryParse(permission, out _, out var storeId) ? storeId : null;
}

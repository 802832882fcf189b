using System.Text.Json;
using Payouts.Contracts.Json;
using Payouts.Contracts.Wire;
using Payouts.Contracts;
using Payouts.Core.Auth;
using Payouts.Core.Bitcoin;
using Payouts.Core.Payouts;
using Payouts.Core.Ports;
using Payouts.Core.Sending;
using Payouts.Core;
using Payouts.Server.Api;
using Payouts.Server.Hosting;

namespace Payouts.Server.Endpoints;

/// <summary>
/// Greenfield payouts: create (one or in bulk), list, get, approve, cancel, mark-paid, mark and the event log,
/// under <c>/stores/{storeId}/payouts</c> and the flattened <c>/payouts/{payoutId}</c> routes.
/// </summary>
public static class PayoutsApi
{
    public static void MapPayoutsApi(this IEndpointRouteBuilder app)
    {
        var store = app.MapGroup("/api/v1/stores/{storeId}/payouts").WithTags("Payouts");
        store.MapPost("/", Create).WithName("CreatePayoutThroughStore").WithSummary("Create a payout")
            .Accepts<CreatePayoutThroughStoreRequest>("application/json").Produces<PayoutData>().ProducesErrors();
        store.MapPost("/bulk", CreateMany).WithName("CreatePayoutsInBulk")
            .WithSummary($"Create up to {PayoutService.BulkCountMax} payouts, all or nothing (beyond Greenfield)")
            .Accepts<List<CreatePayoutThroughStoreRequest>>("application/json").Produces<List<PayoutData>>().ProducesErrors();
        store.MapGet("/", List).WithName("ListStorePayouts")
            .WithSummary("Payouts of a store, newest first; filters: state, payoutMethodId, createdFrom, createdTo, includeCancelled; paging: limit, cursor")
            .Produces<List<PayoutData>>().ProducesErrors();
        MapOne(store.MapGroup("/{payoutId}"), "Store");
        MapOne(app.MapGroup("/api/v1/payouts/{payoutId}").WithTags("Payouts"), "");
    }

    private static void MapOne(RouteGroupBuilder one, string prefix)
    {
        one.MapGet("/", Get).WithName($"Get{prefix}Payout").WithSummary("Get a payout").Produces<PayoutData>().ProducesErrors();
        one.MapPost("/", Approve).WithName($"Approve{prefix}Payout").WithSummary("Approve a payout at its current revision")
            .Accepts<ApprovePayoutRequest>("application/json").Produces<PayoutData>().ProducesErrors();
        one.MapDelete("/", Cancel).WithName($"Cancel{prefix}Payout").WithSummary("Cancel a payout").Produces<PayoutData>().ProducesErrors();
        one.MapPost("/mark-paid", MarkPaid).WithName($"MarkPaid{prefix}Payout").WithSummary("Mark a payout Completed by hand")
            .Produces<PayoutData>().ProducesErrors();
        one.MapPost("/mark", Mark).WithName($"Mark{prefix}Payout").WithSummary("Set a payout's state by hand")
            .Accepts<MarkPayoutRequest>("application/json").Produces<PayoutData>().ProducesErrors();
        one.MapGet("/events", Events).WithName($"Get{prefix}PayoutEvents").WithSummary("A payout's audit log, one entry per revision")
            .Produces<List<PayoutEventData>>().ProducesErrors();
    }

    public static async Task<IResult> Create(HttpContext http, string storeId, IPayoutsStore store, IRailConfigStore rails, PayoutService payouts,
        TimeProvider time, CancellationToken ct)
    {
        var (caller, denied) = await CallerAuth.Require(http, Permissions.ManagePayouts, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        var body = await JsonBody.ReadAsync<CreatePayoutThroughStoreRequest>(http, ct);
        if (body.Error is not null) return body.Error;

        var pullPaymentId = body.Value!.PullPaymentId;
        var pullPayment = pullPaymentId is not null && Ids.LooksValid(pullPaymentId) ? await store.PullPaymentGetById(pullPaymentId, ct) : null;
        var errors = new ValidationErrors();
        var rules = await RailsApi.DestinationRules(rails, storeId, [body.Value!.PayoutMethodId], pullPayment, time.GetUtcNow(), ct);
        var request = Validate(body.Value!, storeId, pullPayment?.Currency, rules, errors, "");
        if (request is null) return errors.ToResult();

        var result = await payouts.Create(request, caller!.Actor, ct, JsonResponse.CompletionFor<Payout>(http, Serialize));
        return result.IsOk ? JsonResponse.Created(http, Serialize(result.Value)) : ApiResults.Error(result.Failure!);
    }

    public static async Task<IResult> CreateMany(HttpContext http, string storeId, IPayoutsStore store, IRailConfigStore rails, PayoutService payouts,
        TimeProvider time, CancellationToken ct)
    {
        var (caller, denied) = await CallerAuth.Require(http, Permissions.ManagePayouts, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        var body = await JsonBody.ReadAsync<List<CreatePayoutThroughStoreRequest>>(http, ct);
        if (body.Error is not null) return body.Error;

        var list = body.Value!;
        if (list.Count is 0 or > PayoutService.BulkCountMax)
            return ApiResults.Validation("$", $"Give between 1 and {PayoutService.BulkCountMax} payouts.");
        var errors = new ValidationErrors();
        var rules = await RailsApi.DestinationRules(rails, storeId, list.Select(r => r?.PayoutMethodId).ToList(), pullPayment: null, time.GetUtcNow(), ct);
        var requests = new List<NewPayout>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is null) { errors.Add($"[{i}]", "Each payout must be a JSON object."); continue; }
            if (list[i].PullPaymentId is not null)
                errors.Add($"[{i}].pullPaymentId", "Bulk create does not take claims against pull payments; create those one by one.");
            if (Validate(list[i], storeId, pullPaymentCurrency: null, rules, errors, $"[{i}].") is { } request) requests.Add(request);
        }
        if (errors.Any) return errors.ToResult();

        var result = await payouts.CreateMany(requests, caller!.Actor, ct, JsonResponse.CompletionFor<IReadOnlyList<Payout>>(http, SerializeMany));
        return result.IsOk ? JsonResponse.Created(http, SerializeMany(result.Value)) : ApiResults.Error(result.Failure!);
    }

    public static async Task<IResult> List(HttpContext http, string storeId, IPayoutsStore store, PayoutService payouts, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.ViewPayouts, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        var errors = new ValidationErrors();
        var query = ReadListQuery(http.Request, storeId, pullPaymentId: null, errors);
        if (query is null) return errors.ToResult();
        return await Page(http, payouts, query, ct);
    }

    /// <summary>Shared with the pull payment's own listing.</summary>
    public static PayoutListParams? ReadListQuery(HttpRequest request, string? storeId, string? pullPaymentId, ValidationErrors errors)
    {
        var (limit, after) = Pagination.Read(request, errors);
        PayoutState? state = null;
        if (request.Query.TryGetValue("state", out var s))
        {
            if (Enum.TryParse<PayoutState>(s, ignoreCase: false, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(s, out _)) state = parsed;
            else errors.Add("state", $"The state must be one of {string.Join(", ", Enum.GetNames<PayoutState>())}.");
        }
        PayoutMethodId? method = null;
        if (request.Query.TryGetValue("payoutMethodId", out var m) && !PayoutMethodId.TryParse(m, out method))
            errors.Add("payoutMethodId", $"Unknown payout method; supported: {string.Join(", ", PayoutMethodId.All)}.");
        Pagination.TryReadTime(request, "createdFrom", errors, out var from);
        Pagination.TryReadTime(request, "createdTo", errors, out var to);
        // Greenfield hides cancelled payouts unless asked; a state filter of Cancelled asks.
        var includeCancelled = Pagination.ReadBool(request, "includeCancelled", errors) || state == PayoutState.Cancelled;
        if (errors.Any) return null;
        return new PayoutListParams(storeId, pullPaymentId, state, includeCancelled, method, from, to, after, limit);
    }

    public static async Task<IResult> Page(HttpContext http, PayoutService payouts, PayoutListParams query, CancellationToken ct)
    {
        var page = await payouts.List(query, ct);
        Pagination.SetNext(http, page.Count, query.Limit, page.Count > 0 ? Pagination.CursorOf(page[^1].CreatedAt, page[^1].Id) : null);
        return TypedResults.Ok(page.Select(p => p.ToWire()).ToList());
    }

    public static async Task<IResult> Get(HttpContext http, string payoutId, IPayoutsStore store, PayoutService payouts, CancellationToken ct)
    {
        var target = await Resolve(http, payoutId, Permissions.ViewPayouts, store, payouts, ct);
        return target.Error ?? TypedResults.Ok(target.Payout!.ToWire());
    }

    public static async Task<IResult> Events(HttpContext http, string payoutId, IPayoutsStore store, PayoutService payouts, CancellationToken ct)
    {
        var target = await Resolve(http, payoutId, Permissions.ViewPayouts, store, payouts, ct);
        if (target.Error is not null) return target.Error;
        var events = await payouts.Events(payoutId, ct);
        return TypedResults.Ok(events.Select(e => e.ToWire()).ToList());
    }

    public static async Task<IResult> Approve(HttpContext http, string payoutId, IPayoutsStore store, PayoutService payouts,
        ILogger<PayoutService> logger, CancellationToken ct)
    {
        var target = await Resolve(http, payoutId, Permissions.ManagePayouts, store, payouts, ct);
        if (target.Error is not null) return target.Error;
        var body = await JsonBody.ReadAsync<ApprovePayoutRequest>(http, ct);
        if (body.Error is not null) return body.Error;
        var errors = new ValidationErrors();
        if (body.Value!.Revision is not { } revision)
            errors.Add("revision", "The payout's current revision is required.");
        else if (revision < 0)
            errors.Add("revision", "The revision must be 0 or more.");
        var rate = PayoutRequestValidation.ParseRate(body.Value.RateRule, errors);
        if (errors.Any) return errors.ToResult();
        return await Apply(target, new PayoutCommand.Approve(body.Value.Revision!.Value, rate), payouts, logger, ct);
    }

    public static async Task<IResult> Cancel(HttpContext http, string payoutId, IPayoutsStore store, PayoutService payouts,
        ILogger<PayoutService> logger, CancellationToken ct)
    {
        var target = await Resolve(http, payoutId, Permissions.ManagePayouts, store, payouts, ct);
        return target.Error ?? await Apply(target, new PayoutCommand.Cancel(), payouts, logger, ct);
    }

    public static async Task<IResult> MarkPaid(HttpContext http, string payoutId, IPayoutsStore store, PayoutService payouts,
        ILogger<PayoutService> logger, CancellationToken ct)
    {
        var target = await Resolve(http, payoutId, Permissions.ManagePayouts, store, payouts, ct);
        return target.Error ?? await Apply(target, new PayoutCommand.MarkPaid(null), payouts, logger, ct);
    }

    public static async Task<IResult> Mark(HttpContext http, string payoutId, IPayoutsStore store, PayoutService payouts,
        ILogger<PayoutService> logger, CancellationToken ct)
    {
        var target = await Resolve(http, payoutId, Permissions.ManagePayouts, store, payouts, ct);
        if (target.Error is not null) return target.Error;
        var body = await JsonBody.ReadAsync<MarkPayoutRequest>(http, ct);
        if (body.Error is not null) return body.Error;
        var errors = new ValidationErrors();
        if (body.Value!.State is null)
            errors.Add("state", "The target state is required: AwaitingPayment, InProgress or Completed.");
        var proof = PayoutRequestValidation.ValidateProof(body.Value.PaymentProof, errors);
        if (errors.Any) return errors.ToResult();
        return await Apply(target, new PayoutCommand.Mark(body.Value.State!.Value, proof), payouts, logger, ct);
    }

    private sealed record Target(Caller? Caller, Payout? Payout, IResult? Error);

    /// <summary>
    /// Authenticates, finds the payout and authorizes on its store. On store routes a payout of another store is 404;
    /// on flattened routes a key without rights on the payout's store gets 403.
    /// </summary>
    private static async Task<Target> Resolve(HttpContext http, string payoutId, string permission,
        IPayoutsStore store, PayoutService payouts, CancellationToken ct)
    {
        // The store routes and the flattened routes share handlers; only the former carry a storeId.
        var storeId = http.GetRouteValue("storeId") as string;
        var (caller, denied) = storeId is null
            ? await CallerAuth.Authenticate(http, ct)
            : await CallerAuth.Require(http, permission, storeId, ct);
        if (denied is not null) return new(null, null, denied);
        var payout = Ids.LooksValid(payoutId) ? await payouts.Get(payoutId, ct) : null;
        if (payout is null || (storeId is not null && payout.StoreId != storeId))
            return new(null, null, ApiResults.Error(ErrorCode.PayoutNotFound));
        if (storeId is null && CallerAuth.Authorize(caller!, permission, payout.StoreId) is { } forbidden)
            return new(null, null, forbidden);
        if (await StoresApi.RequireStore(store, payout.StoreId, ct) is not null)
            return new(null, null, ApiResults.Error(ErrorCode.PayoutNotFound));
        return new(caller, payout, null);
    }

    private static async Task<IResult> Apply(Target target, PayoutCommand command, PayoutService payouts, ILogger logger, CancellationToken ct)
    {
        var (caller, payout) = (target.Caller!, target.Payout!);
        var result = await payouts.Apply(payout.StoreId, payout.Id, command, caller.Actor, ct, read: payout);
        if (!result.IsOk) return ApiResults.Error(result.Failure!);
        var p = result.Value;
        ServerLog.PayoutChanged(logger, p.Id, p.StoreId, command.Name, p.State.ToString(), p.Revision, caller.Actor.IsProcessor);
        return TypedResults.Ok(p.ToWire());
    }

    private static NewPayout? Validate(CreatePayoutThroughStoreRequest r, string storeId, string? pullPaymentCurrency, DestinationRules rules,
        ValidationErrors errors, string pathPrefix)
    {
        var local = new ValidationErrors();
        var request = PayoutRequestValidation.Validate(r, storeId, r.PullPaymentId, pullPaymentCurrency, r.Approved ?? false, r.Metadata,
            amountRequired: r.PullPaymentId is null, local, rules);
        errors.AddAll(local, pathPrefix);
        return request;
    }

    private static byte[] Serialize(Payout p) => JsonResponse.Serialize(p.ToWire());

    private static byte[] SerializeMany(IReadOnlyList<Payout> payouts) => JsonResponse.Serialize(payouts.Select(p => p.ToWire()).ToList());
}

using Payouts.Contracts.Wire;
using Payouts.Contracts;
using Payouts.Core.Auth;
using Payouts.Core.Money;
using Payouts.Core.Payouts;
using Payouts.Core.Ports;
using Payouts.Core.PullPayments;
using Payouts.Core.Sending;
using Payouts.Core;
using Payouts.Server.Api;

namespace Payouts.Server.Endpoints;

/// <summary>Greenfield pull payments: create (store), get and claim (anonymous, by the unguessable id).</summary>
public static class PullPaymentsApi
{
    public static void MapPullPaymentsApi(this IEndpointRouteBuilder app)
    {
        var store = app.MapGroup("/api/v1/stores/{storeId}/pull-payments").WithTags("Pull payments");
        store.MapPost("/", Create).WithName("CreatePullPayment").WithSummary("Create a pull payment")
            .Accepts<CreatePullPaymentRequest>("application/json").Produces<PullPaymentData>().ProducesErrors();
        store.MapGet("/", List).WithName("ListPullPayments")
            .WithSummary("Pull payments of a store, newest first; filters: includeArchived, createdFrom, createdTo; paging: limit, cursor")
            .Produces<List<PullPaymentData>>().ProducesErrors();
        store.MapDelete("/{pullPaymentId}", Archive).WithName("ArchiveStorePullPayment")
            .WithSummary("Archive a pull payment; its payouts not yet sending are cancelled").ProducesErrors();
        var pp = app.MapGroup("/api/v1/pull-payments/{pullPaymentId}").WithTags("Pull payments (public)");
        pp.MapGet("/", Get).WithName("GetPullPayment").WithSummary("Get a pull payment (anonymous)").Produces<PullPaymentData>().ProducesErrors();
        pp.MapDelete("/", Archive).WithName("ArchivePullPayment").WithSummary("Archive a pull payment (flattened route)").ProducesErrors();
        pp.MapGet("/payouts", ListPayouts).WithName("ListPullPaymentPayouts")
            .WithSummary("Payouts of a pull payment (anonymous); same filters and paging as the store listing")
            .Produces<List<PayoutData>>().ProducesErrors();
        pp.MapPost("/payouts", Claim).WithName("CreatePayout").WithSummary("Claim a payout from a pull payment (anonymous)")
            .Accepts<CreatePayoutRequest>("application/json").Produces<PayoutData>().ProducesErrors();
        pp.MapGet("/payouts/{payoutId}", GetPayout).WithName("GetPullPaymentPayout").WithSummary("Get a payout of a pull payment (anonymous)")
            .Produces<PayoutData>().ProducesErrors();
    }

    public static async Task<IResult> List(HttpContext http, string storeId, IPayoutsStore store, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.ViewPullPayments, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        var errors = new ValidationErrors();
        var (limit, after) = Pagination.Read(http.Request, errors);
        var includeArchived = Pagination.ReadBool(http.Request, "includeArchived", errors);
        Pagination.TryReadTime(http.Request, "createdFrom", errors, out var from);
        Pagination.TryReadTime(http.Request, "createdTo", errors, out var to);
        if (errors.Any) return errors.ToResult();
        var page = await store.PullPaymentList(new PullPaymentListParams(storeId, includeArchived, from, to, after, limit), ct);
        Pagination.SetNext(http, page.Count, limit, page.Count > 0 ? Pagination.CursorOf(page[^1].CreatedAt, page[^1].Id) : null);
        return TypedResults.Ok(page.Select(p => p.ToWire(http.Request)).ToList());
    }

    public static async Task<IResult> Archive(HttpContext http, string pullPaymentId, IPayoutsStore store, PayoutService payouts, CancellationToken ct)
    {
        var storeId = http.GetRouteValue("storeId") as string;
        var (caller, denied) = await CallerAuth.Authenticate(http, ct);
        if (denied is not null) return denied;
        var pp = Ids.LooksValid(pullPaymentId) ? await store.PullPaymentGetById(pullPaymentId, ct) : null;
        var owner = storeId ?? pp?.StoreId;
        if (owner is not null && CallerAuth.Authorize(caller!, Permissions.ManagePullPayments, owner) is { } forbidden) return forbidden;
        if (pp is null || pp.StoreId != owner) return ApiResults.Error(ErrorCode.PullPaymentNotFound);
        await payouts.ArchivePullPayment(pp.StoreId, pp.Id, caller!.Actor, ct);
        return TypedResults.Ok();
    }

    public static async Task<IResult> ListPayouts(HttpContext http, string pullPaymentId, IPayoutsStore store, PayoutService payouts, CancellationToken ct)
    {
        var pp = Ids.LooksValid(pullPaymentId) ? await store.PullPaymentGetById(pullPaymentId, ct) : null;
        if (pp is null) return ApiResults.Error(ErrorCode.PullPaymentNotFound);
        var errors = new ValidationErrors();
        var query = PayoutsApi.ReadListQuery(http.Request, storeId: null, pullPaymentId, errors);
        if (query is null) return errors.ToResult();
        return await PayoutsApi.Page(http, payouts, query, ct);
    }

    public static async Task<IResult> Create(HttpContext http, string storeId, IPayoutsStore store, TimeProvider time, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<CreatePullPaymentRequest>(http, ct);
        // Keys that may only create non-approved pull payments can still create ones without auto-approval.
        var needed = body.Value?.AutoApproveClaims == true ? Permissions.CreatePullPayments : Permissions.CreateNonApprovedPullPayments;
        var (_, denied) = await CallerAuth.Require(http, needed, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        if (body.Error is not null) return body.Error;

        var r = body.Value!;
        var errors = new ValidationErrors();
        var name = r.Name?.Trim() ?? "";
        if (name.Length > PullPayment.NameLengthMax) errors.Add("name", $"The name must be at most {PullPayment.NameLengthMax} characters.");
        var description = r.Description ?? "";
        if (description.Length > PullPayment.DescriptionLengthMax)
            errors.Add("description", $"The description must be at most {PullPayment.DescriptionLengthMax} characters.");
        if (r.Amount is null) errors.Add("amount", "The amount is required.");
        else if (Amounts.Validate(r.Amount.Value) is { } amountError) errors.Add("amount", $"The amount {amountError}.");
        if (!Currencies.IsValidCode(r.Currency?.Trim())) errors.Add("currency", "The currency must be a code such as BTC or USD.");
        var days = r.Bolt11ExpirationDays ?? PullPayment.Bolt11ExpirationDaysDefault;
        if (days is < 0 or > PullPayment.Bolt11ExpirationDaysMax)
            errors.Add("BOLT11Expiration", $"The BOLT11 expiration must be between 0 and {PullPayment.Bolt11ExpirationDaysMax} days.");
        if (r.StartsAt is { } s && r.ExpiresAt is { } e && e <= s) errors.Add("expiresAt", "expiresAt must be after startsAt.");
        var methods = new List<PayoutMethodId>();
        if (r.PayoutMethods is null) methods.AddRange(PayoutMethodId.All);
        else if (r.PayoutMethods.Count == 0) errors.Add("payoutMethods", "Give at least one payout method, or omit it for all.");
        else
            for (var i = 0; i < r.PayoutMethods.Count; i++)
            {
                if (PayoutMethodId.TryParse(r.PayoutMethods[i], out var m)) { if (!methods.Contains(m)) methods.Add(m); }
                else errors.Add($"payoutMethods[{i}]", $"Unknown payout method; supported: {string.Join(", ", PayoutMethodId.All)}.");
            }
        var minimum = r.MinimumClaim ?? 0m;
        if (minimum < 0 || Amounts.SignificantScale(minimum) > Amounts.ScaleMax || (r.Amount is { } a && minimum > a))
            errors.Add("minimumClaim", "The minimum claim must be between 0 and the amount.");
        if (errors.Any) return errors.ToResult();

        var pullPayment = new PullPayment
        {
            Id = Ids.New(),
            StoreId = storeId,
            Name = name,
            Description = description,
            Currency = Currencies.Normalize(r.Currency!),
            Amount = r.Amount!.Value,
            StartsAt = r.StartsAt,
            ExpiresAt = r.ExpiresAt,
            Archived = false,
            AutoApproveClaims = r.AutoApproveClaims ?? false,
            Bolt11ExpirationDays = days,
            PayoutMethods = methods,
            MinimumClaim = minimum,
            CreatedAt = time.GetUtcNow(),
        };
        var bytes = JsonResponse.Serialize(pullPayment.ToWire(http.Request));
        await store.PullPaymentCreate(pullPayment, JsonResponse.Completion(http, bytes), ct);
        return JsonResponse.Created(http, bytes);
    }

    public static async Task<IResult> Get(HttpContext http, string pullPaymentId, IPayoutsStore store, CancellationToken ct)
    {
        var pp = Ids.LooksValid(pullPaymentId) ? await store.PullPaymentGetById(pullPaymentId, ct) : null;
        return pp is null ? ApiResults.Error(ErrorCode.PullPaymentNotFound) : TypedResults.Ok(pp.ToWire(http.Request));
    }

    public static async Task<IResult> Claim(HttpContext http, string pullPaymentId, IPayoutsStore store, IRailConfigStore rails, PayoutService payouts,
        TimeProvider time, CancellationToken ct)
    {
        if (!Ids.LooksValid(pullPaymentId)) return ApiResults.Error(ErrorCode.PullPaymentNotFound);
        var body = await JsonBody.ReadAsync<CreatePayoutRequest>(http, ct);
        if (body.Error is not null) return body.Error;
        // Read for its currency only (it never changes), so a claim in BTC below the address's dust limit is a 422 on
        // amount like a store payout's; whether the claim fits is decided under the pull payment's lock, as before.
        var pullPayment = await store.PullPaymentGetById(pullPaymentId, ct);
        var errors = new ValidationErrors();
        var rules = pullPayment is null ? null
            : await RailsApi.DestinationRules(rails, pullPayment.StoreId, [body.Value!.PayoutMethodId], pullPayment, time.GetUtcNow(), ct);
        var request = PayoutRequestValidation.Validate(body.Value!, storeId: null, pullPaymentId, pullPayment?.Currency, approved: false,
            metadata: null, amountRequired: false, errors, rules);
        if (request is null) return errors.ToResult();
        var result = await payouts.Create(request, Actor.Anonymous, ct, JsonResponse.CompletionFor<Payout>(http, p => JsonResponse.Serialize(p.ToWire())));
        return result.IsOk ? JsonResponse.Created(http, JsonResponse.Serialize(result.Value.ToWire())) : ApiResults.Error(result.Failure!);
    }

    public static async Task<IResult> GetPayout(string pullPaymentId, string payoutId, PayoutService payouts, CancellationToken ct)
    {
        var payout = Ids.LooksValid(payoutId) ? await payouts.Get(payoutId, ct) : null;
        return payout is null || payout.PullPaymentId != pullPaymentId
            ? ApiResults.Error(ErrorCode.PayoutNotFound)
            : TypedResults.Ok(payout.ToWire());
    }
}

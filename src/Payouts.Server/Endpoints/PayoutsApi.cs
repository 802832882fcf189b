using Payouts.Contracts;
using Payouts.Contracts.Wire;
using Payouts.Core;
using Payouts.Core.Auth;
using Payouts.Core.Payouts;
using Payouts.Core.Ports;
using Payouts.Server.Api;
using Payouts.Server.Hosting;

namespace Payouts.Server.Endpoints;

/// <summary>Greenfield payouts of a store: create, get, approve, cancel, mark-paid, mark; and their event log.</summary>
public static class PayoutsApi
{
    public static void MapPayoutsApi(this IEndpointRouteBuilder app)
    {
        var payouts = app.MapGroup("/api/v1/stores/{storeId}/payouts").WithTags("Payouts");
        payouts.MapPost("/", Create).WithName("CreatePayoutThroughStore").WithSummary("Create a payout");
        payouts.MapGet("/{payoutId}", Get).WithName("GetStorePayout").WithSummary("Get a payout");
        payouts.MapPost("/{payoutId}", Approve).WithName("ApprovePayout").WithSummary("Approve a payout at its current revision");
        payouts.MapDelete("/{payoutId}", Cancel).WithName("CancelPayout").WithSummary("Cancel a payout");
        payouts.MapPost("/{payoutId}/mark-paid", MarkPaid).WithName("MarkPayoutPaid").WithSummary("Mark a payout Completed by hand");
        payouts.MapPost("/{payoutId}/mark", Mark).WithName("MarkPayout").WithSummary("Set a payout's state by hand");
        payouts.MapGet("/{payoutId}/events", Events).WithName("GetPayoutEvents").WithSummary("A payout's audit log, one entry per revision");
    }

    public static async Task<IResult> Create(HttpContext http, string storeId, IPayoutsStore store, PayoutService payouts, CancellationToken ct)
    {
        var (caller, denied) = await CallerAuth.Require(http, Permissions.ManagePayouts, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        var body = await JsonBody.ReadAsync<CreatePayoutThroughStoreRequest>(http, ct);
        if (body.Error is not null) return body.Error;

        var r = body.Value!;
        var errors = new ValidationErrors();
        var request = PayoutRequestValidation.Validate(r, storeId, r.PullPaymentId, r.Approved ?? false, r.Metadata,
            amountRequired: r.PullPaymentId is null, errors);
        if (request is null) return errors.ToResult();

        var result = await payouts.Create(request, caller!.Actor, ct);
        return result.IsOk ? TypedResults.Ok(result.Value.ToWire()) : ApiResults.Error(result.Failure!);
    }

    public static async Task<IResult> Get(HttpContext http, string storeId, string payoutId, PayoutService payouts, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.ViewPayouts, storeId, ct);
        if (denied is not null) return denied;
        var payout = Ids.LooksValid(payoutId) ? await payouts.Get(payoutId, ct) : null;
        return payout is null || payout.StoreId != storeId ? ApiResults.Error(ErrorCode.PayoutNotFound) : TypedResults.Ok(payout.ToWire());
    }

    public static async Task<IResult> Events(HttpContext http, string storeId, string payoutId, PayoutService payouts, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.ViewPayouts, storeId, ct);
        if (denied is not null) return denied;
        var payout = Ids.LooksValid(payoutId) ? await payouts.Get(payoutId, ct) : null;
        if (payout is null || payout.StoreId != storeId) return ApiResults.Error(ErrorCode.PayoutNotFound);
        var events = await payouts.Events(payoutId, ct);
        return TypedResults.Ok(events.Select(e => e.ToWire()).ToList());
    }

    public static async Task<IResult> Approve(HttpContext http, string storeId, string payoutId, PayoutService payouts,
        ILogger<PayoutService> logger, CancellationToken ct)
    {
        var (caller, denied) = await CallerAuth.Require(http, Permissions.ManagePayouts, storeId, ct);
        if (denied is not null) return denied;
        var body = await JsonBody.ReadAsync<ApprovePayoutRequest>(http, ct);
        if (body.Error is not null) return body.Error;
        var errors = new ValidationErrors();
        if (body.Value!.Revision is not { } revision)
            errors.Add("revision", "The payout's current revision is required.");
        else if (revision < 0)
            errors.Add("revision", "The revision must be 0 or more.");
        var rate = PayoutRequestValidation.ParseRate(body.Value.RateRule, errors);
        if (errors.Any) return errors.ToResult();

        return await Apply(storeId, payoutId, new PayoutCommand.Approve(body.Value.Revision!.Value, rate), caller!, payouts, logger, ct);
    }

    public static async Task<IResult> Cancel(HttpContext http, string storeId, string payoutId, PayoutService payouts,
        ILogger<PayoutService> logger, CancellationToken ct)
    {
        var (caller, denied) = await CallerAuth.Require(http, Permissions.ManagePayouts, storeId, ct);
        if (denied is not null) return denied;
        return await Apply(storeId, payoutId, new PayoutCommand.Cancel(), caller!, payouts, logger, ct);
    }

    public static async Task<IResult> MarkPaid(HttpContext http, string storeId, string payoutId, PayoutService payouts,
        ILogger<PayoutService> logger, CancellationToken ct)
    {
        var (caller, denied) = await CallerAuth.Require(http, Permissions.ManagePayouts, storeId, ct);
        if (denied is not null) return denied;
        return await Apply(storeId, payoutId, new PayoutCommand.MarkPaid(null), caller!, payouts, logger, ct);
    }

    public static async Task<IResult> Mark(HttpContext http, string storeId, string payoutId, PayoutService payouts,
        ILogger<PayoutService> logger, CancellationToken ct)
    {
        var (caller, denied) = await CallerAuth.Require(http, Permissions.ManagePayouts, storeId, ct);
        if (denied is not null) return denied;
        var body = await JsonBody.ReadAsync<MarkPayoutRequest>(http, ct);
        if (body.Error is not null) return body.Error;
        var errors = new ValidationErrors();
        if (body.Value!.State is not { } state)
            errors.Add("state", "The target state is required: AwaitingPayment, InProgress or Completed.");
        var proof = PayoutRequestValidation.ValidateProof(body.Value.PaymentProof, errors);
        if (errors.Any) return errors.ToResult();

        return await Apply(storeId, payoutId, new PayoutCommand.Mark(body.Value.State!.Value, proof), caller!, payouts, logger, ct);
    }

    private static async Task<IResult> Apply(string storeId, string payoutId, PayoutCommand command, Caller caller,
        PayoutService payouts, ILogger logger, CancellationToken ct)
    {
        if (!Ids.LooksValid(payoutId)) return ApiResults.Error(ErrorCode.PayoutNotFound);
        var result = await payouts.Apply(storeId, payoutId, command, caller.Actor, ct);
        if (!result.IsOk) return ApiResults.Error(result.Failure!);
        var p = result.Value;
        ServerLog.PayoutChanged(logger, p.Id, p.StoreId, command.Name, p.State.ToString(), p.Revision, caller.Actor.IsProcessor);
        return TypedResults.Ok(p.ToWire());
    }
}

using Payouts.Contracts;
using Payouts.Core.Ports;
using Payouts.Core.PullPayments;

namespace Payouts.Core.Payouts;

/// <summary>
/// Runs payout commands against the store: read, decide with <see cref="PayoutLifecycle"/>, write conditionally.
/// Holds no state, so any number of nodes can run it at once; the conditional write is what serializes them.
/// </summary>
public sealed class PayoutService(IPayoutsStore store, IProcessorActivity processors, TimeProvider time)
{
    /// <summary>Re-decisions after losing a race before giving up with <see cref="ErrorCode.ConcurrentUpdate"/>.
    /// Each loss means another command changed the payout, and a payout has few states, so this is rarely reached.</summary>
    public const int RaceRetriesMax = 16;

    public async Task<Result<Payout>> Create(NewPayout request, Actor actor, CancellationToken ct)
    {
        if (request.PullPaymentId is not null)
            return await Claim(request, actor, ct);

        Invariant.Ensure(request.StoreId is not null);
        Invariant.Ensure(request.Amount is not null);
        var method = PayoutMethods.Get(request.MethodId);
        var now = time.GetUtcNow();
        var payout = Draft(request, request.StoreId, method.Currency, request.Amount.Value, now);
        if (request.Amount.Value < method.AmountMin)
            return new Failure(ErrorCode.AmountTooLow, $"The amount must be at least {method.AmountMin} {method.Currency} for {method.Id}.");
        if (request.Approved)
        {
            var approved = ApplyApproval(payout, method, rate: null);
            if (!approved.IsOk) return approved.Failure!;
            payout = approved.Value;
        }
        var inserted = await store.PayoutCreate(payout, CreatedEvent(payout, actor), ct);
        return inserted switch
        {
            PayoutInsertResult.Inserted => payout,
            PayoutInsertResult.DuplicateDestination => Failure.Of(ErrorCode.DuplicateDestination),
            _ => throw new InvariantViolationException($"unknown insert result {inserted}"),
        };
    }

    public Task<Payout?> Get(string payoutId, CancellationToken ct) => store.PayoutGetById(payoutId, ct);

    public Task<IReadOnlyList<PayoutEvent>> Events(string payoutId, CancellationToken ct) => store.PayoutEventList(payoutId, ct);

    /// <summary>Applies <paramref name="command"/> to the payout; <paramref name="storeId"/> null skips the store check (admin routes).</summary>
    public async Task<Result<Payout>> Apply(string? storeId, string payoutId, PayoutCommand command, Actor actor, CancellationToken ct)
    {
        for (var attempt = 0; attempt <= RaceRetriesMax; attempt++)
        {
            var payout = await store.PayoutGetById(payoutId, ct);
            if (payout is null || (storeId is not null && payout.StoreId != storeId))
                return Failure.Of(ErrorCode.PayoutNotFound);
            var processorActive = await processors.IsEnabled(payout.StoreId, payout.MethodId, ct);
            var context = new TransitionContext(actor, processorActive, time.GetUtcNow());
            switch (PayoutLifecycle.Transition(payout, command, context))
            {
                case TransitionOutcome.Refused r:
                    return new Failure(r.Code, r.Message);
                case TransitionOutcome.Unchanged:
                    return payout;
                case TransitionOutcome.Changed c:
                    if (await store.PayoutTransition(c.Next, c.Event, ct))
                        return c.Next;
                    break; // Lost the race: decide again on what the winner wrote.
            }
        }
        return Failure.Of(ErrorCode.ConcurrentUpdate);
    }

    private async Task<Result<Payout>> Claim(NewPayout request, Actor actor, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return await store.PayoutCreateClaim(request.PullPaymentId!, request.Destination, snapshot =>
        {
            var pp = snapshot.PullPayment;
            if (request.StoreId is not null && pp.StoreId != request.StoreId)
                return Failure.Of(ErrorCode.PullPaymentNotFound);
            var decision = ClaimRules.Decide(snapshot, request.MethodId, request.Amount, now);
            if (decision is ClaimDecision.Refused refused)
                return new Failure(refused.Code, refused.Message);
            var decided = (ClaimDecision.Accepted)decision;

            var method = PayoutMethods.Get(request.MethodId);
            var payout = Draft(request, pp.StoreId, pp.Currency, decided.Amount, now);
            if (request.Approved || pp.AutoApproveClaims)
            {
                var approved = ApplyApproval(payout, method, rate: null);
                if (approved.IsOk)
                    payout = approved.Value;
                // Auto-approval without a rate leaves the claim for a person to approve; an explicit request fails.
                else if (request.Approved || approved.Failure!.Code != ErrorCode.RateUnavailable)
                    return approved.Failure!;
            }
            return (payout, CreatedEvent(payout, actor));
        }, ct);
    }

    private static Payout Draft(NewPayout request, string storeId, string originalCurrency, decimal amount, DateTimeOffset now) => new()
    {
        Id = Ids.New(),
        StoreId = storeId,
        PullPaymentId = request.PullPaymentId,
        MethodId = request.MethodId,
        Destination = request.Destination,
        OriginalAmount = amount,
        OriginalCurrency = originalCurrency,
        PayoutCurrency = PayoutMethods.Get(request.MethodId).Currency,
        State = PayoutState.AwaitingApproval,
        Revision = 0,
        MetadataJson = request.MetadataJson,
        CreatedAt = now,
        UpdatedAt = now,
    };

    private static Result<Payout> ApplyApproval(Payout payout, PayoutMethod method, decimal? rate) =>
        PayoutLifecycle.Approval(payout.OriginalAmount, payout.OriginalCurrency, method, rate) switch
        {
            ApprovalResult.Approved a => payout with { State = PayoutState.AwaitingPayment, PayoutAmount = a.PayoutAmount, Rate = a.Rate },
            ApprovalResult.Refused r => new Failure(r.Code, r.Message),
            _ => throw new InvariantViolationException("unknown approval result"),
        };

    private static PayoutEvent CreatedEvent(Payout p, Actor actor) =>
        new(p.Id, p.StoreId, p.Revision, null, p.State, actor.Name, actor.IsProcessor, p.CreatedAt,
            p.State == PayoutState.AwaitingPayment ? $"created approved: {p.PayoutAmount} {p.PayoutCurrency}" : "created");
}

using Payouts.Contracts;
using Payouts.Core.Idempotency;
using Payouts.Core.Ports;
using Payouts.Core.PullPayments;
using Payouts.Core.Telemetry;

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

    /// <summary>Most payouts in one bulk create.</summary>
    public const int BulkCountMax = 1_000;

    /// <param name="complete">With an Idempotency-Key: the stored answer for the created payout, committed with it.</param>
    public async Task<Result<Payout>> Create(NewPayout request, Actor actor, CancellationToken ct,
        Func<Payout, IdempotencyCompletion>? complete = null)
    {
        // The span the stored traceparent points at: later spans about this payout, on any node, link here.
        using var span = ServiceTelemetry.StartCreate(request, actor, count: 1);
        var result = request.PullPaymentId is not null ? await Claim(request, actor, complete, ct) : await CreateForStore(request, actor, complete, ct);
        ServiceTelemetry.Created(span, result.IsOk ? [result.Value] : null, result.Failure);
        return result;
    }

    private async Task<Result<Payout>> CreateForStore(NewPayout request, Actor actor, Func<Payout, IdempotencyCompletion>? complete,
        CancellationToken ct)
    {

        var draft = DraftForStore(request, time.GetUtcNow());
        if (!draft.IsOk) return draft.Failure!;
        var payout = draft.Value;
        var inserted = await store.PayoutCreate(payout, CreatedEvent(payout, actor), complete?.Invoke(payout), ct);
        if (inserted == PayoutInsertResult.Inserted)
            await NudgeIfApproved(payout, ct);
        return inserted switch
        {
            PayoutInsertResult.Inserted => payout,
            PayoutInsertResult.DuplicateDestination => Failure.Of(ErrorCode.DuplicateDestination),
            _ => throw new InvariantViolationException($"unknown insert result {inserted}"),
        };
    }

    /// <summary>Creates every payout or none. Pull-payment claims are not taken in bulk (each needs its pull payment's lock).</summary>
    public async Task<Result<IReadOnlyList<Payout>>> CreateMany(IReadOnlyList<NewPayout> requests, Actor actor, CancellationToken ct,
        Func<IReadOnlyList<Payout>, IdempotencyCompletion>? complete = null)
    {
        Invariant.Ensure(requests.Count is > 0 and <= BulkCountMax);
        using var span = ServiceTelemetry.StartCreate(requests[0], actor, requests.Count);
        var result = await CreateManyForStore(requests, actor, complete, ct);
        ServiceTelemetry.Created(span, result.IsOk ? result.Value : null, result.Failure);
        return result;
    }

    private async Task<Result<IReadOnlyList<Payout>>> CreateManyForStore(IReadOnlyList<NewPayout> requests, Actor actor,
        Func<IReadOnlyList<Payout>, IdempotencyCompletion>? complete, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var payouts = new List<Payout>(requests.Count);
        var destinations = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Count; i++)
        {
            Invariant.Ensure(requests[i].PullPaymentId is null);
            var draft = DraftForStore(requests[i], now);
            if (!draft.IsOk) return new Failure(draft.Failure!.Code, $"payouts[{i}]: {draft.Failure.Message}");
            if (!destinations.Add(draft.Value.Destination))
                return new Failure(ErrorCode.DuplicateDestination, $"payouts[{i}]: this destination appears earlier in the same request.");
            payouts.Add(draft.Value);
        }
        var result = await store.PayoutCreateMany(payouts.Select(p => (p, CreatedEvent(p, actor))).ToList(), complete?.Invoke(payouts), ct);
        if (!result.Inserted)
            return new Failure(ErrorCode.DuplicateDestination,
                $"payouts[{result.DuplicateIndex}]: this destination already has an active payout in this store; nothing was created.");
        foreach (var method in payouts.Where(p => p.State == PayoutState.AwaitingPayment).Select(p => p.MethodId).Distinct())
            await processors.Nudge(payouts[0].StoreId, method, ct);
        return payouts;
    }

    public Task<IReadOnlyList<Payout>> List(PayoutListParams query, CancellationToken ct) => store.PayoutList(query, ct);

    /// <summary>Archives a pull payment and cancels, with events, its payouts that have not started to move (Greenfield behaviour).</summary>
    public Task<bool> ArchivePullPayment(string storeId, string pullPaymentId, Actor actor, CancellationToken ct)
    {
        var context = new TransitionContext(actor, ProcessorActive: false, time.GetUtcNow());
        return store.PullPaymentArchive(storeId, pullPaymentId, p => PayoutLifecycle.Transition(p, new PayoutCommand.Cancel(), context), ct);
    }

    public Task<Payout?> Get(string payoutId, CancellationToken ct) => store.PayoutGetById(payoutId, ct);

    public Task<IReadOnlyList<PayoutEvent>> Events(string payoutId, CancellationToken ct) => store.PayoutEventList(payoutId, ct);

    /// <summary>Applies <paramref name="command"/> to the payout; <paramref name="storeId"/> null skips the store check (admin routes).</summary>
    /// <param name="read">The payout as the caller just read it, to decide on without reading it again; the
    /// conditional write catches it if it is stale.</param>
    public async Task<Result<Payout>> Apply(string? storeId, string payoutId, PayoutCommand command, Actor actor, CancellationToken ct,
        Payout? read = null)
    {
        using var span = ServiceTelemetry.StartCommand(storeId, payoutId, command, actor);
        var result = await ApplyWithRetries(storeId, payoutId, command, actor, read, ct);
        ServiceTelemetry.Applied(span, result.IsOk ? result.Value : null, result.Failure);
        return result;
    }

    private async Task<Result<Payout>> ApplyWithRetries(string? storeId, string payoutId, PayoutCommand command, Actor actor, Payout? read,
        CancellationToken ct)
    {
        for (var attempt = 0; attempt <= RaceRetriesMax; attempt++)
        {
            var payout = attempt == 0 && read?.Id == payoutId ? read : await store.PayoutGetById(payoutId, ct);
            if (payout is null || (storeId is not null && payout.StoreId != storeId))
                return Failure.Of(ErrorCode.PayoutNotFound);
            ServiceTelemetry.Read(payout);
            // A processor enabled for the method, or an attempt still holding this payout even after its processor was
            // removed: either way money may be moving, so a person may not move it by hand.
            var processorActive = await processors.IsEnabled(payout.StoreId, payout.MethodId, ct)
                || (payout.State == PayoutState.InProgress && await processors.IsSending(payout.Id, ct));
            var context = new TransitionContext(actor, processorActive, time.GetUtcNow());
            switch (PayoutLifecycle.Transition(payout, command, context))
            {
                case TransitionOutcome.Refused r:
                    return new Failure(r.Code, r.Message);
                case TransitionOutcome.Unchanged:
                    return payout;
                case TransitionOutcome.Changed c:
                    if (await store.PayoutTransition(c.Next, c.Event, ct))
                    {
                        await NudgeIfApproved(c.Next, ct);
                        return c.Next;
                    }
                    break; // Lost the race: decide again on what the winner wrote.
            }
        }
        return Failure.Of(ErrorCode.ConcurrentUpdate);
    }

    private async Task NudgeIfApproved(Payout payout, CancellationToken ct)
    {
        if (payout.State == PayoutState.AwaitingPayment)
            await processors.Nudge(payout.StoreId, payout.MethodId, ct);
    }

    private Result<Payout> DraftForStore(NewPayout request, DateTimeOffset now)
    {
        Invariant.Ensure(request.StoreId is not null);
        Invariant.Ensure(request.Amount is not null);
        var method = PayoutMethods.For(request.MethodId, request.Destination);
        if (request.Amount.Value < method.AmountMin)
            return new Failure(ErrorCode.AmountTooLow, $"The amount must be at least {method.AmountMin} {method.Currency} for {method.Id}.");
        var payout = Draft(request, request.StoreId, method.Currency, request.Amount.Value, now);
        return request.Approved ? ApplyApproval(payout, method, rate: null) : payout;
    }

    private async Task<Result<Payout>> Claim(NewPayout request, Actor actor, Func<Payout, IdempotencyCompletion>? complete, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var claimed = await store.PayoutCreateClaim(request.PullPaymentId!, request.Destination, snapshot =>
        {
            var pp = snapshot.PullPayment;
            if (request.StoreId is not null && pp.StoreId != request.StoreId)
                return Failure.Of(ErrorCode.PullPaymentNotFound);
            var method = PayoutMethods.For(request.MethodId, request.Destination);
            var decision = ClaimRules.Decide(snapshot, method, request.Amount, now);
            if (decision is ClaimDecision.Refused refused)
                return new Failure(refused.Code, refused.Message);
            var decided = (ClaimDecision.Accepted)decision;

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
        }, complete, ct);
        if (claimed.IsOk) await NudgeIfApproved(claimed.Value, ct);
        return claimed;
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

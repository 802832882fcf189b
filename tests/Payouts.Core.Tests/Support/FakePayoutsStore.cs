using Payouts.Contracts;
using Payouts.Core.Auth;
using Payouts.Core.Idempotency;
using Payouts.Core.Payouts;
using Payouts.Core.Ports;
using Payouts.Core.Processors;
using Payouts.Core.PullPayments;
using Payouts.Core.Stores;

namespace Payouts.Core.Tests.Support;

/// <summary>
/// An in-memory <see cref="IPayoutsStore"/> with the same conditional-write contract as the real ones:
/// <see cref="PayoutTransition"/> writes only if the stored revision is still <c>next.Revision - 1</c>.
/// <see cref="ConcurrentWriters"/> stands in for other nodes: each one lands just before our write, once.
/// </summary>
internal sealed class FakePayoutsStore : IPayoutsStore
{
    public Dictionary<string, Payout> Payouts { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, PullPayment> PullPayments { get; } = new(StringComparer.Ordinal);
    public List<PayoutEvent> Events { get; } = [];
    public List<ClaimSnapshot> Snapshots { get; } = [];

    /// <summary>Each entry is another writer's change, applied to the stored payout right before one of our writes.</summary>
    public Queue<Func<Payout, Payout>> ConcurrentWriters { get; } = new();

    /// <summary>Idempotency answers committed with the rows they describe.</summary>
    public List<IdempotencyCompletion> Completions { get; } = [];

    public int TransitionCalls { get; private set; }
    public int CreateCalls { get; private set; }

    public void Add(Payout payout) => Payouts.Add(payout.Id, payout);

    public Task<PayoutInsertResult> PayoutCreate(Payout payout, PayoutEvent created, IdempotencyCompletion? completion, CancellationToken ct)
    {
        CreateCalls++;
        if (HasActive(payout.StoreId, payout.Destination))
            return Task.FromResult(PayoutInsertResult.DuplicateDestination);
        Insert(payout, created, completion);
        return Task.FromResult(PayoutInsertResult.Inserted);
    }

    public Task<PayoutInsertManyResult> PayoutCreateMany(IReadOnlyList<(Payout Payout, PayoutEvent Created)> payouts,
        IdempotencyCompletion? completion, CancellationToken ct)
    {
        CreateCalls++;
        var batch = new HashSet<(string, string)>();
        for (var i = 0; i < payouts.Count; i++)
        {
            var p = payouts[i].Payout;
            if (HasActive(p.StoreId, p.Destination) || !batch.Add((p.StoreId, p.Destination)))
                return Task.FromResult(new PayoutInsertManyResult(false, i));
        }
        foreach (var (payout, created) in payouts) Insert(payout, created, completion: null);
        if (completion is not null) Completions.Add(completion);
        return Task.FromResult(new PayoutInsertManyResult(true, null));
    }

    public Task<Result<Payout>> PayoutCreateClaim(string pullPaymentId, string destination,
        Func<ClaimSnapshot, Result<(Payout Payout, PayoutEvent Created)>> decide,
        Func<Payout, IdempotencyCompletion>? complete, CancellationToken ct)
    {
        CreateCalls++;
        if (!PullPayments.TryGetValue(pullPaymentId, out var pp))
            return Task.FromResult<Result<Payout>>(Failure.Of(ErrorCode.PullPaymentNotFound));
        var claimed = Payouts.Values
            .Where(p => p.PullPaymentId == pullPaymentId && p.State != PayoutState.Cancelled)
            .Sum(p => p.OriginalAmount);
        var snapshot = new ClaimSnapshot(pp, claimed, HasActive(pp.StoreId, destination));
        Snapshots.Add(snapshot);
        var decided = decide(snapshot);
        if (!decided.IsOk)
            return Task.FromResult<Result<Payout>>(decided.Failure!);
        var (payout, created) = decided.Value;
        Insert(payout, created, complete?.Invoke(payout));
        return Task.FromResult<Result<Payout>>(payout);
    }

    public Task<IReadOnlyList<PayoutEvent>> PayoutEventList(string payoutId, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<PayoutEvent>>(Events.Where(e => e.PayoutId == payoutId).ToList());

    public Task<Payout?> PayoutGetById(string payoutId, CancellationToken ct) =>
        Task.FromResult(Payouts.GetValueOrDefault(payoutId));

    public Task<bool> PayoutTransition(Payout next, PayoutEvent changed, CancellationToken ct)
    {
        TransitionCalls++;
        if (ConcurrentWriters.TryDequeue(out var other))
            Payouts[next.Id] = other(Payouts[next.Id]);
        if (Payouts[next.Id].Revision != next.Revision - 1)
            return Task.FromResult(false);
        Payouts[next.Id] = next;
        Events.Add(changed);
        return Task.FromResult(true);
    }

    public Task<bool> PullPaymentArchive(string storeId, string pullPaymentId, Func<Payout, TransitionOutcome> cancel, CancellationToken ct)
    {
        if (!PullPayments.TryGetValue(pullPaymentId, out var pp) || pp.StoreId != storeId)
            return Task.FromResult(false);
        PullPayments[pullPaymentId] = pp with { Archived = true };
        var payouts = Payouts.Values
            .Where(p => p.PullPaymentId == pullPaymentId && p.State is PayoutState.AwaitingApproval or PayoutState.AwaitingPayment)
            .ToList();
        foreach (var payout in payouts)
        {
            if (cancel(payout) is not TransitionOutcome.Changed changed) continue;
            Payouts[payout.Id] = changed.Next;
            Events.Add(changed.Event);
        }
        return Task.FromResult(true);
    }

    public Task PullPaymentCreate(PullPayment pullPayment, IdempotencyCompletion? completion, CancellationToken ct)
    {
        PullPayments.Add(pullPayment.Id, pullPayment);
        if (completion is not null) Completions.Add(completion);
        return Task.CompletedTask;
    }

    public Task<PullPayment?> PullPaymentGetById(string pullPaymentId, CancellationToken ct) =>
        Task.FromResult(PullPayments.GetValueOrDefault(pullPaymentId));

    // PayoutService does not list, nor touch keys, stores or processors; failing loudly shows if that changes.
    public Task<IReadOnlyList<Payout>> PayoutList(PayoutListParams query, CancellationToken ct) => throw new NotSupportedException();
    public Task<IReadOnlyList<PullPayment>> PullPaymentList(PullPaymentListParams query, CancellationToken ct) => throw new NotSupportedException();
    public Task<bool> ApiKeyCreateIfNone(ApiKey key, CancellationToken ct) => throw new NotSupportedException();
    public Task ApiKeyCreate(ApiKey key, IdempotencyCompletion? completion, CancellationToken ct) => throw new NotSupportedException();
    public Task<ApiKey?> ApiKeyGetByHash(string keyHash, CancellationToken ct) => throw new NotSupportedException();
    public Task<ApiKey?> ApiKeyGetById(string id, CancellationToken ct) => throw new NotSupportedException();
    public Task<IReadOnlyList<ApiKey>> ApiKeyList(ListParams page, CancellationToken ct) => throw new NotSupportedException();
    public Task<bool> ApiKeyRevoke(string id, DateTimeOffset now, CancellationToken ct) => throw new NotSupportedException();
    public Task ProcessorDelete(string storeId, PayoutMethodId method, CancellationToken ct) => throw new NotSupportedException();
    public Task<ProcessorSettings?> ProcessorGet(string storeId, PayoutMethodId method, CancellationToken ct) => throw new NotSupportedException();
    public Task<IReadOnlyList<ProcessorSettings>> ProcessorList(string storeId, CancellationToken ct) => throw new NotSupportedException();
    public Task ProcessorUpsert(ProcessorSettings settings, CancellationToken ct) => throw new NotSupportedException();
    public Task StoreCreate(Store store, IdempotencyCompletion? completion, CancellationToken ct) => throw new NotSupportedException();
    public Task<StoreDeleteResult> StoreDelete(string storeId, DateTimeOffset now, CancellationToken ct) => throw new NotSupportedException();
    public Task<Store?> StoreGetById(string storeId, CancellationToken ct) => throw new NotSupportedException();
    public Task<IReadOnlyList<Store>> StoreList(ListParams page, CancellationToken ct) => throw new NotSupportedException();

    private void Insert(Payout payout, PayoutEvent created, IdempotencyCompletion? completion)
    {
        Payouts.Add(payout.Id, payout);
        Events.Add(created);
        if (completion is not null) Completions.Add(completion);
    }

    private bool HasActive(string storeId, string destination) =>
        Payouts.Values.Any(p => p.IsActive && p.StoreId == storeId && p.Destination == destination);
}

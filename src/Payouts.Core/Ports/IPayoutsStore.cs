using Payouts.Core.Auth;
using Payouts.Core.Idempotency;
using Payouts.Core.Payouts;
using Payouts.Core.Processors;
using Payouts.Core.PullPayments;
using Payouts.Core.Stores;

namespace Payouts.Core.Ports;

/// <summary>
/// The durable state of the system. Every method is one transaction. Methods are named table first,
/// verb second, so the interface sorted by name reads like the schema. A create that takes an
/// <see cref="IdempotencyCompletion"/> commits it with its rows, or throws <see cref="IdempotencyLeaseLostException"/>
/// and commits nothing.
/// </summary>
public interface IPayoutsStore
{
    Task<bool> ApiKeyCreateIfNone(ApiKey key, CancellationToken ct);
    Task ApiKeyCreate(ApiKey key, IdempotencyCompletion? completion, CancellationToken ct);
    Task<ApiKey?> ApiKeyGetByHash(string keyHash, CancellationToken ct);
    Task<ApiKey?> ApiKeyGetById(string id, CancellationToken ct);
    Task<IReadOnlyList<ApiKey>> ApiKeyList(ListParams page, CancellationToken ct);
    Task<bool> ApiKeyRevoke(string id, DateTimeOffset now, CancellationToken ct);

    Task<PayoutInsertResult> PayoutCreate(Payout payout, PayoutEvent created, IdempotencyCompletion? completion, CancellationToken ct);

    /// <summary>All or nothing: on a duplicate destination nothing is written and its index is returned.</summary>
    Task<PayoutInsertManyResult> PayoutCreateMany(IReadOnlyList<(Payout Payout, PayoutEvent Created)> payouts,
        IdempotencyCompletion? completion, CancellationToken ct);

    /// <summary>
    /// Under a lock on the pull payment (so claims against it are serialized across nodes), reads a
    /// <see cref="ClaimSnapshot"/>, asks <paramref name="decide"/>, and inserts what it returns.
    /// </summary>
    Task<Result<Payout>> PayoutCreateClaim(string pullPaymentId, string destination,
        Func<ClaimSnapshot, Result<(Payout Payout, PayoutEvent Created)>> decide,
        Func<Payout, IdempotencyCompletion>? complete, CancellationToken ct);

    Task<IReadOnlyList<PayoutEvent>> PayoutEventList(string payoutId, CancellationToken ct);
    Task<Payout?> PayoutGetById(string payoutId, CancellationToken ct);
    Task<IReadOnlyList<Payout>> PayoutList(PayoutListParams query, CancellationToken ct);

    /// <summary>
    /// Writes <paramref name="next"/> and its event if the stored payout is still at <c>next.Revision - 1</c>.
    /// False when another writer got there first: re-read and decide again.
    /// </summary>
    Task<bool> PayoutTransition(Payout next, PayoutEvent changed, CancellationToken ct);

    Task ProcessorDelete(string storeId, Contracts.PayoutMethodId method, CancellationToken ct);
    Task<ProcessorSettings?> ProcessorGet(string storeId, Contracts.PayoutMethodId method, CancellationToken ct);
    Task<IReadOnlyList<ProcessorSettings>> ProcessorList(string storeId, CancellationToken ct);
    Task ProcessorUpsert(ProcessorSettings settings, CancellationToken ct);

    /// <summary>
    /// Archives the pull payment and, in the same transaction, applies <paramref name="cancel"/> to each of its
    /// payouts that has not started to move (AwaitingApproval, AwaitingPayment), writing what it decides.
    /// </summary>
    Task<bool> PullPaymentArchive(string storeId, string pullPaymentId, Func<Payout, TransitionOutcome> cancel, CancellationToken ct);
    Task PullPaymentCreate(PullPayment pullPayment, IdempotencyCompletion? completion, CancellationToken ct);
    Task<PullPayment?> PullPaymentGetById(string pullPaymentId, CancellationToken ct);
    Task<IReadOnlyList<PullPayment>> PullPaymentList(PullPaymentListParams query, CancellationToken ct);

    Task StoreCreate(Store store, IdempotencyCompletion? completion, CancellationToken ct);
    Task<StoreDeleteResult> StoreDelete(string storeId, DateTimeOffset now, CancellationToken ct);
    Task<Store?> StoreGetById(string storeId, CancellationToken ct);
    Task<IReadOnlyList<Store>> StoreList(ListParams page, CancellationToken ct);
}

/// <summary>Idempotency-Key records (see <see cref="IdempotencyRules"/>).</summary>
public interface IIdempotencyStore
{
    Task<IdempotencyBegin> IdempotencyBegin(string scope, string key, string fingerprint, DateTimeOffset now, CancellationToken ct);
    Task<bool> IdempotencyComplete(IdempotencyCompletion completion, CancellationToken ct);
    Task IdempotencyAbandon(string scope, string key, long leaseUntilMs, CancellationToken ct);
    Task<int> IdempotencyDeleteExpired(DateTimeOffset now, int limit, CancellationToken ct);
}

public enum PayoutInsertResult
{
    Inserted,
    DuplicateDestination,
}

/// <param name="DuplicateIndex">The first payout whose destination is already active (in the store or earlier in the batch).</param>
public sealed record PayoutInsertManyResult(bool Inserted, int? DuplicateIndex);

public enum StoreDeleteResult
{
    Deleted,
    NotFound,
    /// <summary>It still owes approved payouts (AwaitingPayment or InProgress).</summary>
    MoneyPending,
}

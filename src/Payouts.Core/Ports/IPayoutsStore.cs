using Payouts.Core.Auth;
using Payouts.Core.Payouts;
using Payouts.Core.PullPayments;
using Payouts.Core.Stores;

namespace Payouts.Core.Ports;

/// <summary>
/// The durable state of the system. Every method is one transaction. Methods are named table first,
/// verb second, so the interface sorted by name reads like the schema.
/// </summary>
public interface IPayoutsStore
{
    Task<bool> ApiKeyCreateIfNone(ApiKey key, CancellationToken ct);
    Task ApiKeyCreate(ApiKey key, CancellationToken ct);
    Task<ApiKey?> ApiKeyGetByHash(string keyHash, CancellationToken ct);

    Task<PayoutInsertResult> PayoutCreate(Payout payout, PayoutEvent created, CancellationToken ct);

    /// <summary>
    /// Under a lock on the pull payment (so claims against it are serialized across nodes), reads a
    /// <see cref="ClaimSnapshot"/>, asks <paramref name="decide"/>, and inserts what it returns.
    /// </summary>
    Task<Result<Payout>> PayoutCreateClaim(string pullPaymentId, string destination,
        Func<ClaimSnapshot, Result<(Payout Payout, PayoutEvent Created)>> decide, CancellationToken ct);

    Task<IReadOnlyList<PayoutEvent>> PayoutEventList(string payoutId, CancellationToken ct);
    Task<Payout?> PayoutGetById(string payoutId, CancellationToken ct);

    /// <summary>
    /// Writes <paramref name="next"/> and its event if the stored payout is still at <c>next.Revision - 1</c>.
    /// False when another writer got there first: re-read and decide again.
    /// </summary>
    Task<bool> PayoutTransition(Payout next, PayoutEvent changed, CancellationToken ct);

    Task PullPaymentCreate(PullPayment pullPayment, CancellationToken ct);
    Task<PullPayment?> PullPaymentGetById(string pullPaymentId, CancellationToken ct);

    Task StoreCreate(Store store, CancellationToken ct);
    Task<Store?> StoreGetById(string storeId, CancellationToken ct);
}

public enum PayoutInsertResult
{
    Inserted,
    DuplicateDestination,
}

using Payouts.Contracts;

namespace Payouts.Core.Payouts;

/// <summary>A validated request for a payout: destination normalized, amount checked by <see cref="Money.Amounts"/>.</summary>
/// <param name="StoreId">Null for an anonymous claim through a pull payment's public link.</param>
/// <param name="Amount">Null claims what remains of the pull payment (required without one).</param>
/// <param name="Approved">Approve at creation (the store route's <c>approved</c>).</param>
public sealed record NewPayout(
    string? StoreId,
    string? PullPaymentId,
    PayoutMethodId MethodId,
    string Destination,
    decimal? Amount,
    bool Approved,
    string? MetadataJson);

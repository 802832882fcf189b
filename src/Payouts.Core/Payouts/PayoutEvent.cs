using Payouts.Contracts;

namespace Payouts.Core.Payouts;

/// <summary>
/// One row of <c>payout_events</c>, written in the same transaction as the change it records.
/// <see cref="Revision"/> is the payout's revision after the change, so a payout's events are 0, 1, 2, … with no gap.
/// </summary>
public sealed record PayoutEvent(
    string PayoutId,
    string StoreId,
    int Revision,
    PayoutState? From,
    PayoutState To,
    string Actor,
    bool ProcessorAuto,
    DateTimeOffset At,
    string? Detail);

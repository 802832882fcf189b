namespace Payouts.Contracts;

/// <summary>The five Greenfield payout states. Names are the wire values; never rename one.</summary>
public enum PayoutState
{
    AwaitingApproval,
    AwaitingPayment,
    InProgress,
    Completed,
    Cancelled,
}

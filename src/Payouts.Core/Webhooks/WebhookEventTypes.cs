using Payouts.Contracts;

namespace Payouts.Core.Webhooks;

/// <summary>BTCPay's payout webhook events and which payout change is which.</summary>
public static class WebhookEventTypes
{
    public const string PayoutCreated = "PayoutCreated";
    public const string PayoutApproved = "PayoutApproved";
    public const string PayoutUpdated = "PayoutUpdated";

    /// <summary>The events a webhook can ask for here; other Greenfield names are accepted and never sent.</summary>
    public static IReadOnlyList<string> All { get; } = [PayoutCreated, PayoutApproved, PayoutUpdated];

    /// <summary>Created (no from-state) → PayoutCreated; AwaitingApproval→AwaitingPayment → PayoutApproved; any other change → PayoutUpdated.</summary>
    public static string For(PayoutState? from, PayoutState to) => (from, to) switch
    {
        (null, _) => PayoutCreated,
        (PayoutState.AwaitingApproval, PayoutState.AwaitingPayment) => PayoutApproved,
        _ => PayoutUpdated,
    };
}

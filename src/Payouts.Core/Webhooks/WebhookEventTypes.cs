using Payouts.Contracts;

namespace Payouts.Core.Webhooks;

/// <summary>BTCPay's payout webhook events and which payout change is which.</summary>
public static class WebhookEventTypes
{
    public const string PayoutCreated = "PayoutCreated";
    public const string PayoutApproved = "PayoutApproved";
    public const string PayoutUpdated = "PayoutUpdated";

    /// <summary>The events this service sends.</summary>
    public static IReadOnlyList<string> All { get; } = [PayoutCreated, PayoutApproved, PayoutUpdated];

    /// <summary>
    /// Every Greenfield event name: a webhook may subscribe to any of them (an integration written for BTCPay keeps working);
    /// only <see cref="All"/> are ever sent here.
    /// </summary>
    public static IReadOnlyList<string> Greenfield { get; } =
    [
        "InvoiceCreated", "InvoiceReceivedPayment", "InvoiceProcessing", "InvoiceExpired", "InvoiceSettled", "InvoiceInvalid",
        "InvoicePaymentSettled", "PaymentRequestCreated", "PaymentRequestUpdated", "PaymentRequestArchived", "PaymentRequestStatusChanged",
        PayoutCreated, PayoutApproved, PayoutUpdated, "SubscriberCreated", "SubscriberCredited", "SubscriberCharged", "SubscriberActivated",
        "SubscriberPhaseChanged", "SubscriberDisabled", "PaymentReminder", "PlanStarted", "SubscriberNeedUpgrade",
    ];

    /// <summary>Created (no from-state) → PayoutCreated; AwaitingApproval→AwaitingPayment → PayoutApproved; any other change → PayoutUpdated.</summary>
    public static string For(PayoutState? from, PayoutState to) => (from, to) switch
    {
        (null, _) => PayoutCreated,
        (PayoutState.AwaitingApproval, PayoutState.AwaitingPayment) => PayoutApproved,
        _ => PayoutUpdated,
    };
}

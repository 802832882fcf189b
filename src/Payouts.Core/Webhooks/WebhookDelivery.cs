namespace Payouts.Core.Webhooks;

public enum WebhookDeliveryState
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>One event for one webhook, tried until delivered or given up.</summary>
/// <param name="LastAttemptAt">When it was last tried (Greenfield <c>deliveryTime</c>); null before the first attempt.</param>
public sealed record WebhookDelivery(
    string Id,
    string WebhookId,
    string StoreId,
    string EventType,
    string? OriginalDeliveryId,
    string Body,
    WebhookDeliveryState State,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    int? HttpCode,
    string? ErrorMessage,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset CreatedAt);

/// <summary>A delivery this node leased, with what it needs to send it.</summary>
/// <param name="Attempts">Attempts made before this one: the record of this attempt is fenced on it.</param>
public sealed record LeasedDelivery(string Id, string WebhookId, string Url, string Secret, bool AutomaticRedelivery, string Body, int Attempts);

/// <summary>What one attempt got: a status (any), or none and an error (network, timeout).</summary>
public sealed record DeliveryAttemptResult(int? HttpCode, string? Error, TimeSpan Duration, DateTimeOffset At);

/// <summary>The fan-out of one pending payout event, as the dispatcher's transaction reads it.</summary>
public sealed record PendingPayoutEvent(long Id, string PayoutId, string StoreId, string? PullPaymentId, Contracts.PayoutState? From,
    Contracts.PayoutState To, DateTimeOffset At);

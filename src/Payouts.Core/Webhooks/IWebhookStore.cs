namespace Payouts.Core.Webhooks;

/// <summary>Webhooks, their deliveries and the outbox (payout events not yet fanned out). Each method is one transaction.</summary>
public interface IWebhookStore
{
    Task WebhookCreate(Webhook webhook, CancellationToken ct);
    Task<Webhook?> WebhookGet(string storeId, string webhookId, CancellationToken ct);
    Task<IReadOnlyList<Webhook>> WebhookList(string storeId, CancellationToken ct);
    Task<bool> WebhookUpdate(Webhook webhook, CancellationToken ct);
    /// <summary>Deletes the webhook with its deliveries.</summary>
    Task<bool> WebhookDelete(string storeId, string webhookId, CancellationToken ct);

    /// <summary>
    /// Takes up to <paramref name="limit"/> pending payout events in id order (one fan-out at a time across nodes), creates one
    /// delivery per enabled webhook of the event's store that accepts its type, and marks the events fanned out — all in one
    /// transaction. Returns the number of events fanned out (0 when none, or another node is fanning out now).
    /// </summary>
    Task<int> FanOut(int limit, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Leases due deliveries that are first in line of their webhook (no earlier delivery of it is pending), skipping ones
    /// another node holds, until <paramref name="now"/> + <paramref name="ttl"/>.
    /// </summary>
    Task<IReadOnlyList<LeasedDelivery>> DeliveryLease(string nodeId, DateTimeOffset now, TimeSpan ttl, int limit, CancellationToken ct);

    /// <summary>
    /// Logs the attempt and, while this node still holds the lease at the attempts it leased, moves the delivery on:
    /// delivered, failed, or pending again at <paramref name="retryAt"/>. False when the lease was lost (the log row stays).
    /// </summary>
    Task<bool> DeliveryRecord(LeasedDelivery leased, string nodeId, DeliveryAttemptResult result, WebhookDeliveryState next,
        DateTimeOffset? retryAt, CancellationToken ct);

    Task<IReadOnlyList<WebhookDelivery>> DeliveryList(string webhookId, int count, CancellationToken ct);
    Task<WebhookDelivery?> DeliveryGet(string webhookId, string deliveryId, CancellationToken ct);

    /// <summary>A new delivery of the same event, queued behind everything already queued for the webhook.</summary>
    Task<WebhookDelivery?> DeliveryRedeliver(string webhookId, string deliveryId, string newDeliveryId, DateTimeOffset now, CancellationToken ct);

    /// <summary>Deletes up to <paramref name="limit"/> deliveries created before <paramref name="cutoff"/>, with their attempts.</summary>
    Task<int> DeliveryPurge(DateTimeOffset cutoff, int limit, CancellationToken ct);
}

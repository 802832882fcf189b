namespace Payouts.Server.Webhooks;

internal static partial class WebhookLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Webhooks: fanned out {Events} payout event(s)")]
    public static partial void FannedOut(ILogger logger, int events);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information,
        Message = "Webhook {WebhookId} delivery {DeliveryId} attempt {Attempt}: {Outcome} (HTTP {HttpCode}, {Error}, {DurationMs} ms)")]
    public static partial void Attempted(ILogger logger, string webhookId, string deliveryId, int attempt, string outcome, int? httpCode,
        string? error, long durationMs);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning,
        Message = "Webhook {WebhookId} delivery {DeliveryId}: lease lost before the outcome was recorded; another node owns it now")]
    public static partial void LeaseLost(ILogger logger, string webhookId, string deliveryId);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "Webhook dispatch failed; retrying next poll")]
    public static partial void DispatchFailed(ILogger logger, Exception ex);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Webhooks: purged {Deliveries} delivery(ies) older than {Days} days")]
    public static partial void Purged(ILogger logger, int deliveries, int days);
}

namespace Payouts.Core.Telemetry;

/// <summary>
/// Span and metric attribute names, one spelling everywhere: dashboards and Jaeger searches break on a renamed tag,
/// not on a renamed variable.
/// </summary>
public static class TelemetryTags
{
    public const string NodeId = "node.id";
    public const string StoreId = "store.id";
    public const string PayoutId = "payout.id";
    public const string PayoutIds = "payout.ids";
    public const string PayoutMethod = "payout.method";
    public const string PayoutState = "payout.state";
    public const string PayoutCommand = "payout.command";
    public const string StateFrom = "payout.state.from";
    public const string StateTo = "payout.state.to";
    public const string AttemptId = "attempt.id";
    public const string Epoch = "processor.epoch";
    public const string ProcessorAuto = "processor_auto";
    public const string BatchSize = "batch.size";
    public const string RailType = "rail.type";
    public const string RailMethod = "rail.method";
    public const string RailOutcome = "rail.outcome";
    public const string WebhookId = "webhook.id";
    public const string WebhookDeliveryId = "webhook.delivery.id";
    public const string WebhookEventType = "webhook.event.type";
    public const string WebhookOutcome = "webhook.outcome";
}

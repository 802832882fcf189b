using System.Diagnostics.Metrics;
using Payouts.Core.Telemetry;

namespace Payouts.Server.Telemetry;

/// <summary>
/// The node's observable gauges. Their callbacks run on the metrics export thread and must not touch the database, so
/// they report the last sample <see cref="TelemetrySampler"/> took. The meter comes from the host's factory: it ends with
/// the host, so a stopped node's gauges stop reporting.
/// </summary>
public sealed class TelemetryGauges
{
    private volatile Sample? _last;

    /// <param name="PayoutCounts">Cluster-wide (every node reports the same counts: aggregate with max, not sum).</param>
    /// <param name="ProcessorLagSeconds">Now − the oldest due, unleased processor's next run; 0 when none waits.</param>
    /// <param name="WebhookBacklog">Null without an <see cref="IWebhookBacklog"/>.</param>
    public sealed record Sample(IReadOnlyList<PayoutCount> PayoutCounts, double ProcessorLagSeconds, long? WebhookBacklog);

    public TelemetryGauges(IMeterFactory meters)
    {
        var meter = meters.Create(PayoutsTelemetry.Name);
        meter.CreateObservableGauge("payouts.count", ObservePayouts, "{payout}", "Payouts by state and payout method");
        meter.CreateObservableGauge("payouts.processor.lag", ObserveLag, "s",
            "How long the oldest due processor has waited for a node to pick it up");
        meter.CreateObservableGauge("payouts.webhooks.backlog", ObserveBacklog, "{delivery}", "Webhook deliveries not yet delivered");
    }

    public Sample? Last => _last;

    public void Update(Sample sample) => _last = sample;

    private IEnumerable<Measurement<long>> ObservePayouts() => _last?.PayoutCounts.Select(c => new Measurement<long>(c.Count,
        new KeyValuePair<string, object?>(TelemetryTags.PayoutState, c.State),
        new KeyValuePair<string, object?>(TelemetryTags.PayoutMethod, c.Method.Value))) ?? [];

    private IEnumerable<Measurement<double>> ObserveLag() => _last is { } s ? [new(s.ProcessorLagSeconds)] : [];

    private IEnumerable<Measurement<long>> ObserveBacklog() => _last?.WebhookBacklog is { } b ? [new(b)] : [];
}

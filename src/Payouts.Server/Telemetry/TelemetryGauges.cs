using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Payouts.Core.Telemetry;

namespace Payouts.Server.Telemetry;

/// <summary>
/// The node's observable gauges. Their callbacks run on the metrics export thread and must not touch the database, so
/// they report the last sample <see cref="TelemetrySampler"/> took. The instruments are process-wide (on Core's meter):
/// the SDK keeps only the first instrument of a name, so per-node instruments would hide all but one node when several
/// run in one process (tests). Each node adds its sample under its id and removes it when the host ends.
/// </summary>
public sealed class TelemetryGauges : IDisposable
{
    private static readonly ConcurrentDictionary<string, Sample> Samples = new(StringComparer.Ordinal);
    private readonly string _nodeId;

    /// <param name="PayoutCounts">Cluster-wide (every node reports the same counts: aggregate with max, not sum).</param>
    /// <param name="ProcessorLagSeconds">Now − the oldest due, unleased processor's next run; 0 when none waits.</param>
    /// <param name="WebhookBacklog">Null without an <see cref="IWebhookBacklog"/>.</param>
    public sealed record Sample(IReadOnlyList<PayoutCount> PayoutCounts, double ProcessorLagSeconds, long? WebhookBacklog);

    static TelemetryGauges()
    {
        var meter = PayoutsTelemetry.Meter;
        meter.CreateObservableGauge("payouts.count", ObservePayouts, "{payout}", "Payouts by state and payout method");
        meter.CreateObservableGauge("payouts.processor.lag", ObserveLag, "s",
            "How long the oldest due processor has waited for a node to pick it up");
        meter.CreateObservableGauge("payouts.webhooks.backlog", ObserveBacklog, "{delivery}", "Webhook deliveries not yet delivered");
    }

    public TelemetryGauges(Microsoft.Extensions.Options.IOptions<Hosting.PayoutsOptions> options) => _nodeId = options.Value.ResolvedNodeId;

    public Sample? Last => Samples.TryGetValue(_nodeId, out var s) ? s : null;

    public void Update(Sample sample) => Samples[_nodeId] = sample;

    public void Dispose() => Samples.TryRemove(_nodeId, out _);

    private static KeyValuePair<string, object?> Node(string nodeId) => new(TelemetryTags.NodeId, nodeId);

    private static IEnumerable<Measurement<long>> ObservePayouts() => Samples.SelectMany(s => s.Value.PayoutCounts.Select(c =>
        new Measurement<long>(c.Count, Node(s.Key),
            new KeyValuePair<string, object?>(TelemetryTags.PayoutState, c.State),
            new KeyValuePair<string, object?>(TelemetryTags.PayoutMethod, c.Method.Value))));

    private static IEnumerable<Measurement<double>> ObserveLag() =>
        Samples.Select(s => new Measurement<double>(s.Value.ProcessorLagSeconds, Node(s.Key)));

    private static IEnumerable<Measurement<long>> ObserveBacklog() =>
        Samples.Where(s => s.Value.WebhookBacklog is not null).Select(s => new Measurement<long>(s.Value.WebhookBacklog!.Value, Node(s.Key)));
}

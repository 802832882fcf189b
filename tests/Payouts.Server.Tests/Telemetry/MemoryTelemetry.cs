using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Payouts.Server.Hosting;

namespace Payouts.Server.Tests.Telemetry;

/// <summary>
/// An in-memory exporter for one node (the InMemory exporter package is not available): spans as they end, and metric
/// points copied at each collection. Listeners are process-wide, so a node's exporter also sees spans other in-process
/// nodes make; tests pick theirs by payout id, trace id or node id.
/// </summary>
public sealed class MemoryTelemetry
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ConcurrentQueue<MetricPoint> _points = new();

    public sealed record MetricPoint(string Name, IReadOnlyDictionary<string, object?> Tags, double Value);

    public IReadOnlyList<Activity> Spans => _spans.ToList();
    public IReadOnlyList<MetricPoint> Points => _points.ToList();

    public TelemetryHook Hook() => new(
        Tracing: t => t.AddProcessor(new SimpleActivityExportProcessor(new SpanExporter(_spans))),
        Metrics: m => m.AddReader(new BaseExportingMetricReader(new PointExporter(_points))));

    private sealed class SpanExporter(ConcurrentQueue<Activity> sink) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var a in batch) sink.Enqueue(a);
            return ExportResult.Success;
        }
    }

    private sealed class PointExporter(ConcurrentQueue<MetricPoint> sink) : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                foreach (ref readonly var p in metric.GetMetricPoints())
                {
                    var tags = new Dictionary<string, object?>();
                    foreach (var t in p.Tags) tags[t.Key] = t.Value;
                    sink.Enqueue(new MetricPoint(metric.Name, tags, Value(metric.MetricType, p)));
                }
            }
            return ExportResult.Success;
        }

        /// <summary>Gauges and sums their value; histograms their count (what the tests ask: was anything recorded).</summary>
        private static double Value(MetricType type, in OpenTelemetry.Metrics.MetricPoint p) => type switch
        {
            MetricType.LongGauge => p.GetGaugeLastValueLong(),
            MetricType.DoubleGauge => p.GetGaugeLastValueDouble(),
            MetricType.LongSum or MetricType.LongSumNonMonotonic => p.GetSumLong(),
            MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => p.GetSumDouble(),
            MetricType.Histogram or MetricType.ExponentialHistogram => p.GetHistogramCount(),
            _ => double.NaN,
        };
    }
}

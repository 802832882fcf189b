using Payouts.Core;
using Payouts.Core.Telemetry;
using Payouts.Server.Hosting;

namespace Payouts.Server.Telemetry;

/// <summary>
/// Takes the gauges' sample every <c>Payouts:Telemetry:SampleIntervalSeconds</c> (default 15): one grouped count of
/// payouts, one read of the oldest due processor, and the webhook backlog when the webhook service registered one. Runs
/// only when metrics are exported somewhere.
/// </summary>
public sealed class TelemetrySampler(
    ITelemetryReads reads, TelemetryGauges gauges, OtlpSignals otlp, IEnumerable<TelemetryHook> hooks, IConfiguration configuration,
    TimeProvider time, ILogger<TelemetrySampler> logger, IWebhookBacklog? backlog = null) : BackgroundService
{
    public const double IntervalSecondsDefault = 15;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!otlp.Metrics && !hooks.Any(h => h.Metrics is not null)) return;
        var seconds = configuration.GetValue("Payouts:Telemetry:SampleIntervalSeconds", IntervalSecondsDefault);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Clamp(seconds, 0.1, 3600)), time);
        do
        {
            try
            {
                gauges.Update(await Sample(stoppingToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not InvariantViolationException)
            {
                // The gauges keep their last sample; the next tick tries again (the schema may not be migrated yet).
                TelemetryLog.SampleFailed(logger, ex);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<TelemetryGauges.Sample> Sample(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var snapshot = await reads.Snapshot(now, ct);
        var lag = snapshot.OldestDueAt is { } due && due < now ? (now - due).TotalSeconds : 0;
        long? webhooks = backlog is null ? null : await backlog.Count(ct);
        return new TelemetryGauges.Sample(snapshot.Payouts, lag, webhooks);
    }
}

internal static partial class TelemetryLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Telemetry sample failed; the gauges report the previous one")]
    public static partial void SampleFailed(ILogger logger, Exception ex);
}

using System.Diagnostics;
using Payouts.Core.Telemetry;

namespace Payouts.Core.Sending;

/// <summary>The span of one attempt the reconciler drives, linked like the run's steps to its payouts' creating traces.</summary>
internal static class ReconcileTelemetry
{
    public static async Task<Activity?> StartAttempt(SendAttempt attempt, string nodeId, ITelemetryReads? reads, CancellationToken ct)
    {
        if (!PayoutsTelemetry.Source.HasListeners()) return null;
        IReadOnlyList<ActivityLink> links = [];
        if (reads is not null)
        {
            try
            {
                links = PayoutsTelemetry.LinksTo((await reads.TraceParents(attempt.Payouts.Select(p => p.PayoutId).ToList(), ct)).Values);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not InvariantViolationException)
            {
                // Telemetry never stops the reconciler: the span only loses its links.
            }
        }
        var span = PayoutsTelemetry.Start("reconcile.attempt", nodeId, links: links);
        if (span is null) return null;
        span.SetTag(TelemetryTags.AttemptId, attempt.Id);
        span.SetTag(TelemetryTags.StoreId, attempt.StoreId);
        span.SetTag(TelemetryTags.PayoutMethod, attempt.MethodId.Value);
        span.SetTag(TelemetryTags.Epoch, attempt.Epoch);
        span.SetTag(TelemetryTags.ProcessorAuto, true);
        span.SetTag(TelemetryTags.BatchSize, attempt.Payouts.Count);
        span.SetTag(TelemetryTags.PayoutIds, attempt.Payouts.Select(p => p.PayoutId).ToArray());
        span.SetTag("attempt.state", attempt.State.ToString());
        return span;
    }
}

using System.Diagnostics;
using Payouts.Core.Telemetry;

namespace Payouts.Core.Sending;

/// <summary>The span of one attempt the reconciler drives, linked like the run's steps to its payouts' creating traces.</summary>
internal static class ReconcileTelemetry
{
    /// <summary>
    /// The creating trace contexts of every payout of the pass, read once: the reconciler runs every few seconds on every
    /// node, and a read per attempt would be most of its I/O. Empty when nobody listens or the read fails.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> TraceParentsOfPass(IReadOnlyList<SendAttempt> unfinished,
        ITelemetryReads? reads, CancellationToken ct)
    {
        if (reads is null || unfinished.Count == 0 || !PayoutsTelemetry.Source.HasListeners()) return new Dictionary<string, string>();
        try
        {
            return await reads.TraceParents(unfinished.SelectMany(a => a.Payouts).Select(p => p.PayoutId).ToList(), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not InvariantViolationException)
        {
            // Telemetry never stops the reconciler: its spans only lose their links.
            return new Dictionary<string, string>();
        }
    }

    public static Activity? StartAttempt(SendAttempt attempt, string nodeId, IReadOnlyDictionary<string, string> traceParents)
    {
        if (!PayoutsTelemetry.Source.HasListeners()) return null;
        var links = PayoutsTelemetry.LinksTo(attempt.Payouts.Select(p => traceParents.GetValueOrDefault(p.PayoutId)));
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

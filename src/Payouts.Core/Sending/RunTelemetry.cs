using System.Diagnostics;
using Payouts.Core.Telemetry;

namespace Payouts.Core.Sending;

/// <summary>
/// The spans and measurements of a processor run, kept out of <see cref="ProcessorRun"/> so the send protocol reads as
/// the protocol. Telemetry never changes what a run does: a failed trace lookup only loses the links.
/// </summary>
internal static class RunTelemetry
{
    public static Activity? StartRun(ProcessorLease lease)
    {
        var span = PayoutsTelemetry.Start("processor.run", lease.NodeId);
        Tag(span, lease);
        return span;
    }

    public static void Ended(Activity? span, ProcessorRun.Summary s)
    {
        if (span is null) return;
        span.SetTag("processor.attempts", s.Attempts);
        span.SetTag("processor.claimed", s.Claimed);
        span.SetTag("processor.succeeded", s.Succeeded);
        span.SetTag("processor.failed", s.Failed);
        span.SetTag("processor.unknown", s.Unknown);
        if (s.IdleReason is not null) span.SetTag("processor.idle_reason", s.IdleReason);
        if (s.LeaseLost) span.SetStatus(ActivityStatusCode.Error, "lease lost");
    }

    /// <summary>A step of the run: claim, prepare, execute or record; linked to the creating traces of its payouts.</summary>
    public static Activity? StartStep(string name, ProcessorLease lease, IReadOnlyList<ActivityLink> links, SendAttempt? attempt = null)
    {
        var span = PayoutsTelemetry.Start(name, lease.NodeId, links: links);
        Tag(span, lease);
        if (span is not null && attempt is not null)
        {
            span.SetTag(TelemetryTags.AttemptId, attempt.Id);
            span.SetTag(TelemetryTags.BatchSize, attempt.Payouts.Count);
            span.SetTag(TelemetryTags.PayoutIds, attempt.Payouts.Select(p => p.PayoutId).ToArray());
        }
        return span;
    }

    /// <summary>Tags the claim, records the batch size, and returns the links the later steps carry.</summary>
    public static async Task<IReadOnlyList<ActivityLink>> Claimed(Activity? span, ClaimResult claim, ProcessorLease lease,
        ITelemetryReads? reads, CancellationToken ct)
    {
        if (claim is not ClaimResult.Claimed { Attempt: var attempt })
        {
            span?.SetTag("processor.claim.result", claim is ClaimResult.LeaseLost ? "lease_lost" : "nothing");
            return [];
        }
        PayoutsTelemetry.BatchSize.Record(attempt.Payouts.Count, new KeyValuePair<string, object?>(TelemetryTags.PayoutMethod, lease.MethodId.Value));
        if (span is null) return [];
        span.SetTag("processor.claim.result", "claimed");
        span.SetTag(TelemetryTags.AttemptId, attempt.Id);
        span.SetTag(TelemetryTags.BatchSize, attempt.Payouts.Count);
        span.SetTag(TelemetryTags.PayoutIds, attempt.Payouts.Select(p => p.PayoutId).ToArray());
        if (reads is null) return [];
        try
        {
            var traceParents = await reads.TraceParents(attempt.Payouts.Select(p => p.PayoutId).ToList(), ct);
            var links = PayoutsTelemetry.LinksTo(traceParents.Values);
            PayoutsTelemetry.AddLinks(span, links);
            return links;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not InvariantViolationException)
        {
            span.AddEvent(new ActivityEvent("trace_links_unavailable"));
            return [];
        }
    }

    public static void Recorded(Activity? span, ProcessorLease lease, IReadOnlyDictionary<string, SendOutcome> outcomes, bool recorded,
        TimeSpan sinceClaim)
    {
        var method = new KeyValuePair<string, object?>(TelemetryTags.PayoutMethod, lease.MethodId.Value);
        if (recorded) PayoutsTelemetry.SendLatency.Record(sinceClaim.TotalSeconds, method);
        if (span is null) return;
        span.SetTag("processor.record.result", recorded ? "recorded" : "lease_lost");
        foreach (var (payoutId, outcome) in outcomes)
            span.AddEvent(new ActivityEvent("payout.outcome", tags: new ActivityTagsCollection
            {
                [TelemetryTags.PayoutId] = payoutId,
                [TelemetryTags.RailOutcome] = TracedRail.OutcomeName(outcome),
            }));
    }

    private static void Tag(Activity? span, ProcessorLease lease)
    {
        if (span is null) return;
        span.SetTag(TelemetryTags.StoreId, lease.StoreId);
        span.SetTag(TelemetryTags.PayoutMethod, lease.MethodId.Value);
        span.SetTag(TelemetryTags.Epoch, lease.Epoch);
        span.SetTag(TelemetryTags.ProcessorAuto, true);
    }
}

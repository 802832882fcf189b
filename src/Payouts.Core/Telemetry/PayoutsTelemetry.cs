using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Payouts.Core.Telemetry;

/// <summary>
/// The service's own spans and instruments. Both live in the BCL, so Core emits them without an OpenTelemetry
/// dependency; the SDK in Payouts.Server subscribes to the name. With no subscriber every call here is a no-op.
/// </summary>
public static class PayoutsTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> and <see cref="Meter"/> name to subscribe to.</summary>
    public const string Name = "Payouts";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    /// <summary>Payouts per claimed attempt (one batch), by payout method.</summary>
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("payouts.batch.size", "{payout}",
        "Payouts claimed into one send attempt");

    /// <summary>Claim to recorded outcome of one attempt in a processor run, by payout method and rail outcome.</summary>
    public static readonly Histogram<double> SendLatency = Meter.CreateHistogram<double>("payouts.send.latency", "s",
        "Time from claiming a batch to recording what the rail answered");

    /// <summary>
    /// The W3C <c>traceparent</c> of the span now running, stored with a payout at creation so every later span about
    /// it (claim, prepare, execute, record — on whichever node) can link back to the request that made it.
    /// </summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C, Recorded: true } a ? a.Id : null;

    /// <summary>Links to the creating traces of payouts, skipping ones stored without (or with an unreadable) trace context.</summary>
    public static IReadOnlyList<ActivityLink> LinksTo(IEnumerable<string?> traceParents)
    {
        var links = new List<ActivityLink>();
        foreach (var tp in traceParents.Distinct(StringComparer.Ordinal))
            if (tp is not null && ActivityContext.TryParse(tp, null, out var context))
                links.Add(new ActivityLink(context));
        return links;
    }

    /// <summary>Adds <paramref name="links"/> to a span that exists already (links known only after it started).</summary>
    public static void AddLinks(Activity? activity, IEnumerable<ActivityLink> links)
    {
        if (activity is null) return;
        foreach (var link in links) activity.AddLink(link);
    }

    /// <summary>A span of this service: internal unless told, tagged with the node so a cluster's spans tell nodes apart.</summary>
    public static Activity? Start(string name, string? nodeId = null, ActivityKind kind = ActivityKind.Internal,
        IEnumerable<ActivityLink>? links = null)
    {
        var activity = Source.StartActivity(name, kind, parentContext: default, tags: null, links: links);
        if (nodeId is not null) activity?.SetTag(TelemetryTags.NodeId, nodeId);
        return activity;
    }

    /// <summary>
    /// The span of one webhook delivery (the webhook delivery service calls this around each POST, and sets
    /// <see cref="TelemetryTags.WebhookOutcome"/> and the status when it knows them). <paramref name="payoutTraceParent"/>:
    /// the payout's stored trace context (<see cref="ITelemetryReads.TraceParents"/>), linked so a delivery shows up on the
    /// payout's journey.
    /// </summary>
    public static Activity? StartWebhookDelivery(string webhookId, string deliveryId, string eventType, string? payoutId,
        string? payoutTraceParent, string? nodeId = null)
    {
        var activity = Start("webhook.deliver", nodeId, ActivityKind.Producer, LinksTo([payoutTraceParent]));
        activity?.SetTag(TelemetryTags.WebhookId, webhookId);
        activity?.SetTag(TelemetryTags.WebhookDeliveryId, deliveryId);
        activity?.SetTag(TelemetryTags.WebhookEventType, eventType);
        if (payoutId is not null) activity?.SetTag(TelemetryTags.PayoutId, payoutId);
        return activity;
    }

    /// <summary>A payout changed state inside the current span: an event with its id and both states.</summary>
    public static void Transitioned(string payoutId, string from, string to) =>
        Activity.Current?.AddEvent(new ActivityEvent("payout.transition", tags: new ActivityTagsCollection
        {
            [TelemetryTags.PayoutId] = payoutId,
            [TelemetryTags.StateFrom] = from,
            [TelemetryTags.StateTo] = to,
        }));

    /// <summary>Marks a span failed with the exception's type (never its message: it may carry a node's address or key).</summary>
    public static void Fail(Activity? activity, Exception ex)
    {
        activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
        activity?.AddException(ex);
    }
}

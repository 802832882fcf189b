using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Payouts.Core;
using Payouts.Core.Sending;
using Payouts.Core.Telemetry;
using Payouts.Core.Webhooks;
using Payouts.Server.Hosting;

namespace Payouts.Server.Webhooks;

/// <summary>
/// On nodes with the <c>webhooks</c> role: fans pending payout events out to deliveries, then attempts the deliveries that
/// are first in line of their webhook under a lease, and records each attempt. At least once: a node killed after the
/// receiver answered and before the outcome was recorded leaves the delivery pending, and it is sent again (same body,
/// same deliveryId) once the lease has expired.
/// </summary>
public sealed class WebhookDispatcher(IWebhookStore store, WebhookSender sender, IFailpoints failpoints, TimeProvider time,
    IOptions<WebhookOptions> options, IOptions<PayoutsOptions> node, ILogger<WebhookDispatcher> logger, ITelemetryReads? telemetry = null)
    : BackgroundService
{
    private const int FanOutBatch = 200;
    private const int PurgeBatch = 1000;
    private DateTimeOffset _nextPurge = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                busy = await RunOnce(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not InvariantViolationException)
            {
                WebhookLog.DispatchFailed(logger, ex);
            }
            if (!busy)
                // Jitter keeps nodes from polling in lockstep.
                await Task.Delay(o.PollInterval + TimeSpan.FromMilliseconds(Random.Shared.Next(0, Math.Max(1, o.PollIntervalMs / 4))), stoppingToken);
        }
    }

    /// <returns>True when there was work: look again at once (the next delivery of a webhook may be due now).</returns>
    public async Task<bool> RunOnce(CancellationToken ct)
    {
        var o = options.Value;
        int fanned;
        var total = 0;
        while ((fanned = await store.FanOut(FanOutBatch, time.GetUtcNow(), ct)) > 0)
            total += fanned;
        if (total > 0) WebhookLog.FannedOut(logger, total);

        var leased = await store.DeliveryLease(node.Value.ResolvedNodeId, time.GetUtcNow(), o.LeaseTtl, o.DeliveriesPerPoll, ct);
        var traceParents = await TraceParentsOf(leased, ct);
        await Task.WhenAll(leased.Select(d => Attempt(d, traceParents, ct)));

        if (time.GetUtcNow() >= _nextPurge)
        {
            var purged = await store.DeliveryPurge(time.GetUtcNow() - o.Retention, PurgeBatch, ct);
            if (purged > 0) WebhookLog.Purged(logger, purged, o.RetentionDays);
            // A full batch means more may be due: purge again next round.
            _nextPurge = purged == PurgeBatch ? time.GetUtcNow() : time.GetUtcNow() + o.PurgeInterval;
        }
        return leased.Count > 0;
    }

    private async Task Attempt(LeasedDelivery delivery, IReadOnlyDictionary<string, string> traceParents, CancellationToken ct)
    {
        using var span = DeliverySpan(delivery, traceParents);
        var result = await sender.Send(delivery, ct);
        failpoints.Hit(FailpointNames.WebhookAfterSend);
        var attempt = delivery.Attempts + 1;
        WebhookDeliveryState next;
        DateTimeOffset? retryAt = null;
        if (WebhookRetry.IsSuccess(result.HttpCode))
            next = WebhookDeliveryState.Delivered;
        else if (WebhookRetry.After(attempt, result.HttpCode, delivery.AutomaticRedelivery) is { } wait)
        {
            next = WebhookDeliveryState.Pending;
            retryAt = time.GetUtcNow() + wait;
        }
        else
            next = WebhookDeliveryState.Failed;
        WebhookLog.Attempted(logger, delivery.WebhookId, delivery.Id, attempt, next.ToString(), result.HttpCode, result.Error,
            (long)result.Duration.TotalMilliseconds);
        span?.SetTag(TelemetryTags.WebhookOutcome, next.ToString());
        if (result.HttpCode is { } code) span?.SetTag("http.response.status_code", code);
        if (next != WebhookDeliveryState.Delivered) span?.SetStatus(ActivityStatusCode.Error, result.Error);
        // The outcome is recorded even while stopping: the receiver already has it.
        if (!await store.DeliveryRecord(delivery, node.Value.ResolvedNodeId, result, next, retryAt, CancellationToken.None))
            WebhookLog.LeaseLost(logger, delivery.WebhookId, delivery.Id);
    }

    /// <summary>
    /// The creating trace contexts of the leased deliveries' payouts, in one read per poll and only while someone listens.
    /// A failed read costs the spans their links, never a delivery.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>> TraceParentsOf(IReadOnlyList<LeasedDelivery> leased, CancellationToken ct)
    {
        if (telemetry is null || leased.Count == 0 || !PayoutsTelemetry.Source.HasListeners()) return new Dictionary<string, string>();
        var payoutIds = leased.Select(d => Describe(d).PayoutId).OfType<string>().ToList();
        try
        {
            return await telemetry.TraceParents(payoutIds, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not InvariantViolationException)
        {
            return new Dictionary<string, string>();
        }
    }

    /// <summary>The delivery's span, linked to its payout's creating trace.</summary>
    private Activity? DeliverySpan(LeasedDelivery delivery, IReadOnlyDictionary<string, string> traceParents)
    {
        if (!PayoutsTelemetry.Source.HasListeners()) return null;
        var (type, payoutId) = Describe(delivery);
        return PayoutsTelemetry.StartWebhookDelivery(delivery.WebhookId, delivery.Id, type ?? "unknown", payoutId,
            payoutId is null ? null : traceParents.GetValueOrDefault(payoutId), node.Value.ResolvedNodeId);
    }

    /// <summary>The event type and payout, read back from the stored body (the fields this service wrote).</summary>
    private static (string? Type, string? PayoutId) Describe(LeasedDelivery delivery)
    {
        try
        {
            using var body = JsonDocument.Parse(delivery.Body);
            return (body.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null,
                body.RootElement.TryGetProperty("payoutId", out var p) ? p.GetString() : null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }
}

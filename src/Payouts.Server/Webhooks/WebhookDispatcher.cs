using Microsoft.Extensions.Options;
using Payouts.Core;
using Payouts.Core.Sending;
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
    IOptions<WebhookOptions> options, IOptions<PayoutsOptions> node, ILogger<WebhookDispatcher> logger) : BackgroundService
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
        await Task.WhenAll(leased.Select(d => Attempt(d, ct)));

        if (time.GetUtcNow() >= _nextPurge)
        {
            var purged = await store.DeliveryPurge(time.GetUtcNow() - o.Retention, PurgeBatch, ct);
            if (purged > 0) WebhookLog.Purged(logger, purged, o.RetentionDays);
            // A full batch means more may be due: purge again next round.
            _nextPurge = purged == PurgeBatch ? time.GetUtcNow() : time.GetUtcNow() + o.PurgeInterval;
        }
        return leased.Count > 0;
    }

    private async Task Attempt(LeasedDelivery delivery, CancellationToken ct)
    {
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
        // The outcome is recorded even while stopping: the receiver already has it.
        if (!await store.DeliveryRecord(delivery, node.Value.ResolvedNodeId, result, next, retryAt, CancellationToken.None))
            WebhookLog.LeaseLost(logger, delivery.WebhookId, delivery.Id);
    }
}

using System.Data.Common;
using Dapper;
using Payouts.Core;
using Payouts.Core.Webhooks;

namespace Payouts.Storage;

/// <summary><see cref="IWebhookStore"/> for both engines; payout_events is the outbox (migration 0006).</summary>
public sealed class SqlWebhookStore(Database db) : IWebhookStore
{
    public async Task WebhookCreate(Webhook webhook, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        await c.ExecuteAsync(Cmd("WebhookCreate", WebhookRow.Params(webhook), ct: ct));
    }

    public async Task<Webhook?> WebhookGet(string storeId, string webhookId, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        var row = await c.QuerySingleOrDefaultAsync<WebhookRow>(Cmd("WebhookGet", new { Id = webhookId, StoreId = storeId }, ct: ct));
        return row?.ToDomain();
    }

    public async Task<IReadOnlyList<Webhook>> WebhookList(string storeId, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        var rows = await c.QueryAsync<WebhookRow>(Cmd("WebhookList", new { StoreId = storeId }, ct: ct));
        return rows.Select(r => r.ToDomain()).ToList();
    }

    public async Task<bool> WebhookUpdate(Webhook webhook, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        return await c.ExecuteAsync(Cmd("WebhookUpdate", WebhookRow.Params(webhook), ct: ct)) == 1;
    }

    public async Task<bool> WebhookDelete(string storeId, string webhookId, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        await using var tx = await db.BeginWrite(c, ct);
        // Queue order lock first: a fan-out must not add a delivery for a webhook that is going away under it.
        await c.ExecuteAsync(Cmd("WebhookOrderLock", tx: tx, ct: ct));
        var deleted = await c.ExecuteAsync(Cmd("WebhookDelete", new { Id = webhookId, StoreId = storeId }, tx, ct)) == 1;
        await tx.CommitAsync(ct);
        return deleted;
    }

    public async Task<int> FanOut(int limit, DateTimeOffset now, CancellationToken ct)
    {
        Invariant.Ensure(limit > 0);
        await using var c = await db.Open(ct);
        if (!await c.ExecuteScalarAsync<bool>(Cmd("PayoutEventAnyWebhooksPending", ct: ct)))
            return 0;
        await using var tx = await db.BeginWrite(c, ct);
        if (!await c.ExecuteScalarAsync<bool>(Cmd("WebhookFanOutTryLock", tx: tx, ct: ct)))
            return 0;
        var events = (await c.QueryAsync<PendingEventRow>(Cmd("PayoutEventListWebhooksPending", new { Limit = limit }, tx, ct)))
            .Select(r => r.ToDomain()).ToList();
        if (events.Count == 0)
            return 0;
        var storeIds = events.Select(e => e.StoreId).Distinct(StringComparer.Ordinal).ToArray();
        var webhooks = (await c.QueryAsync<WebhookRow>(Cmd("WebhookListEnabledOfStores", new { StoreIds = storeIds }, tx, ct)))
            .Select(r => r.ToDomain()).ToLookup(w => w.StoreId, StringComparer.Ordinal);
        var nowMs = now.ToUnixTimeMilliseconds();
        foreach (var e in events)
        {
            var type = WebhookEventTypes.For(e.From, e.To);
            foreach (var webhook in webhooks[e.StoreId].Where(w => w.Accepts(type)))
            {
                var deliveryId = Ids.New();
                var body = WebhookEventBody.Build(deliveryId, webhook.Id, deliveryId, false, type, e.At, e.StoreId, e.PayoutId, e.PullPaymentId,
                    e.To.ToString());
                await c.ExecuteAsync(Cmd("WebhookDeliveryCreate", new
                {
                    Id = deliveryId, WebhookId = webhook.Id, e.StoreId, EventId = e.Id, EventType = type, OriginalDeliveryId = (string?)null,
                    Body = body, NextAttemptAtMs = nowMs, CreatedAtMs = nowMs,
                }, tx, ct));
            }
        }
        var marked = await c.ExecuteAsync(Cmd("PayoutEventMarkFannedOut", new { Ids = events.Select(e => e.Id).ToArray() }, tx, ct));
        Invariant.Ensure(marked == events.Count);
        await tx.CommitAsync(ct);
        return events.Count;
    }

    public async Task<IReadOnlyList<LeasedDelivery>> DeliveryLease(string nodeId, DateTimeOffset now, TimeSpan ttl, int limit, CancellationToken ct)
    {
        Invariant.Ensure(limit > 0);
        Invariant.Ensure(ttl > TimeSpan.Zero);
        await using var c = await db.Open(ct);
        if (!await c.ExecuteScalarAsync<bool>(Cmd("WebhookDeliveryAnyDue", new { NowMs = now.ToUnixTimeMilliseconds() }, ct: ct)))
            return [];
        await using var tx = await db.BeginWrite(c, ct);
        var ids = (await c.QueryAsync<string>(Cmd("WebhookDeliveryLease", new
        {
            NodeId = nodeId, NowMs = now.ToUnixTimeMilliseconds(), LeaseUntilMs = (now + ttl).ToUnixTimeMilliseconds(), Limit = limit,
        }, tx, ct))).ToArray();
        if (ids.Length == 0)
            return [];
        var leased = (await c.QueryAsync<LeasedDeliveryRow>(Cmd("WebhookDeliveryGetLeased", new { Ids = ids }, tx, ct)))
            .Select(r => r.ToDomain()).ToList();
        await tx.CommitAsync(ct);
        return leased;
    }

    public async Task<bool> DeliveryRecord(LeasedDelivery leased, string nodeId, DeliveryAttemptResult result, WebhookDeliveryState next,
        DateTimeOffset? retryAt, CancellationToken ct)
    {
        Invariant.Ensure(next != WebhookDeliveryState.Pending || retryAt is not null);
        await using var c = await db.Open(ct);
        await using var tx = await db.BeginWrite(c, ct);
        var atMs = result.At.ToUnixTimeMilliseconds();
        await c.ExecuteAsync(Cmd("WebhookDeliveryAttemptCreate", new
        {
            DeliveryId = leased.Id, NodeId = nodeId, AtMs = atMs, result.HttpCode, ErrorMessage = result.Error,
            DurationMs = (long)result.Duration.TotalMilliseconds,
        }, tx, ct));
        var moved = await c.ExecuteAsync(Cmd("WebhookDeliveryRecord", new
        {
            leased.Id, NodeId = nodeId, leased.Attempts, State = WebhookDeliveryRow.StateName(next),
            NextAttemptAtMs = (retryAt ?? result.At).ToUnixTimeMilliseconds(), result.HttpCode, ErrorMessage = result.Error, AtMs = atMs,
        }, tx, ct));
        Invariant.Ensure(moved is 0 or 1);
        await tx.CommitAsync(ct);
        return moved == 1;
    }

    public async Task<IReadOnlyList<WebhookDelivery>> DeliveryList(string webhookId, int count, CancellationToken ct)
    {
        Invariant.Ensure(count > 0);
        await using var c = await db.Open(ct);
        var rows = await c.QueryAsync<WebhookDeliveryRow>(Cmd("WebhookDeliveryList", new { WebhookId = webhookId, Count = count }, ct: ct));
        return rows.Select(r => r.ToDomain()).ToList();
    }

    public async Task<WebhookDelivery?> DeliveryGet(string webhookId, string deliveryId, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        var row = await c.QuerySingleOrDefaultAsync<WebhookDeliveryRow>(Cmd("WebhookDeliveryGet", new { WebhookId = webhookId, Id = deliveryId }, ct: ct));
        return row?.ToDomain();
    }

    public async Task<WebhookDelivery?> DeliveryRedeliver(string webhookId, string deliveryId, string newDeliveryId, DateTimeOffset now,
        CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        await using var tx = await db.BeginWrite(c, ct);
        await c.ExecuteAsync(Cmd("WebhookOrderLock", tx: tx, ct: ct));
        var original = await c.QuerySingleOrDefaultAsync<WebhookDeliveryRow>(Cmd("WebhookDeliveryGet", new { WebhookId = webhookId, Id = deliveryId }, tx, ct));
        if (original is null)
            return null;
        // A redelivery of a redelivery still names the first delivery of the event.
        var originalId = original.OriginalDeliveryId ?? original.Id;
        var nowMs = now.ToUnixTimeMilliseconds();
        await c.ExecuteAsync(Cmd("WebhookDeliveryCreate", new
        {
            Id = newDeliveryId, WebhookId = webhookId, original.StoreId, original.EventId, original.EventType, OriginalDeliveryId = originalId,
            Body = WebhookEventBody.AsRedelivery(original.Body, newDeliveryId, originalId, now), NextAttemptAtMs = nowMs, CreatedAtMs = nowMs,
        }, tx, ct));
        var created = await c.QuerySingleAsync<WebhookDeliveryRow>(Cmd("WebhookDeliveryGet", new { WebhookId = webhookId, Id = newDeliveryId }, tx, ct));
        await tx.CommitAsync(ct);
        return created.ToDomain();
    }

    public async Task<int> DeliveryPurge(DateTimeOffset cutoff, int limit, CancellationToken ct)
    {
        Invariant.Ensure(limit > 0);
        await using var c = await db.Open(ct);
        return await c.ExecuteAsync(Cmd("WebhookDeliveryPurge", new { CutoffMs = cutoff.ToUnixTimeMilliseconds(), Limit = limit }, ct: ct));
    }

    private CommandDefinition Cmd(string name, object? args = null, DbTransaction? tx = null, CancellationToken ct = default) =>
        new(db.Sql[name], args, tx, cancellationToken: ct);
}

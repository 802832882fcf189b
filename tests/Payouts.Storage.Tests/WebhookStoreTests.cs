using System.Text.Json.Nodes;
using Dapper;
using Payouts.Contracts;
using Payouts.Core.Payouts;
using Payouts.Core.Webhooks;
using Payouts.Storage.Tests.Support;

namespace Payouts.Storage.Tests;

/// <summary>
/// The webhook outbox and delivery queue (migration 0006), written once and run on both engines: fan-out happens once per
/// payout event and only for committed events, a delivery is leased by one claimer at a time, a webhook's deliveries go in
/// order, records are fenced by the lease, redeliveries queue behind, and old deliveries are purged.
/// </summary>
public abstract class WebhookStoreTests : EngineTestBase
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(1);

    private sealed record World(Database Db, string ConnectionString, SqlPayoutsStore Payouts, SqlWebhookStore Webhooks);

    private async Task<World> NewWorldAsync(params string[] stores)
    {
        var (db, cs) = await NewDatabaseAsync();
        var payouts = new SqlPayoutsStore(db);
        foreach (var s in stores.Length == 0 ? ["s1"] : stores)
            await payouts.StoreCreate(new Core.Stores.Store(s, s, T0), null, Ct);
        return new World(db, cs, payouts, new SqlWebhookStore(db));
    }

    private static Webhook Hook(string id, string storeId, bool enabled = true, params string[] events) =>
        new(id, storeId, $"https://example.com/{id}", "secret", enabled, AutomaticRedelivery: true, Everything: events.Length == 0, events, T0, T0);

    private static Payout NewPayout(string id, string storeId, PayoutState state = PayoutState.AwaitingApproval) => new()
    {
        Id = id,
        StoreId = storeId,
        MethodId = PayoutMethodId.BtcChain,
        Destination = Addresses.For(id),
        OriginalAmount = 0.001m,
        OriginalCurrency = "BTC",
        PayoutCurrency = "BTC",
        PayoutAmount = 0.001m,
        Rate = 1m,
        State = state,
        Revision = 0,
        CreatedAt = T0,
        UpdatedAt = T0,
    };

    private static PayoutEvent Created(Payout p) => new(p.Id, p.StoreId, 0, null, p.State, "api-key:t", false, p.CreatedAt, "created");

    private async Task<Payout> CreateAsync(World w, string id, string storeId = "s1")
    {
        var p = NewPayout(id, storeId);
        await w.Payouts.PayoutCreate(p, Created(p), null, Ct);
        return p;
    }

    private async Task<Payout> ApproveAsync(World w, Payout p)
    {
        var next = p with { State = PayoutState.AwaitingPayment, Revision = p.Revision + 1 };
        Assert.True(await w.Payouts.PayoutTransition(next,
            new PayoutEvent(p.Id, p.StoreId, next.Revision, p.State, next.State, "api-key:t", false, T0, "approved"), Ct));
        return next;
    }

    /// <summary>Leases the one due delivery of the world (asserting there is exactly one) for <paramref name="node"/>.</summary>
    private async Task<LeasedDelivery> LeaseOneAsync(World w, string node = "node-a", DateTimeOffset? now = null) =>
        Assert.Single(await w.Webhooks.DeliveryLease(node, now ?? T0, Ttl, 10, Ct));

    private static DeliveryAttemptResult Answer(int? status, DateTimeOffset? at = null) =>
        new(status, status is >= 200 and < 300 ? null : "failed", TimeSpan.FromMilliseconds(12), at ?? T0);

    private static JsonNode Json(string body) => JsonNode.Parse(body)!;

    [StoreFact]
    public async Task EachEventBecomesOneDeliveryPerEnabledWebhookOfItsStoreThatWantsIt()
    {
        var w = await NewWorldAsync("s1", "s2");
        await w.Webhooks.WebhookCreate(Hook("all", "s1"), Ct);
        await w.Webhooks.WebhookCreate(Hook("approvals", "s1", true, WebhookEventTypes.PayoutApproved), Ct);
        await w.Webhooks.WebhookCreate(Hook("off", "s1", enabled: false), Ct);
        await w.Webhooks.WebhookCreate(Hook("other", "s2"), Ct);
        var p = await CreateAsync(w, "p1");
        await ApproveAsync(w, p);

        Assert.Equal(2, await w.Webhooks.FanOut(100, T0, Ct));
        Assert.Equal(0, await w.Webhooks.FanOut(100, T0, Ct));

        var all = (await w.Webhooks.DeliveryList("all", 10, Ct)).Reverse().ToList();
        Assert.Equal([WebhookEventTypes.PayoutCreated, WebhookEventTypes.PayoutApproved], all.Select(d => d.EventType));
        var approved = Json(all[1].Body);
        Assert.Equal(all[1].Id, approved["deliveryId"]!.GetValue<string>());
        Assert.Equal(all[1].Id, approved["originalDeliveryId"]!.GetValue<string>());
        Assert.False(approved["isRedelivery"]!.GetValue<bool>());
        Assert.Equal("all", approved["webhookId"]!.GetValue<string>());
        Assert.Equal("s1", approved["storeId"]!.GetValue<string>());
        Assert.Equal("p1", approved["payoutId"]!.GetValue<string>());
        Assert.Equal("AwaitingPayment", approved["payoutState"]!.GetValue<string>());
        Assert.Equal(WebhookEventTypes.PayoutApproved, Assert.Single(await w.Webhooks.DeliveryList("approvals", 10, Ct)).EventType);
        Assert.Empty(await w.Webhooks.DeliveryList("off", 10, Ct));
        Assert.Empty(await w.Webhooks.DeliveryList("other", 10, Ct));
    }

    [StoreFact]
    public async Task AChangeThatRollsBackLeavesNothingToFanOut()
    {
        var w = await NewWorldAsync();
        await w.Webhooks.WebhookCreate(Hook("all", "s1"), Ct);
        var p = await CreateAsync(w, "p1");
        Assert.Equal(1, await w.Webhooks.FanOut(100, T0, Ct));

        // A batch with a duplicate destination rolls back as a whole: its events were never committed.
        var a = NewPayout("p2", "s1");
        var b = NewPayout("p3", "s1") with { Destination = a.Destination };
        Assert.False((await w.Payouts.PayoutCreateMany([(a, Created(a)), (b, Created(b))], null, Ct)).Inserted);
        // A transition from a stale revision writes neither the payout nor its event.
        var stale = p with { State = PayoutState.Cancelled, Revision = 5 };
        Assert.False(await w.Payouts.PayoutTransition(stale,
            new PayoutEvent(p.Id, p.StoreId, 5, PayoutState.AwaitingApproval, PayoutState.Cancelled, "api-key:t", false, T0, null), Ct));

        Assert.Equal(0, await w.Webhooks.FanOut(100, T0, Ct));
        Assert.Single(await w.Webhooks.DeliveryList("all", 10, Ct));
    }

    [StoreFact]
    public async Task EventsFromBeforeTheMigrationAreNotSent()
    {
        var w = await NewWorldAsync();
        await CreateAsync(w, "p1");
        // As migration 0006 leaves rows that existed before it.
        await using (var c = await w.Db.Open(Ct))
            await c.ExecuteAsync(Provider == DatabaseProvider.Postgres
                ? "UPDATE payout_events SET webhooks_pending = false" : "UPDATE payout_events SET webhooks_pending = 0");
        await w.Webhooks.WebhookCreate(Hook("all", "s1"), Ct);
        Assert.Equal(0, await w.Webhooks.FanOut(100, T0, Ct));
        Assert.Empty(await w.Webhooks.DeliveryList("all", 10, Ct));
    }

    [StoreFact]
    public async Task AWebhooksNextDeliveryWaitsUntilTheEarlierOneIsDeliveredOrGivenUp()
    {
        var w = await NewWorldAsync();
        await w.Webhooks.WebhookCreate(Hook("all", "s1"), Ct);
        var p = await CreateAsync(w, "p1");
        await ApproveAsync(w, p);
        await CreateAsync(w, "p2");
        await w.Webhooks.FanOut(100, T0, Ct);

        var first = await LeaseOneAsync(w);
        Assert.Equal(WebhookEventTypes.PayoutCreated, Json(first.Body)["type"]!.GetValue<string>());
        Assert.Equal("p1", Json(first.Body)["payoutId"]!.GetValue<string>());
        // A 500: retried in 10 s, and until then nothing behind it goes, even with the lease given back.
        Assert.True(await w.Webhooks.DeliveryRecord(first, "node-a", Answer(500), WebhookDeliveryState.Pending, T0.AddSeconds(10), Ct));
        Assert.Empty(await w.Webhooks.DeliveryLease("node-b", T0.AddSeconds(5), Ttl, 10, Ct));
        var retried = await LeaseOneAsync(w, "node-b", T0.AddSeconds(10));
        Assert.Equal(first.Id, retried.Id);
        Assert.Equal(1, retried.Attempts);
        Assert.Equal(first.Body, retried.Body);
        Assert.True(await w.Webhooks.DeliveryRecord(retried, "node-b", Answer(200), WebhookDeliveryState.Delivered, null, Ct));

        var second = await LeaseOneAsync(w, "node-a", T0.AddSeconds(11));
        Assert.Equal(WebhookEventTypes.PayoutApproved, Json(second.Body)["type"]!.GetValue<string>());
        // Given up (a 404 is not retried): the next one goes.
        Assert.True(await w.Webhooks.DeliveryRecord(second, "node-a", Answer(404), WebhookDeliveryState.Failed, null, Ct));
        var third = await LeaseOneAsync(w, "node-a", T0.AddSeconds(12));
        Assert.Equal("p2", Json(third.Body)["payoutId"]!.GetValue<string>());

        var listed = await w.Webhooks.DeliveryList("all", 10, Ct);
        Assert.Equal([WebhookDeliveryState.Pending, WebhookDeliveryState.Failed, WebhookDeliveryState.Delivered], listed.Select(d => d.State));
        Assert.Equal(2, listed[2].Attempts);
        Assert.Equal(200, listed[2].HttpCode);
    }

    [StoreFact]
    public async Task ALeaseHolderThatOverranItsLeaseCannotRecordOverTheNextHolder()
    {
        var w = await NewWorldAsync();
        await w.Webhooks.WebhookCreate(Hook("all", "s1"), Ct);
        await CreateAsync(w, "p1");
        await w.Webhooks.FanOut(100, T0, Ct);

        var a = await LeaseOneAsync(w, "node-a");
        Assert.Empty(await w.Webhooks.DeliveryLease("node-b", T0 + Ttl / 2, Ttl, 10, Ct));
        var b = await LeaseOneAsync(w, "node-b", T0 + Ttl);
        Assert.Equal(a.Id, b.Id);
        Assert.False(await w.Webhooks.DeliveryRecord(a, "node-a", Answer(200), WebhookDeliveryState.Delivered, null, Ct));
        Assert.True(await w.Webhooks.DeliveryRecord(b, "node-b", Answer(200), WebhookDeliveryState.Delivered, null, Ct));
        // Both attempts are in the log.
        await using var c = await w.Db.Open(Ct);
        Assert.Equal(2, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM webhook_delivery_attempts"));
    }

    [StoreFact]
    public async Task RacingClaimersNeverLeaseOneDeliveryTwice()
    {
        const int Webhooks = 8;
        var w = await NewWorldAsync();
        for (var i = 0; i < Webhooks; i++)
            await w.Webhooks.WebhookCreate(Hook($"h{i}", "s1"), Ct);
        var p1 = await CreateAsync(w, "p1");
        await ApproveAsync(w, p1);
        await CreateAsync(w, "p2");
        await w.Webhooks.FanOut(100, T0, Ct);

        // Each claimer has its own pool, like a node. Only each webhook's first delivery may be leased.
        var stores = Enumerable.Range(0, 8).Select(_ => new SqlWebhookStore(Connect(w.ConnectionString))).ToList();
        var leased = await RunTogether(stores.Select((s, i) => (Func<Task<IReadOnlyList<LeasedDelivery>>>)(() =>
            s.DeliveryLease($"node-{i}", T0, Ttl, 3, Ct))));
        var ids = leased.SelectMany(l => l.Select(d => d.Id)).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(Webhooks, ids.Count);
        Assert.All(leased.SelectMany(l => l), d => Assert.Equal("p1", Json(d.Body)["payoutId"]!.GetValue<string>()));
        Assert.All(leased.SelectMany(l => l), d => Assert.Equal(WebhookEventTypes.PayoutCreated, Json(d.Body)["type"]!.GetValue<string>()));
    }

    [StoreFact]
    public async Task ARedeliveryQueuesBehindWhatIsQueuedAndNamesTheOriginal()
    {
        var w = await NewWorldAsync();
        await w.Webhooks.WebhookCreate(Hook("all", "s1"), Ct);
        await CreateAsync(w, "p1");
        await w.Webhooks.FanOut(100, T0, Ct);
        var first = await LeaseOneAsync(w);
        Assert.True(await w.Webhooks.DeliveryRecord(first, "node-a", Answer(200), WebhookDeliveryState.Delivered, null, Ct));
        await CreateAsync(w, "p2");
        await w.Webhooks.FanOut(100, T0, Ct);

        var again = await w.Webhooks.DeliveryRedeliver("all", first.Id, "redelivery-1", T0.AddMinutes(1), Ct);
        Assert.NotNull(again);
        Assert.Null(await w.Webhooks.DeliveryRedeliver("all", "nope", "redelivery-2", T0, Ct));
        var body = Json(again.Body);
        Assert.Equal("redelivery-1", body["deliveryId"]!.GetValue<string>());
        Assert.Equal(first.Id, body["originalDeliveryId"]!.GetValue<string>());
        Assert.True(body["isRedelivery"]!.GetValue<bool>());
        Assert.Equal(Json(first.Body)["type"]!.GetValue<string>(), body["type"]!.GetValue<string>());

        var p2 = await LeaseOneAsync(w, "node-a", T0.AddMinutes(1));
        Assert.Equal("p2", Json(p2.Body)["payoutId"]!.GetValue<string>());
        Assert.True(await w.Webhooks.DeliveryRecord(p2, "node-a", Answer(200), WebhookDeliveryState.Delivered, null, Ct));
        Assert.Equal("redelivery-1", (await LeaseOneAsync(w, "node-a", T0.AddMinutes(1))).Id);
    }

    [StoreFact]
    public async Task PurgeDeletesDeliveriesOlderThanTheCutoffWithTheirAttempts()
    {
        var w = await NewWorldAsync();
        await w.Webhooks.WebhookCreate(Hook("all", "s1"), Ct);
        await CreateAsync(w, "p1");
        await w.Webhooks.FanOut(100, T0, Ct);
        var old = await LeaseOneAsync(w);
        Assert.True(await w.Webhooks.DeliveryRecord(old, "node-a", Answer(200), WebhookDeliveryState.Delivered, null, Ct));
        await CreateAsync(w, "p2");
        await w.Webhooks.FanOut(100, T0.AddDays(61), Ct);

        Assert.Equal(1, await w.Webhooks.DeliveryPurge(T0.AddDays(1), 100, Ct));
        var left = Assert.Single(await w.Webhooks.DeliveryList("all", 10, Ct));
        Assert.Equal("p2", Json(left.Body)["payoutId"]!.GetValue<string>());
        Assert.Null(await w.Webhooks.DeliveryGet("all", old.Id, Ct));
        await using var c = await w.Db.Open(Ct);
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM webhook_delivery_attempts"));
    }

    [StoreFact]
    public async Task DeletingAWebhookDeletesItsDeliveries()
    {
        var w = await NewWorldAsync();
        await w.Webhooks.WebhookCreate(Hook("all", "s1"), Ct);
        await CreateAsync(w, "p1");
        await w.Webhooks.FanOut(100, T0, Ct);
        Assert.True(await w.Webhooks.WebhookDelete("s1", "all", Ct));
        Assert.False(await w.Webhooks.WebhookDelete("s1", "all", Ct));
        await using var c = await w.Db.Open(Ct);
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM webhook_deliveries"));
    }
}

public sealed class SqliteWebhookStoreTests : WebhookStoreTests
{
    private readonly SqliteEngine _engine = new();
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override Task<string> CreateEmptyDatabaseAsync() => _engine.CreateAsync();
    protected override Task DeleteDatabasesAsync() => _engine.DeleteAsync();
}

[UsesPostgres]
public sealed class PostgresWebhookStoreTests : WebhookStoreTests
{
    private readonly PostgresEngine _engine = new();
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;
    protected override Task<string> CreateEmptyDatabaseAsync() => _engine.CreateAsync(Ct);
    protected override Task DeleteDatabasesAsync() => _engine.DeleteAsync();
}

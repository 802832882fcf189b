using System.Net;
using System.Text;
using Dapper;
using Payouts.Server.Tests.Support;
using Payouts.Storage;
using static Payouts.Server.Tests.Support.SandboxHttp;

namespace Payouts.Server.Tests.Webhooks;

/// <summary>
/// Webhooks end to end on one in-process node and a real HTTP receiver: a payout's whole life arrives signed and in order,
/// a receiver that fails gets everything on the retry schedule (the clock moved by the test), a manual redelivery arrives
/// marked as one, and bad webhook input changes nothing.
/// </summary>
public sealed class WebhookEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // Proves: the events of a payout's life (created → approved → InProgress → Completed, moved by the sandbox processor)
    // reach the receiver exactly once each, in that order, each signed with the webhook's secret over the exact body, with
    // BTCPay's fields; and the delivery API reports them delivered with the very bytes that were sent.
    [Fact]
    public async Task APayoutsLifeArrivesInOrderSignedWithBtcpaysFields()
    {
        await using var receiver = await WebhookReceiver.Start();
        await using var node = new WebhookNode();
        using var admin = node.Admin();
        var storeId = await Http.CreateStore(admin);
        var webhookId = await Hooks.Create(admin, storeId, receiver, "life", secret: "s3cr3t");
        await PutProcessor(admin, storeId, Chain);
        var payout = await Http.CreatePayout(admin, storeId, Http.Address(1), "0.001", Chain);
        var payoutId = payout["id"]!.GetValue<string>();
        await Http.Expect(await Http.Approve(admin, storeId, payoutId, 0), HttpStatusCode.OK);

        await WaitUntil(() => Task.FromResult(Hooks.Delivered(receiver, "life").Count >= 4), Timeout,
            () => Task.FromResult($"received: {string.Join(", ", receiver.Received.Select(r => $"{r.Type}/{r.PayoutState}"))}"));

        var received = receiver.Received.Where(r => r.Hook == "life").ToList();
        Assert.Equal(
            [("PayoutCreated", "AwaitingApproval"), ("PayoutApproved", "AwaitingPayment"), ("PayoutUpdated", "InProgress"), ("PayoutUpdated", "Completed")],
            received.Select(r => (r.Type, r.PayoutState)));
        Assert.All(received, r => Assert.True(r.SignatureValid, "BTCPay-Sig must be the HMAC of the body under the secret"));
        Assert.Equal(4, received.Select(r => r.DeliveryId).Distinct().Count());
        foreach (var r in received)
        {
            var json = r.Json;
            Assert.Equal(webhookId, json["webhookId"]!.GetValue<string>());
            Assert.Equal(storeId, json["storeId"]!.GetValue<string>());
            Assert.Equal(payoutId, json["payoutId"]!.GetValue<string>());
            Assert.Null(json["pullPaymentId"]);
            Assert.Equal(r.DeliveryId, json["originalDeliveryId"]!.GetValue<string>());
            Assert.False(json["isRedelivery"]!.GetValue<bool>());
            Assert.True(json["timestamp"]!.GetValue<long>() > 1_600_000_000);
        }

        var deliveries = await Hooks.Deliveries(admin, storeId, webhookId);
        Assert.Equal(4, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal("HttpSuccess", d!["status"]!.GetValue<string>()));
        Assert.All(deliveries, d => Assert.Equal(200, d!["httpCode"]!.GetValue<int>()));
        var first = received[0];
        using var request = await admin.GetAsync($"{Hooks.Path(storeId, webhookId)}/deliveries/{first.DeliveryId}/request");
        Assert.Equal(first.Body, await request.Content.ReadAsByteArrayAsync());
    }

    // Proves: with a receiver that answers 500 three times and then recovers, the first event is attempted on BTCPay's
    // schedule (at once, +10 s, +1 min, +10 min; the clock is moved, nothing sleeps), the second event waits behind it,
    // both end delivered in order, every attempt is logged, and a manual redelivery of the first arrives afterwards with
    // isRedelivery, a new delivery id and the original's id.
    [Fact]
    public async Task AReceiverThatFailsThenRecoversGetsEveryEventInOrderAndARedelivery()
    {
        var clock = new ShiftedTimeProvider();
        await using var receiver = await WebhookReceiver.Start();
        await using var node = new WebhookNode(clock);
        using var admin = node.Admin();
        var failing = true;
        receiver.Answer = (_, _) => Task.FromResult(Volatile.Read(ref failing) ? 500 : 200);
        var storeId = await Http.CreateStore(admin);
        var webhookId = await Hooks.Create(admin, storeId, receiver, "flaky");
        var payoutId = (await Http.CreatePayout(admin, storeId, Http.Address(2), "0.001", Chain))["id"]!.GetValue<string>();
        await WaitAttempts(node, receiver, 1);
        await Http.Expect(await Http.Approve(admin, storeId, payoutId, 0), HttpStatusCode.OK);

        foreach (var (wait, attempts) in new[] { (TimeSpan.FromSeconds(10), 2), (TimeSpan.FromMinutes(1), 3) })
        {
            // Short of the retry time (by 5 s, a margin for a slow machine): nothing is sent.
            clock.Advance(wait - TimeSpan.FromSeconds(5));
            await Task.Delay(300);
            Assert.Equal(attempts - 1, receiver.Received.Count);
            clock.Advance(TimeSpan.FromSeconds(5));
            await WaitAttempts(node, receiver, attempts);
        }
        Volatile.Write(ref failing, false);
        clock.Advance(TimeSpan.FromMinutes(10));
        await WaitUntil(() => Task.FromResult(Hooks.Delivered(receiver, "flaky").Count == 2), Timeout,
            () => Task.FromResult($"received: {string.Join(", ", receiver.Received.Select(r => $"{r.Type}:{r.Answered}"))}"));

        var received = receiver.Received.ToList();
        Assert.Equal([500, 500, 500, 200, 200], received.Select(r => r.Answered));
        Assert.Equal(["PayoutCreated", "PayoutCreated", "PayoutCreated", "PayoutCreated", "PayoutApproved"], received.Select(r => r.Type));
        // A retry sends the very same bytes.
        Assert.All(received.Take(4), r => Assert.Equal(received[0].Body, r.Body));
        Assert.All(received, r => Assert.True(r.SignatureValid));
        Assert.Equal(5, await Count(node, "SELECT count(*) FROM webhook_delivery_attempts"));

        var originalId = received[0].DeliveryId;
        var redeliveryId = await Hooks.Redeliver(admin, storeId, webhookId, originalId);
        Assert.NotEqual(originalId, redeliveryId);
        await WaitUntil(() => Task.FromResult(receiver.Received.Count == 6), Timeout, () => Task.FromResult("no redelivery arrived"));
        var again = receiver.Received[5];
        Assert.Equal(redeliveryId, again.DeliveryId);
        Assert.True(again.Json["isRedelivery"]!.GetValue<bool>());
        Assert.Equal(originalId, again.Json["originalDeliveryId"]!.GetValue<string>());
        Assert.Equal("PayoutCreated", again.Type);
        Assert.True(again.SignatureValid);
        var original = await Http.Get(admin, $"{Hooks.Path(storeId, webhookId)}/deliveries/{originalId}");
        Assert.Equal("HttpSuccess", original["status"]!.GetValue<string>());
    }

    // Proves: a webhook is created with a generated secret that only the create answer shows; bad input answers 422 with
    // the path and writes nothing; unknown webhooks and deliveries answer 404 with their codes.
    [Fact]
    public async Task BadInputChangesNothingAndTheSecretIsShownOnce()
    {
        await using var node = new WebhookNode();
        using var admin = node.Admin();
        var storeId = await Http.CreateStore(admin);
        foreach (var (body, path) in new[]
        {
            ("""{"url":"ftp://example.com/x"}""", "url"),
            ("""{"url":"/relative"}""", "url"),
            ("""{}""", "url"),
            ("""{"url":"https://example.com","authorizedEvents":{"everything":false,"specificEvents":["Nope"]}}""", "authorizedEvents.specificEvents[0]"),
        })
        {
            var answer = await RawHttp.Post(admin, Hooks.Path(storeId), body);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.Status);
            Assert.Contains(path, answer.Paths);
        }
        Assert.Empty((await Http.Get(admin, Hooks.Path(storeId))).AsArray());

        var created = await Http.Expect(await admin.PostAsync(Hooks.Path(storeId), Http.Json("""{"url":"https://example.com/hook"}""")), HttpStatusCode.OK);
        var secret = created["secret"]!.GetValue<string>();
        Assert.True(secret.Length >= 43, secret);
        var id = created["id"]!.GetValue<string>();
        var read = await Http.Get(admin, Hooks.Path(storeId, id));
        Assert.Null(read["secret"]);
        Assert.True(read["enabled"]!.GetValue<bool>() && read["automaticRedelivery"]!.GetValue<bool>());
        Assert.True(read["authorizedEvents"]!["everything"]!.GetValue<bool>());

        var bad = await RawHttp.Send(admin, HttpMethod.Put, Hooks.Path(storeId, id), """{"url":"mailto:x@example.com"}""", []);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.Status);
        Assert.Equal("https://example.com/hook", (await Http.Get(admin, Hooks.Path(storeId, id)))["url"]!.GetValue<string>());

        Assert.Equal("webhook-not-found", (await RawHttp.Send(admin, HttpMethod.Get, Hooks.Path(storeId, "nope"), null, [])).Code);
        Assert.Equal("webhookdelivery-not-found",
            (await RawHttp.Send(admin, HttpMethod.Get, Hooks.Path(storeId, id) + "/deliveries/nope", null, [])).Code);
        Assert.Equal("webhookdelivery-not-found",
            (await RawHttp.Post(admin, Hooks.Path(storeId, id) + "/deliveries/nope/redeliver", null)).Code);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync(Hooks.Path(storeId, id))).StatusCode);
        Assert.Equal("webhook-not-found", (await RawHttp.Delete(admin, Hooks.Path(storeId, id))).Code);
    }

    /// <summary>Waits until the receiver has seen <paramref name="attempts"/> requests and the node has recorded them all.</summary>
    private static async Task WaitAttempts(WebhookNode node, WebhookReceiver receiver, int attempts) =>
        await WaitUntil(async () => receiver.Received.Count >= attempts
                && await Count(node, "SELECT count(*) FROM webhook_delivery_attempts") >= attempts
                && await Count(node, "SELECT count(*) FROM webhook_deliveries WHERE lease_owner IS NOT NULL") == 0,
            Timeout, () => Task.FromResult($"{receiver.Received.Count} request(s) received, {attempts} expected"));

    private static async Task<long> Count(WebhookNode node, string sql)
    {
        await using var db = Database.Create(DatabaseProvider.Sqlite, node.ConnectionString);
        await using var c = await db.Open(default);
        return await c.ExecuteScalarAsync<long>(sql);
    }
}

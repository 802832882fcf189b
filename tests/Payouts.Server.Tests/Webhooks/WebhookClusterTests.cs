using System.Net;
using Dapper;
using Npgsql;
using Payouts.Core.Sending;
using Payouts.Server.Tests.Support;
using static Payouts.Server.Tests.Support.SandboxHttp;

namespace Payouts.Server.Tests.Webhooks;

/// <summary>
/// Webhook delivery across node processes on one PostgreSQL: a node killed after the receiver answered and before it
/// recorded the outcome loses no event (at least once: the delivery is sent again, same id and bytes, once its lease ends),
/// and two webhook nodes never attempt one delivery, or two deliveries of one webhook, at the same time.
/// </summary>
public sealed class WebhookClusterTests
{
    private const string Restart = "restart the killed node";
    private const string TakeOver = "a second node takes over";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Fast polls; a 6 s lease (twice the 3 s request timeout, the least the options allow).</summary>
    private static readonly Dictionary<string, string> Fast = new()
    {
        ["Payouts__Webhooks__PollIntervalMs"] = "50",
        ["Payouts__Webhooks__LeaseTtlSeconds"] = "6",
        ["Payouts__Webhooks__RequestTimeoutSeconds"] = "3",
    };

    // Proves: node A dies (failpoint webhook-after-send, as kill -9) right after the receiver accepted the PayoutCreated
    // delivery; once A's lease has run out, A restarted or node B sends that delivery again with the same deliveryId and
    // the same bytes, then the PayoutApproved made afterwards — so every event arrives, in order, at least once.
    [PostgresTheory]
    [InlineData(Restart)]
    [InlineData(TakeOver)]
    public async Task ANodeKilledMidDeliveryLosesNoEvent(string recovery)
    {
        var work = Directory.CreateTempSubdirectory("payouts-webhook-crash-").FullName;
        try
        {
            var cs = await TestPostgres.CreateDatabaseAsync();
            await using var receiver = await WebhookReceiver.Start();
            string storeId, payoutId, webhookId;
            var settingsA = Settings(cs, "node-a", FailpointNames.WebhookAfterSend);
            await using (var a = await NodeProcess.Start(settingsA, work))
            {
                using var client = a.Client();
                storeId = await Http.CreateStore(client);
                webhookId = await Hooks.Create(client, storeId, receiver, "crash");
                payoutId = (await Http.CreatePayout(client, storeId, Http.Address(7), "0.001", Chain))["id"]!.GetValue<string>();
                await CrashNodes.WaitForExit(a, $"Failpoint {FailpointNames.WebhookAfterSend} hit", Timeout);
            }
            var first = Assert.Single(receiver.Received);
            Assert.Equal("PayoutCreated", first.Type);

            await using var survivor = await NodeProcess.Start(Settings(cs, recovery == Restart ? "node-a" : "node-b", null), work);
            using var admin = survivor.Client();
            await Http.Expect(await Http.Approve(admin, storeId, payoutId, 0), HttpStatusCode.OK);
            await WaitUntil(() => Task.FromResult(Hooks.Delivered(receiver, "crash").Count == 2), Timeout,
                () => Task.FromResult($"received: {string.Join(", ", receiver.Received.Select(r => r.Type))}"));

            var received = receiver.Received.ToList();
            // The created event again (after the lease ran out), then the approval: never the approval first.
            Assert.Equal(["PayoutCreated", "PayoutCreated", "PayoutApproved"], received.Select(r => r.Type));
            Assert.Equal(first.DeliveryId, received[1].DeliveryId);
            Assert.Equal(first.Body, received[1].Body);
            Assert.All(received, r => Assert.True(r.SignatureValid));
            var deliveries = await Hooks.Deliveries(admin, storeId, webhookId);
            Assert.All(deliveries, d => Assert.Equal("HttpSuccess", d!["status"]!.GetValue<string>()));
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    // Proves: with two webhook nodes polling every 50 ms and a receiver that holds the first request of each delivery
    // (the very first for 1.5 s, far longer than many polls, well inside the 3 s timeout and the 6 s lease), no request for a delivery or for a
    // webhook ever begins while another for it is in progress; each delivery is attempted exactly once (the attempt log);
    // and each webhook receives its events in the order they were fanned out.
    [PostgresFact]
    public async Task TwoWebhookNodesNeverAttemptOneDeliveryAtOnce()
    {
        await using var receiver = await WebhookReceiver.Start();
        var held = 0;
        receiver.Answer = async (_, _) =>
        {
            await Task.Delay(Interlocked.Increment(ref held) == 1 ? 1500 : 100);
            return 200;
        };
        await using var cluster = await TestCluster.Create(Fast);
        var nodes = await cluster.StartAll("hook-a", "hook-b");
        using var admin = nodes[0].Client();
        var storeId = await Http.CreateStore(admin);
        var hooks = new Dictionary<string, string>
        {
            ["h1"] = await Hooks.Create(admin, storeId, receiver, "h1"),
            ["h2"] = await Hooks.Create(admin, storeId, receiver, "h2"),
        };
        var payouts = new List<string>();
        for (var i = 0; i < 4; i++)
            payouts.Add((await Http.CreatePayout(nodes[i % 2].Client(), storeId, Http.Address(100 + i), "0.001", Chain))["id"]!.GetValue<string>());
        foreach (var p in payouts.Take(2))
            await Http.Expect(await Http.Approve(admin, storeId, p, 0), HttpStatusCode.OK);
        const int Events = 6;

        await WaitUntil(() => Task.FromResult(hooks.Keys.All(h => Hooks.Delivered(receiver, h).Count == Events)), Timeout,
            () => Task.FromResult($"received {receiver.Received.Count} of {2 * Events}"));

        Assert.Equal(0, receiver.Overlaps);
        Assert.Equal(2 * Events, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.True(r.SignatureValid));
        await using var db = new NpgsqlConnection(cluster.ConnectionString);
        var attempts = (await db.QueryAsync<string>("SELECT delivery_id FROM webhook_delivery_attempts")).ToList();
        Assert.Equal(2 * Events, attempts.Distinct().Count());
        Assert.Equal(2 * Events, attempts.Count);
        foreach (var (hook, id) in hooks)
        {
            // The API lists newest first: reversed, that is the fan-out order.
            var queued = (await Hooks.Deliveries(admin, storeId, id)).Select(d => d!["id"]!.GetValue<string>()).Reverse().ToList();
            Assert.Equal(queued, receiver.Received.Where(r => r.Hook == hook).Select(r => r.DeliveryId));
            // Per payout: created before approved.
            foreach (var p in payouts.Take(2))
            {
                var types = receiver.Received.Where(r => r.Hook == hook && r.Json["payoutId"]!.GetValue<string>() == p).Select(r => r.Type);
                Assert.Equal(["PayoutCreated", "PayoutApproved"], types);
            }
        }
    }

    private static Dictionary<string, string> Settings(string connectionString, string nodeId, string? failpoints)
    {
        var settings = CrashNodes.Settings("postgres", connectionString, nodeId, failpoints);
        foreach (var (k, v) in Fast) settings[k] = v;
        return settings;
    }
}

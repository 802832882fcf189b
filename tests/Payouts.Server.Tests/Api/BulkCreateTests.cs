using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Payouts.Server.Tests.Support;
using Payouts.Storage;
using static Payouts.Server.Tests.Support.Http;

namespace Payouts.Server.Tests.Api;

/// <summary>
/// <c>POST /api/v1/stores/{storeId}/payouts/bulk</c>, on each engine: up to 1000 payouts in one request, created all
/// together or not at all; any refusal names the index of the item at fault, and the database is then unchanged.
/// </summary>
public sealed class BulkCreateTests
{
    private const int BulkMax = 1000;

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task AThousandPayoutsAreCreatedInRequestOrderWithOneEventEach(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var destinations = Enumerable.Range(0, BulkMax).Select(Address).ToList();
        Assert.Equal(BulkMax, destinations.Distinct().Count());

        var answer = await RawHttp.Post(admin, BulkPath(storeId), Batch(destinations.Select((d, i) => Item(d, Amount(i)))));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var created = answer.Json.AsArray();
        Assert.Equal(BulkMax, created.Count);
        for (var i = 0; i < BulkMax; i++)
        {
            Assert.Equal(destinations[i], created[i]!["destination"]!.GetValue<string>());
            Assert.Equal(Amount(i), created[i]!["originalAmount"]!.GetValue<string>());
            Assert.Equal("AwaitingApproval", created[i]!["state"]!.GetValue<string>());
            Assert.Equal(0, created[i]!["revision"]!.GetValue<int>());
        }
        var ids = created.Select(p => p!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(BulkMax, ids.Distinct().Count());

        var counts = await node.Probe().CountAll();
        Assert.Equal((BulkMax, BulkMax), (counts.Payouts, counts.Events));
        Assert.Equal(ids.Order(StringComparer.Ordinal), await Query(node, "SELECT payout_id FROM payout_events WHERE revision = 0"),
            StringComparer.Ordinal);
        Assert.Equal(ids.Order(StringComparer.Ordinal), await Query(node, "SELECT id FROM payouts WHERE state = 'AwaitingApproval'"),
            StringComparer.Ordinal);
        // Each is a payout like any other: readable on its own.
        Assert.Equal(created[999]!.ToJsonString(), (await Get(admin, $"/api/v1/stores/{storeId}/payouts/{ids[999]}")).ToJsonString());
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task MoreThanAThousandOrNoneIsRefused(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);

        var tooMany = await RawHttp.Post(admin, BulkPath(storeId), Batch(Enumerable.Range(0, BulkMax + 1).Select(i => Item(Address(i)))));
        var none = await RawHttp.Post(admin, BulkPath(storeId), "[]");

        foreach (var answer in new[] { tooMany, none })
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.Status);
            Assert.Equal(new[] { "$" }, answer.Paths);
        }
        Assert.Equal(0, (await node.Probe().CountAll()).Payouts);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task OneInvalidItemRefusesTheBatchNamingItsIndex(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var items = Enumerable.Range(0, 20).Select(i => Item(Address(i))).ToList();
        items[7]["amount"] = "ten";

        var answer = await RawHttp.Post(admin, BulkPath(storeId), Batch(items));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.Status);
        Assert.Equal(new[] { "[7].amount" }, answer.Paths);
        Assert.Equal(0, (await node.Probe().CountAll()).Payouts);

        // A value of the wrong type stops the reading at once; past that, every fault is reported under its own index.
        items[7]["amount"] = "0";
        items[2].Remove("destination");
        items[12] = Item(Address(12), amount: "-1");
        var several = await RawHttp.Post(admin, BulkPath(storeId), Batch(items));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, several.Status);
        Assert.Equal(new[] { "[2].destination", "[7].amount", "[12].amount" }, several.Paths);
        Assert.Equal(0, (await node.Probe().CountAll()).Payouts);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task AmountBelowTheDustLimitRefusesTheBatchNamingItsIndex(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var items = Enumerable.Range(0, 10).Select(i => Item(Address(i))).ToList();
        items[5]["amount"] = "0.00000001";

        var answer = await RawHttp.Post(admin, BulkPath(storeId), Batch(items));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.Status);
        var entry = Assert.Single(answer.Json.AsArray())!;
        Assert.Equal("[5].amount", entry["path"]!.GetValue<string>());
        Assert.Contains("the dust limit of a p2wpkh address", entry["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, (await node.Probe().CountAll()).Payouts);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task DuplicateDestinationWithinTheBatchIsRefusedNamingTheLaterIndex(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var items = Enumerable.Range(0, 12).Select(i => Item(Address(i))).ToList();
        items[9] = Item(Address(3), amount: "0.002");

        var answer = await RawHttp.Post(admin, BulkPath(storeId), Batch(items));

        Assert.Equal((HttpStatusCode.BadRequest, "duplicate-destination"), (answer.Status, answer.Code));
        Assert.Contains("payouts[9]", answer.Json["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, (await node.Probe().CountAll()).Payouts);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task DestinationActiveInTheStoreRefusesTheWholeBatch(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var existing = (await CreatePayout(admin, storeId, Address(500)))["id"]!.GetValue<string>();
        var items = Enumerable.Range(0, 10).Select(i => Item(Address(i == 4 ? 500 : i))).ToList();

        var answer = await RawHttp.Post(admin, BulkPath(storeId), Batch(items));

        Assert.Equal((HttpStatusCode.BadRequest, "duplicate-destination"), (answer.Status, answer.Code));
        Assert.Contains("payouts[4]", answer.Json["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var counts = await node.Probe().CountAll();
        Assert.Equal((1, 1), (counts.Payouts, counts.Events));

        // The destination is held only while its payout is active: once cancelled, the same batch goes through.
        await Expect(await Cancel(admin, storeId, existing), HttpStatusCode.OK);
        var retried = await RawHttp.Post(admin, BulkPath(storeId), Batch(items));
        Assert.Equal(HttpStatusCode.OK, retried.Status);
        Assert.Equal(11, (await node.Probe().CountAll()).Payouts);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ApprovedItemsAwaitPaymentWithTheirPayoutAmount(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var items = Enumerable.Range(0, 6).Select(i => Item(Address(i), Amount(i), approved: i % 2 == 0)).ToList();

        var answer = await RawHttp.Post(admin, BulkPath(storeId), Batch(items));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var created = answer.Json.AsArray();
        for (var i = 0; i < items.Count; i++)
        {
            var payout = created[i]!;
            var id = payout["id"]!.GetValue<string>();
            if (i % 2 == 0)
            {
                Assert.Equal("AwaitingPayment", payout["state"]!.GetValue<string>());
                Assert.Equal(Amount(i), payout["payoutAmount"]!.GetValue<string>());
                Assert.Equal(("AwaitingPayment", 0), await node.Probe().Payout(id));
                Assert.Equal("AwaitingPayment", Assert.Single(await node.Probe().Events(id)).ToState);
            }
            else
            {
                Assert.Equal("AwaitingApproval", payout["state"]!.GetValue<string>());
                Assert.Null(payout["payoutAmount"]);
                Assert.Equal(("AwaitingApproval", 0), await node.Probe().Payout(id));
            }
        }
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task PullPaymentClaimsAreNotTakenInBulk(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var pp = await Expect(await admin.PostAsync($"/api/v1/stores/{storeId}/pull-payments",
            Json("""{"name":"Refunds","amount":"1","currency":"BTC"}""")), HttpStatusCode.OK);
        var items = Enumerable.Range(0, 5).Select(i => Item(Address(i))).ToList();
        items[3]["pullPaymentId"] = pp["id"]!.GetValue<string>();

        var answer = await RawHttp.Post(admin, BulkPath(storeId), Batch(items));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.Status);
        Assert.Contains("[3].pullPaymentId", answer.Paths);
        Assert.DoesNotContain(answer.Paths, p => !p.StartsWith("[3].", StringComparison.Ordinal));
        Assert.Equal(0, (await node.Probe().CountAll()).Payouts);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task BulkWithAnIdempotencyKeyRunsOnceAndReplaysByteForByte(string engine)
    {
        // Goal: a bulk create retried with its key (even many times at once) creates its payouts once.
        // How: 10 identical requests released together by a gate; one runs, nine replay its exact bytes; a later
        // retry replays too, and another batch under the key is refused. The database holds one batch.
        const int Items = 100;
        const int Requests = 10;
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var body = Batch(Enumerable.Range(0, Items).Select(i => Item(Address(i), approved: i % 3 == 0)));

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, Requests).Select(_ => Task.Run(async () =>
        {
            await gate.Task;
            return await RawHttp.Post(admin, BulkPath(storeId), body, "bulk-2024-06-01");
        })).ToList();
        gate.SetResult();
        var answers = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        var original = Assert.Single(answers, a => !a.Replayed);
        Assert.All(answers, a => Assert.Equal(original.Body, a.Body));
        Assert.Equal(Items, original.Json.AsArray().Count);

        var later = await RawHttp.Post(admin, BulkPath(storeId), body, "bulk-2024-06-01");
        Assert.Equal((HttpStatusCode.OK, true), (later.Status, later.Replayed));
        Assert.Equal(original.Body, later.Body);

        var other = await RawHttp.Post(admin, BulkPath(storeId), Batch([Item(Address(Items))]), "bulk-2024-06-01");
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "idempotency-key-reused"), (other.Status, other.Code));

        var counts = await node.Probe().CountAll();
        Assert.Equal((Items, Items), (counts.Payouts, counts.Events));
    }

    private static string BulkPath(string storeId) => $"/api/v1/stores/{storeId}/payouts/bulk";

    /// <summary>Distinct amounts, so that order and pairing show in the answer.</summary>
    private static string Amount(int i) => $"0.01{i:D4}1";

    private static JsonObject Item(string destination, string amount = "0.001", bool? approved = null)
    {
        var item = new JsonObject { ["destination"] = destination, ["amount"] = amount, ["payoutMethodId"] = "BTC-CHAIN" };
        if (approved is { } a) item["approved"] = a;
        return item;
    }

    private static string Batch(IEnumerable<JsonObject> items) => new JsonArray([.. items.Select(i => i.DeepClone())]).ToJsonString();

    private static async Task<IReadOnlyList<string>> Query(InProcessNode node, string sql)
    {
        await using var db = Database.Create(Database.TryParseProvider(node.Provider, out var p) ? p : throw new ArgumentException(node.Provider),
            node.ConnectionString);
        await using var c = await db.Open(default);
        return (await c.QueryAsync<string>(sql)).Order(StringComparer.Ordinal).ToList();
    }
}

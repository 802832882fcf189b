using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Payouts.Server.Tests.Support;
using static Payouts.Server.Tests.Api.ApiTestKit;
using static Payouts.Server.Tests.Support.Http;

namespace Payouts.Server.Tests.Api;

/// <summary>
/// Listings: payouts newest first, cursor paging through X-Next-Cursor and Link, the filters, refused parameters,
/// pull payments with and without archived ones, and what archiving does to a pull payment's payouts.
/// The node runs on a clock that advances one millisecond per reading, so every row has its own creation time and
/// "newest first" is an exact order rather than a tie broken by random ids.
/// </summary>
public sealed class ListingTests
{
    /// <summary>Greenfield's <c>PayoutData</c> properties: every listed payout has them all (extensions may add more).</summary>
    private static readonly string[] PayoutFields =
        ["id", "revision", "pullPaymentId", "date", "destination", "originalCurrency", "originalAmount", "payoutCurrency",
         "payoutAmount", "payoutMethodId", "state", "paymentProof", "metadata"];

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task PayoutsAreListedNewestFirstAndPagingReturnsEachExactlyOnce(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        var app = node.WithSteppingClock();
        using var admin = app.Keyed(AdminKey.Secret);
        var storeId = await CreateStore(admin);
        var other = await CreateStore(admin, "Other");
        await CreatePayout(admin, other, Address(99));
        var ids = new List<string>();
        for (var i = 1; i <= 5; i++) ids.Add(Id(await CreatePayout(admin, storeId, Address(i), amount: $"0.00{i}")));
        ids.Reverse();

        var path = $"/api/v1/stores/{storeId}/payouts";
        using (var response = await admin.GetAsync(path))
        {
            var all = (await Expect(response, HttpStatusCode.OK)).AsArray();
            Assert.Equal(ids, IdsOf(all));
            Assert.All(all, p => Assert.Superset(PayoutFields.ToHashSet(), p!.AsObject().Select(f => f.Key).ToHashSet()));
            Assert.Equal("0.005", all[0]!["originalAmount"]!.GetValue<string>());
            Assert.False(response.Headers.Contains("X-Next-Cursor"));
            Assert.False(response.Headers.Contains("Link"));
        }

        // Following X-Next-Cursor.
        var seen = new List<string>();
        var sizes = new List<int>();
        string? cursor = null;
        do
        {
            using var response = await admin.GetAsync($"{path}?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            var page = (await Expect(response, HttpStatusCode.OK)).AsArray();
            seen.AddRange(IdsOf(page));
            sizes.Add(page.Count);
            cursor = response.Headers.TryGetValues("X-Next-Cursor", out var v) ? v.Single() : null;
            if (cursor is not null)
                Assert.Equal($"<{path}?limit=2&cursor={cursor}>; rel=\"next\"", response.Headers.GetValues("Link").Single());
        }
        while (cursor is not null);
        Assert.Equal([2, 2, 1], sizes);
        Assert.Equal(ids, seen);

        // Following Link, with a filter that must be carried along.
        seen.Clear();
        string? next = $"{path}?state=AwaitingApproval&limit=2";
        while (next is not null)
        {
            using var response = await admin.GetAsync(next);
            seen.AddRange(IdsOf((await Expect(response, HttpStatusCode.OK)).AsArray()));
            next = response.Headers.TryGetValues("Link", out var link) ? LinkTarget(link.Single()) : null;
            if (next is not null) Assert.Contains("state=AwaitingApproval", next, StringComparison.Ordinal);
        }
        Assert.Equal(ids, seen);

        // A cursor keeps its place while newer payouts arrive: they are not in the older pages.
        using var first = await admin.GetAsync($"{path}?limit=2");
        Assert.Equal(ids.Take(2), IdsOf((await Expect(first, HttpStatusCode.OK)).AsArray()));
        var held = first.Headers.GetValues("X-Next-Cursor").Single();
        var newer = Id(await CreatePayout(admin, storeId, Address(6)));
        Assert.Equal(ids.Skip(2).Take(2), IdsOf((await Get(admin, $"{path}?limit=2&cursor={held}")).AsArray()));
        Assert.Equal(newer, IdsOf((await Get(admin, $"{path}?limit=1")).AsArray()).Single());

        // A full last page still offers a cursor; following it gives an empty page without one.
        using var exact = await admin.GetAsync($"{path}?limit=6");
        Assert.Equal(6, (await Expect(exact, HttpStatusCode.OK)).AsArray().Count);
        using var empty = await admin.GetAsync($"{path}?limit=6&cursor={exact.Headers.GetValues("X-Next-Cursor").Single()}");
        Assert.Empty((await Expect(empty, HttpStatusCode.OK)).AsArray());
        Assert.False(empty.Headers.Contains("X-Next-Cursor"));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task FiltersSelectByStateMethodAndCreationTime(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        var app = node.WithSteppingClock();
        using var admin = app.Keyed(AdminKey.Secret);
        var storeId = await CreateStore(admin);
        var waiting = Id(await CreatePayout(admin, storeId, Address(1)));
        var approved = Id(await CreatePayout(admin, storeId, Address(2), approved: true));
        var lightning = Id(await CreatePayout(admin, storeId, "alice@example.com", amount: "0.0001", method: "BTC-LN"));
        var sending = Id(await CreatePayout(admin, storeId, Address(3), approved: true));
        await Expect(await Mark(admin, storeId, sending, "InProgress"), HttpStatusCode.OK);
        var done = Id(await CreatePayout(admin, storeId, Address(4), approved: true));
        await Expect(await MarkPaid(admin, storeId, done), HttpStatusCode.OK);
        var cancelled = Id(await CreatePayout(admin, storeId, Address(5)));
        await Expect(await Cancel(admin, storeId, cancelled), HttpStatusCode.OK);

        async Task<IReadOnlyList<string>> List(string query) =>
            IdsOf((await Get(admin, $"/api/v1/stores/{storeId}/payouts?{query}")).AsArray());

        string[] active = [done, sending, lightning, approved, waiting];
        Assert.Equal(active, await List(""));
        Assert.Equal([lightning, waiting], await List("state=AwaitingApproval"));
        Assert.Equal([approved], await List("state=AwaitingPayment"));
        Assert.Equal([sending], await List("state=InProgress"));
        Assert.Equal([done], await List("state=Completed"));
        Assert.Equal([lightning], await List("payoutMethodId=BTC-LN"));
        Assert.Equal([lightning], await List("payoutMethodId=BTC_LightningLike"));
        Assert.Equal([done, sending, approved, waiting], await List("payoutMethodId=BTC-CHAIN"));
        Assert.Equal([waiting], await List("payoutMethodId=BTC-CHAIN&state=AwaitingApproval"));
        Assert.Empty(await List("payoutMethodId=BTC-LN&state=Completed"));

        var farFuture = DateTimeOffset.UtcNow.AddYears(10).ToUnixTimeSeconds();
        Assert.Empty(await List($"createdFrom={farFuture}"));
        Assert.Equal(active, await List("createdFrom=0"));
        Assert.Empty(await List("createdTo=1"));
        Assert.Equal(active, await List($"createdTo={farFuture}"));
        Assert.Equal(active, await List($"createdFrom=0&createdTo={farFuture}"));
        Assert.Empty(await List($"createdFrom={farFuture}&createdTo={farFuture + 60}"));

        // Cancelled payouts are hidden unless asked for, by flag or by state.
        Assert.Equal([cancelled, .. active], await List("includeCancelled=true"));
        Assert.Equal(active, await List("includeCancelled=false"));
        Assert.Equal([cancelled], await List("state=Cancelled"));
        Assert.Equal([cancelled], await List("state=Cancelled&includeCancelled=false"));
        Assert.Equal([cancelled, done], await List("includeCancelled=true&payoutMethodId=BTC-CHAIN&limit=2"));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task BadListingParametersAreRefusedWithTheirPath(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        await CreatePayout(admin, storeId, Address(1));
        var pp = Id(await Expect(await admin.PostAsync($"/api/v1/stores/{storeId}/pull-payments",
            Json("""{"amount":"1","currency":"BTC"}""")), HttpStatusCode.OK));

        string[] listings =
        [
            $"/api/v1/stores/{storeId}/payouts", $"/api/v1/pull-payments/{pp}/payouts", $"/api/v1/stores/{storeId}/pull-payments",
            "/api/v1/stores", "/api/v1/api-keys",
        ];
        (string Query, string Path)[] paging =
        [
            ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=x", "limit"), ("limit=-1", "limit"), ("limit=1.5", "limit"),
            ("limit=", "limit"), ("cursor=!!", "cursor"), ("cursor=bm90LWEtY3Vyc29y", "cursor"), ($"cursor={new string('A', 300)}", "cursor"),
        ];
        (string Query, string Path)[] payoutFilters =
        [
            ("state=Paid", "state"), ("state=1", "state"), ("state=awaitingapproval", "state"), ("payoutMethodId=DOGE", "payoutMethodId"),
            ("createdFrom=yesterday", "createdFrom"), ("createdTo=-1", "createdTo"), ("createdFrom=1.5", "createdFrom"),
            ("includeCancelled=maybe", "includeCancelled"),
        ];
        var cases = listings.SelectMany(l => paging.Select(c => (l, c.Query, c.Path)))
            .Concat(listings.Take(2).SelectMany(l => payoutFilters.Select(c => (l, c.Query, c.Path))))
            .Append((listings[2], "includeArchived=yes", "includeArchived"))
            .Append((listings[2], "createdFrom=x", "createdFrom"));

        var before = await node.Probe().CountAll();
        foreach (var (listing, query, path) in cases)
        {
            using var response = await admin.GetAsync($"{listing}?{query}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{listing}?{query}: expected 422, got {(int)response.StatusCode}: {body}");
            var errors = JsonNode.Parse(body)!.AsArray();
            Assert.Contains(errors, e => e!["path"]!.GetValue<string>() == path);
            Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e!["message"]!.GetValue<string>())));
        }
        Assert.Equal(before, await node.Probe().CountAll());

        // The bounds themselves are fine.
        foreach (var listing in listings)
        {
            await Get(admin, $"{listing}?limit=1");
            await Get(admin, $"{listing}?limit=1000");
        }
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ArchivedPullPaymentsAreListedOnlyWhenAskedFor(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        var app = node.WithSteppingClock();
        using var admin = app.Keyed(AdminKey.Secret);
        var storeId = await CreateStore(admin);
        var other = await CreateStore(admin, "Other");
        await CreatePullPayment(admin, other, """{"amount":"1","currency":"BTC"}""");
        var oldest = await CreatePullPayment(admin, storeId, """{"name":"oldest","amount":"1","currency":"BTC"}""");
        var middle = await CreatePullPayment(admin, storeId, """{"name":"middle","amount":"2","currency":"USD","payoutMethods":["BTC-LN"]}""");
        var newest = await CreatePullPayment(admin, storeId, """{"name":"newest","amount":"3","currency":"BTC"}""");
        await Expect(await admin.DeleteAsync($"/api/v1/stores/{storeId}/pull-payments/{middle}"), HttpStatusCode.OK);

        var path = $"/api/v1/stores/{storeId}/pull-payments";
        var open = (await Get(admin, path)).AsArray();
        Assert.Equal([newest, oldest], IdsOf(open));
        Assert.All(open, p => Assert.False(p!["archived"]!.GetValue<bool>()));
        Assert.Equal([newest, oldest], IdsOf((await Get(admin, $"{path}?includeArchived=false")).AsArray()));

        var all = (await Get(admin, $"{path}?includeArchived=true")).AsArray();
        Assert.Equal([newest, middle, oldest], IdsOf(all));
        Assert.True(all[1]!["archived"]!.GetValue<bool>());
        Assert.Equal("middle", all[1]!["name"]!.GetValue<string>());
        Assert.Equal("USD", all[1]!["currency"]!.GetValue<string>());
        Assert.Equal(["BTC-LN"], all[1]!["payoutMethods"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.EndsWith($"/api/v1/pull-payments/{middle}", all[1]!["viewLink"]!.GetValue<string>(), StringComparison.Ordinal);

        using var firstPage = await admin.GetAsync($"{path}?includeArchived=true&limit=2");
        Assert.Equal([newest, middle], IdsOf((await Expect(firstPage, HttpStatusCode.OK)).AsArray()));
        var next = LinkTarget(firstPage.Headers.GetValues("Link").Single());
        Assert.Equal([oldest], IdsOf((await Get(admin, next)).AsArray()));

        var farFuture = DateTimeOffset.UtcNow.AddYears(10).ToUnixTimeSeconds();
        Assert.Empty((await Get(admin, $"{path}?createdFrom={farFuture}")).AsArray());
        Assert.Equal([newest, oldest], IdsOf((await Get(admin, $"{path}?createdFrom=0&createdTo={farFuture}")).AsArray()));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ArchivingAPullPaymentCancelsItsUnsentPayoutsButNotThoseAlreadyMoving(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        var app = node.WithSteppingClock();
        using var admin = app.Keyed(AdminKey.Secret);
        using var anonymous = app.Keyed(null);
        var adminKeyId = Id(await Get(admin, "/api/v1/api-keys/current"));
        var storeId = await CreateStore(admin);
        var ppId = await CreatePullPayment(admin, storeId, """{"amount":"1","currency":"BTC"}""");
        var otherPp = await CreatePullPayment(admin, storeId, """{"amount":"1","currency":"BTC"}""");

        var waiting = await Claim(anonymous, ppId, Address(1));
        var approved = await Claim(anonymous, ppId, Address(2));
        await Expect(await Approve(admin, storeId, approved, 0), HttpStatusCode.OK);
        var sending = await Claim(anonymous, ppId, Address(3));
        await Expect(await Approve(admin, storeId, sending, 0), HttpStatusCode.OK);
        await Expect(await Mark(admin, storeId, sending, "InProgress"), HttpStatusCode.OK);
        var paid = await Claim(anonymous, ppId, Address(4));
        await Expect(await Approve(admin, storeId, paid, 0), HttpStatusCode.OK);
        await Expect(await MarkPaid(admin, storeId, paid), HttpStatusCode.OK);
        var elsewhere = await Claim(anonymous, otherPp, Address(5));
        var direct = Id(await CreatePayout(admin, storeId, Address(6)));

        var probe = node.Probe();
        var before = await probe.CountAll();
        await Expect(await admin.DeleteAsync($"/api/v1/stores/{storeId}/pull-payments/{ppId}"), HttpStatusCode.OK);

        Assert.Equal(("Cancelled", 1), await probe.Payout(waiting));
        Assert.Equal(("Cancelled", 2), await probe.Payout(approved));
        Assert.Equal(("InProgress", 2), await probe.Payout(sending));
        Assert.Equal(("Completed", 2), await probe.Payout(paid));
        Assert.Equal(("AwaitingApproval", 0), await probe.Payout(elsewhere));
        Assert.Equal(("AwaitingApproval", 0), await probe.Payout(direct));
        Assert.Equal(before with { Events = before.Events + 2 }, await probe.CountAll());

        foreach (var (id, from) in new[] { (waiting, "AwaitingApproval"), (approved, "AwaitingPayment") })
        {
            var last = (await Events(admin, storeId, id))[^1]!;
            Assert.Equal(from, last["from"]!.GetValue<string>());
            Assert.Equal("Cancelled", last["to"]!.GetValue<string>());
            Assert.Equal($"api-key:{adminKeyId}", last["actor"]!.GetValue<string>());
            Assert.False(last["processorAuto"]!.GetValue<bool>());
        }

        var pp = await Get(anonymous, $"/api/v1/pull-payments/{ppId}");
        Assert.True(pp["archived"]!.GetValue<bool>());
        var refused = await Expect(await anonymous.PostAsync($"/api/v1/pull-payments/{ppId}/payouts",
            Json($$"""{"destination":"{{Address(7)}}","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.BadRequest);
        Assert.Equal("archived", Code(refused));
        Assert.Equal(before with { Events = before.Events + 2 }, await probe.CountAll());

        // The store route also refuses new payouts against it.
        Assert.Equal("archived", Code(await Expect(await admin.PostAsync($"/api/v1/stores/{storeId}/payouts",
            Json($$"""{"destination":"{{Address(8)}}","payoutMethodId":"BTC-CHAIN","pullPaymentId":"{{ppId}}"}""")), HttpStatusCode.BadRequest)));

        // Archiving through the flattened route works the same way for the other pull payment.
        await Expect(await admin.DeleteAsync($"/api/v1/pull-payments/{otherPp}"), HttpStatusCode.OK);
        Assert.Equal(("Cancelled", 1), await probe.Payout(elsewhere));
        Assert.Equal(("AwaitingApproval", 0), await probe.Payout(direct));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task AnyoneCanListAPullPaymentsOwnPayouts(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        var app = node.WithSteppingClock();
        using var admin = app.Keyed(AdminKey.Secret);
        using var anonymous = app.Keyed(null);
        var storeId = await CreateStore(admin);
        var ppId = await CreatePullPayment(admin, storeId, """{"amount":"1","currency":"BTC"}""");
        var otherPp = await CreatePullPayment(admin, storeId, """{"amount":"1","currency":"BTC"}""");
        Assert.Empty((await Get(anonymous, $"/api/v1/pull-payments/{ppId}/payouts")).AsArray());

        var first = await Claim(anonymous, ppId, Address(1));
        var second = await Claim(anonymous, ppId, Address(2));
        var third = await Claim(anonymous, ppId, Address(3));
        await Claim(anonymous, otherPp, Address(4));
        await CreatePayout(admin, storeId, Address(5));
        await Expect(await Cancel(admin, storeId, second), HttpStatusCode.OK);

        var list = (await Get(anonymous, $"/api/v1/pull-payments/{ppId}/payouts")).AsArray();
        Assert.Equal([third, first], IdsOf(list));
        Assert.All(list, p => Assert.Equal(ppId, p!["pullPaymentId"]!.GetValue<string>()));
        Assert.All(list, p => Assert.Superset(PayoutFields.ToHashSet(), p!.AsObject().Select(f => f.Key).ToHashSet()));
        Assert.Equal([third, second, first], IdsOf((await Get(anonymous, $"/api/v1/pull-payments/{ppId}/payouts?includeCancelled=true")).AsArray()));
        Assert.Equal([second], IdsOf((await Get(anonymous, $"/api/v1/pull-payments/{ppId}/payouts?state=Cancelled")).AsArray()));

        using var page = await anonymous.GetAsync($"/api/v1/pull-payments/{ppId}/payouts?limit=1");
        Assert.Equal([third], IdsOf((await Expect(page, HttpStatusCode.OK)).AsArray()));
        Assert.Equal([first], IdsOf((await Get(anonymous, LinkTarget(page.Headers.GetValues("Link").Single()))).AsArray()));

        Assert.Equal("pullpayment-not-found", Code(await Expect(await anonymous.GetAsync("/api/v1/pull-payments/NoSuchPullPayment/payouts"), HttpStatusCode.NotFound)));
    }

    private static async Task<string> CreatePullPayment(HttpClient admin, string storeId, string body) =>
        Id(await Expect(await admin.PostAsync($"/api/v1/stores/{storeId}/pull-payments", Json(body)), HttpStatusCode.OK));

    private static async Task<string> Claim(HttpClient client, string ppId, string destination) =>
        Id(await Expect(await client.PostAsync($"/api/v1/pull-payments/{ppId}/payouts",
            Json($$"""{"destination":"{{destination}}","amount":"0.01","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.OK));

    private static string LinkTarget(string link)
    {
        Assert.EndsWith(">; rel=\"next\"", link, StringComparison.Ordinal);
        Assert.StartsWith("</", link, StringComparison.Ordinal);
        return link[1..link.IndexOf('>', StringComparison.Ordinal)];
    }
}

/// <summary>A clock that moves forward one millisecond each time it is read: distinct, increasing creation times without sleeping.</summary>
internal sealed class SteppingClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}

/// <summary>Small helpers shared by the API tests in this folder.</summary>
internal static class ApiTestKit
{
    /// <summary>The same node (same database and settings) on a <see cref="SteppingClock"/>.</summary>
    public static WebApplicationFactory<Program> WithSteppingClock(this InProcessNode node) =>
        node.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(new SteppingClock(DateTimeOffset.UtcNow))));

    /// <summary>A client sending this API key, or none when null.</summary>
    public static HttpClient Keyed(this WebApplicationFactory<Program> app, string? secret)
    {
        var client = app.CreateClient();
        if (secret is not null) client.DefaultRequestHeaders.Add("Authorization", $"token {secret}");
        return client;
    }

    /// <summary>A client holding a fresh key with these permissions, written straight to the database.</summary>
    public static async Task<HttpClient> KeyedWith(this WebApplicationFactory<Program> app, params string[] permissions) =>
        app.Keyed((await TestKeys.Insert(app.Services, permissions)).Secret);

    public static string Id(JsonNode node) => node["id"]!.GetValue<string>();

    public static IReadOnlyList<string> IdsOf(JsonArray array) => array.Select(e => Id(e!)).ToList();

    public static string Code(JsonNode error) => error["code"]!.GetValue<string>();
}

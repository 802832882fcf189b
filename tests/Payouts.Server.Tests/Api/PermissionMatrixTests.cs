using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Payouts.Core;
using Payouts.Core.Auth;
using Payouts.Core.Ports;
using Payouts.Server.Tests.Support;
using static Payouts.Core.Auth.Permissions;

namespace Payouts.Server.Tests.Api;

/// <summary>
/// Who may call what. The table below lists every endpoint the node maps (a test checks that against the routing table,
/// so a new endpoint without a row fails) with the permission it needs. Each store-scoped endpoint is called with no key
/// (401), a revoked key (401), a key holding the right permission for ANOTHER store (403), a key for this store holding a
/// permission that does not include the needed one (403), and a key holding exactly the lowest permission that suffices (2xx).
/// A refused call must leave the database as it was: row counts, the targeted payout's state and revision, and whatever
/// the endpoint would have changed (a store, a pull payment, processor settings, a key) read back through the API.
/// </summary>
public sealed class PermissionMatrixTests(PermissionMatrixTests.Fixture fx) : IClassFixture<PermissionMatrixTests.Fixture>
{
    private const string OnChain = "OnChainAutomatedPayoutSenderFactory";
    private const string Lightning = "LightningAutomatedPayoutSenderFactory";

    /// <summary>What one call acts on. <see cref="StoreId"/> is the store the keys are scoped to ("{store}" in a grant).</summary>
    public sealed record Target(string StoreId, Dictionary<string, string> Values, string? Body = null, string? PayoutId = null);

    /// <summary>One caller: the permissions of its key ("{store}" and "{other}" are replaced), or no key; and the status it gets.</summary>
    public sealed record Variant(string Name, string[]? Grant, int Status, bool Revoked = false);

    public sealed record Outcome(Fixture Fx, Target Target, string? Secret, DbProbe.Counts Before, JsonNode? Body);

    /// <param name="Route">The route template exactly as mapped (trailing slash trimmed).</param>
    /// <param name="Watch">Reads back what the endpoint would change; a refused call must leave it equal.</param>
    /// <param name="Verify">Checks the effect of a successful call.</param>
    public sealed record Row(string Method, string Route, Func<Fixture, Task<Target>> Setup, Variant[] Variants,
        Func<Fixture, Target, Task<string>>? Watch = null, Func<Outcome, Task>? Verify = null);

    private static Variant[] StoreScoped(string lowest, string insufficient) =>
    [
        new("no key", null, 401),
        new("revoked key", [$"{lowest}:{{store}}"], 401, Revoked: true),
        new($"{Short(lowest)} of another store", [$"{lowest}:{{other}}"], 403),
        new($"insufficient {Short(insufficient)}", [$"{insufficient}:{{store}}"], 403),
        new($"lowest sufficient {Short(lowest)}", [$"{lowest}:{{store}}"], 200),
    ];

    private static readonly Variant[] AnyKey =
    [
        new("no key", null, 401),
        new("revoked key", [$"{ViewPullPayments}:{{store}}"], 401, Revoked: true),
        new("least key (canviewpullpayments of one store)", [$"{ViewPullPayments}:{{store}}"], 200),
    ];

    private static readonly Variant[] Anonymous = [new("no key", null, 200)];

    private static string Short(string permission) => permission[(permission.LastIndexOf('.') + 1)..];

    // ---- Setups: shared objects for reads, fresh ones where a success would consume them ----

    private static Task<Target> Shared(Fixture fx) => Task.FromResult(new Target(fx.StoreId, new()
    {
        ["payoutId"] = fx.PayoutId,
        ["pullPaymentId"] = fx.PullPaymentId,
        ["processor"] = OnChain,
        ["payoutMethodId"] = "BTC-CHAIN",
    }, PayoutId: fx.PayoutId));

    private static Task<Target> SharedClaim(Fixture fx) => Task.FromResult(new Target(fx.StoreId, new()
    {
        ["pullPaymentId"] = fx.PullPaymentId,
        ["payoutId"] = fx.ClaimedPayoutId,
    }, PayoutId: fx.ClaimedPayoutId));

    private static Func<Fixture, Task<Target>> FreshPayout(bool approved, string? body = null) => async fx =>
    {
        var id = await fx.NewPayout(fx.StoreId, approved);
        return new Target(fx.StoreId, new() { ["payoutId"] = id }, body, PayoutId: id);
    };

    private static async Task<Target> FreshStore(Fixture fx) => new(await Http.CreateStore(fx.Admin, "Fresh"), []);

    private static Func<Fixture, Task<Target>> FreshStoreForProcessor(string processor, string method, string body) => async fx =>
        new Target(await Http.CreateStore(fx.Admin, "Processors"), new() { ["processor"] = processor, ["payoutMethodId"] = method }, body);

    private const string SandboxRailBody = """{"connectionString":"type=sandbox","network":"regtest"}""";

    private static async Task<Target> FreshStoreForRail(Fixture fx) =>
        new(await Http.CreateStore(fx.Admin, "Rails"), new() { ["payoutMethodId"] = "BTC-CHAIN" }, SandboxRailBody);

    private static async Task<Target> FreshStoreWithRail(Fixture fx)
    {
        var storeId = await Http.CreateStore(fx.Admin, "Rails");
        await Http.Expect(await fx.Admin.PutAsync($"/api/v1/stores/{storeId}/rails/BTC-CHAIN", Http.Json(SandboxRailBody)), HttpStatusCode.OK);
        return new Target(storeId, new() { ["payoutMethodId"] = "BTC-CHAIN" });
    }

    private static async Task<Target> FreshStoreWithProcessor(Fixture fx)
    {
        var storeId = await Http.CreateStore(fx.Admin, "Processors");
        await Http.Expect(await fx.Admin.PutAsync($"/api/v1/stores/{storeId}/payout-processors/{OnChain}/BTC-CHAIN",
            Http.Json("""{"intervalSeconds":600}""")), HttpStatusCode.OK);
        return new Target(storeId, new() { ["processor"] = OnChain, ["payoutMethodId"] = "BTC-CHAIN" });
    }

    private static async Task<Target> FreshPullPaymentWithClaim(Fixture fx)
    {
        var (ppId, claimId) = await fx.NewPullPaymentWithClaim();
        return new Target(fx.StoreId, new() { ["pullPaymentId"] = ppId }, PayoutId: claimId);
    }

    private const string WebhookBody = """{"url":"http://127.0.0.1:9/hook"}""";

    /// <summary>The webhook store's shared webhook and its one delivery (that store has nothing else, so its deliveries stay put).</summary>
    private static Task<Target> SharedWebhook(Fixture fx) => Task.FromResult(new Target(fx.WebhookStoreId, new()
    {
        ["webhookId"] = fx.WebhookId,
        ["deliveryId"] = fx.DeliveryId,
    }));

    private static async Task<Target> FreshStoreForWebhook(Fixture fx) => new(await Http.CreateStore(fx.Admin, "Webhooks"), [], WebhookBody);

    private static Func<Fixture, Task<Target>> FreshWebhook(string? body = null) => async fx =>
    {
        var storeId = await Http.CreateStore(fx.Admin, "Webhooks");
        var created = await Http.Expect(await fx.Admin.PostAsync($"/api/v1/stores/{storeId}/webhooks", Http.Json(WebhookBody)), HttpStatusCode.OK);
        return new Target(storeId, new() { ["webhookId"] = created["id"]!.GetValue<string>() }, body);
    };

    /// <summary>How many deliveries the webhook has (their statuses move on in the background; their number does not).</summary>
    private static async Task<string> DeliveryCount(Fixture fx, Target t) =>
        (await Http.Get(fx.Admin, Fill("/api/v1/stores/{storeId}/webhooks/{webhookId}/deliveries", t))).AsArray().Count.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Task<Target> Body(Fixture fx, string? body) => Task.FromResult(new Target(fx.StoreId, [], body));

    // ---- Watches and verifications ----

    private static Func<Fixture, Target, Task<string>> AdminGet(string route) => (fx, t) => fx.AdminRead(Fill(route, t));

    private static Func<Outcome, Task> PayoutBecomes(string state, int revision) => async o =>
    {
        Assert.Equal((state, revision), await o.Fx.Node.Probe().Payout(o.Target.PayoutId!));
        Assert.Equal(state, o.Body!["state"]!.GetValue<string>());
    };

    private static Func<Outcome, Task> CountsGrow(long stores = 0, long keys = 0, long pullPayments = 0, long payouts = 0) => async o =>
    {
        var after = await o.Fx.Node.Probe().CountAll();
        Assert.Equal(o.Before with
        {
            Stores = o.Before.Stores + stores,
            ApiKeys = o.Before.ApiKeys + keys,
            PullPayments = o.Before.PullPayments + pullPayments,
            Payouts = o.Before.Payouts + payouts,
            Events = o.Before.Events + payouts,
        }, after);
    };

    private static Func<Outcome, Task> ReturnsId(string key) => o =>
    {
        Assert.Equal(key == "storeId" ? o.Target.StoreId : o.Target.Values[key], o.Body!["id"]!.GetValue<string>());
        return Task.CompletedTask;
    };

    private static Func<Outcome, Task> ListsId(Func<Fixture, string> id) => o =>
    {
        Assert.Contains(o.Body!.AsArray(), e => e!["id"]!.GetValue<string>() == id(o.Fx));
        return Task.CompletedTask;
    };

    private static Func<Outcome, Task> IsArray => o =>
    {
        Assert.IsType<JsonArray>(o.Body);
        return Task.CompletedTask;
    };

    private static async Task PullPaymentArchived(Outcome o)
    {
        var pp = await Http.Get(o.Fx.Admin, $"/api/v1/pull-payments/{o.Target.Values["pullPaymentId"]}");
        Assert.True(pp["archived"]!.GetValue<bool>());
        Assert.Equal("Cancelled", (await o.Fx.Node.Probe().Payout(o.Target.PayoutId!)).State);
    }

    private static async Task KeyNoLongerWorks(Fixture fx, string secret)
    {
        using var client = fx.Node.CreateClient();
        client.DefaultRequestHeaders.Add("Authorization", $"token {secret}");
        var body = await Http.Expect(await client.GetAsync("/api/v1/api-keys/current"), HttpStatusCode.Unauthorized);
        Assert.Equal("unauthenticated", body["code"]!.GetValue<string>());
    }

    // ---- The table ----

    public static readonly Row[] Rows =
    [
        // Health and the OpenAPI document: public.
        new("GET", "/health", f => Body(f, null), Anonymous),
        new("GET", "/api/v1/health", f => Body(f, null), Anonymous),
        new("GET", "/openapi/{documentName}.json", f => Task.FromResult(new Target(f.StoreId, new() { ["documentName"] = "v1" })), Anonymous),

        // Stores.
        new("POST", "/api/v1/stores", f => Body(f, """{"name":"Matrix"}"""),
        [
            new("no key", null, 401),
            new("revoked key", [StoreModifySettings], 401, Revoked: true),
            new("canmodifystoresettings scoped to a store", [$"{StoreModifySettings}:{{store}}"], 403),
            new("insufficient unscoped canviewstoresettings", [StoreViewSettings], 403),
            new("lowest sufficient unscoped canmodifystoresettings", [StoreModifySettings], 200),
        ], Verify: CountsGrow(stores: 1)),
        new("GET", "/api/v1/stores", Shared, AnyKey, Verify: IsArray),
        new("GET", "/api/v1/stores/{storeId}", Shared, StoreScoped(StoreViewSettings, ManagePayouts), Verify: ReturnsId("storeId")),
        new("DELETE", "/api/v1/stores/{storeId}", FreshStore, StoreScoped(StoreModifySettings, StoreViewSettings),
            Watch: AdminGet("/api/v1/stores/{storeId}"),
            Verify: async o => Assert.StartsWith("404 ", await o.Fx.AdminRead($"/api/v1/stores/{o.Target.StoreId}"), StringComparison.Ordinal)),

        // API keys. Creating one needs the permissions it grants: here canmanagepayouts of the store.
        new("POST", "/api/v1/api-keys", f => Body(f, $$"""{"label":"sub","permissions":["{{ManagePayouts}}:{{f.StoreId}}"]}"""),
            StoreScoped(ManagePayouts, ViewPayouts), Verify: async o =>
            {
                await CountsGrow(keys: 1)(o);
                Assert.Equal(64, o.Body!["apiKey"]!.GetValue<string>().Length);
            }),
        new("GET", "/api/v1/api-keys", Shared,
        [
            new("no key", null, 401),
            new("revoked admin key", [ServerAdmin], 401, Revoked: true),
            new("insufficient unscoped canmodifystoresettings", [StoreModifySettings], 403),
            new("lowest sufficient canmodifyserversettings", [ServerAdmin], 200),
        ], Verify: IsArray),
        new("GET", "/api/v1/api-keys/current", Shared, AnyKey, Verify: o =>
        {
            Assert.Equal($"{ViewPullPayments}:{o.Target.StoreId}", Assert.Single(o.Body!["permissions"]!.AsArray())!.GetValue<string>());
            return Task.CompletedTask;
        }),
        new("DELETE", "/api/v1/api-keys/current", Shared, AnyKey, Verify: o => KeyNoLongerWorks(o.Fx, o.Secret!)),
        new("DELETE", "/api/v1/api-keys/{apikey}", async f =>
            {
                var (id, secret) = await f.InsertKey([$"{ViewPayouts}:{f.StoreId}"]);
                return new Target(f.StoreId, new() { ["apikey"] = id, ["victim"] = secret });
            },
            [
                new("no key", null, 401),
                new("revoked admin key", [ServerAdmin], 401, Revoked: true),
                new("another non-admin key (unscoped canmodifystoresettings)", [StoreModifySettings], 403),
                new("lowest sufficient canmodifyserversettings", [ServerAdmin], 200),
            ],
            Watch: (f, t) => f.Read(t.Values["victim"], "/api/v1/api-keys/current"),
            Verify: o => KeyNoLongerWorks(o.Fx, o.Target.Values["victim"])),

        // Store payouts.
        new("POST", "/api/v1/stores/{storeId}/payouts",
            f => Body(f, $$"""{"destination":"{{f.NextAddress()}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}"""),
            StoreScoped(ManagePayouts, ViewPayouts), Verify: CountsGrow(payouts: 1)),
        new("POST", "/api/v1/stores/{storeId}/payouts/bulk",
            f => Body(f, $$"""[{"destination":"{{f.NextAddress()}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"},{"destination":"{{f.NextAddress()}}","amount":"0.002","payoutMethodId":"BTC-CHAIN"}]"""),
            StoreScoped(ManagePayouts, ViewPayouts), Verify: CountsGrow(payouts: 2)),
        new("GET", "/api/v1/stores/{storeId}/payouts", Shared, StoreScoped(ViewPayouts, ViewPullPayments), Verify: ListsId(f => f.PayoutId)),
        .. PayoutRows("/api/v1/stores/{storeId}/payouts/{payoutId}"),
        .. PayoutRows("/api/v1/payouts/{payoutId}"),

        // Pull payments.
        new("POST", "/api/v1/stores/{storeId}/pull-payments", f => Body(f, """{"name":"pp","amount":"1","currency":"BTC","autoApproveClaims":false}"""),
            StoreScoped(CreateNonApprovedPullPayments, ViewPullPayments), Verify: CountsGrow(pullPayments: 1)),
        new("GET", "/api/v1/stores/{storeId}/pull-payments", Shared, StoreScoped(ViewPullPayments, ViewPayouts), Verify: ListsId(f => f.PullPaymentId)),
        new("DELETE", "/api/v1/stores/{storeId}/pull-payments/{pullPaymentId}", FreshPullPaymentWithClaim,
            StoreScoped(ManagePullPayments, CreatePullPayments), Watch: AdminGet("/api/v1/pull-payments/{pullPaymentId}"), Verify: PullPaymentArchived),
        new("DELETE", "/api/v1/pull-payments/{pullPaymentId}", FreshPullPaymentWithClaim,
            StoreScoped(ManagePullPayments, CreatePullPayments), Watch: AdminGet("/api/v1/pull-payments/{pullPaymentId}"), Verify: PullPaymentArchived),
        new("GET", "/api/v1/pull-payments/{pullPaymentId}", Shared, Anonymous, Verify: ReturnsId("pullPaymentId")),
        new("GET", "/api/v1/pull-payments/{pullPaymentId}/payouts", SharedClaim, Anonymous, Verify: ListsId(f => f.ClaimedPayoutId)),
        new("POST", "/api/v1/pull-payments/{pullPaymentId}/payouts",
            f => Task.FromResult(new Target(f.StoreId, new() { ["pullPaymentId"] = f.PullPaymentId },
                $$"""{"destination":"{{f.NextAddress()}}","amount":"0.0001","payoutMethodId":"BTC-CHAIN"}""")),
            Anonymous, Verify: CountsGrow(payouts: 1)),
        new("GET", "/api/v1/pull-payments/{pullPaymentId}/payouts/{payoutId}", SharedClaim, Anonymous, Verify: ReturnsId("payoutId")),

        // The sandbox rail's ledger: server admins only.
        new("GET", "/api/v1/sandbox/ledger", Shared,
        [
            new("no key", null, 401),
            new("revoked admin key", [ServerAdmin], 401, Revoked: true),
            new("insufficient unscoped canmodifystoresettings", [StoreModifySettings], 403),
            new("lowest sufficient canmodifyserversettings", [ServerAdmin], 200),
        ], Verify: IsArray),

        // Payout processors.
        new("GET", "/api/v1/payout-processors", Shared, AnyKey, Verify: o =>
        {
            Assert.Equal(2, o.Body!.AsArray().Count);
            return Task.CompletedTask;
        }),
        new("GET", "/api/v1/stores/{storeId}/payout-processors", Shared, StoreScoped(StoreViewSettings, ManagePayouts), Verify: IsArray),
        new("GET", "/api/v1/stores/{storeId}/payout-processors/{processor}", Shared, StoreScoped(StoreViewSettings, ManagePayouts), Verify: IsArray),
        new("GET", "/api/v1/stores/{storeId}/payout-processors/{processor}/{payoutMethodId}", Shared,
            StoreScoped(StoreViewSettings, ManagePayouts), Verify: IsArray),
        new("PUT", "/api/v1/stores/{storeId}/payout-processors/{processor}", FreshStoreForProcessor(OnChain, "BTC-CHAIN", """{"intervalSeconds":600}"""),
            StoreScoped(StoreModifySettings, StoreViewSettings), Watch: AdminGet("/api/v1/stores/{storeId}/payout-processors"),
            Verify: async o => Assert.Contains(OnChain, await o.Fx.AdminRead($"/api/v1/stores/{o.Target.StoreId}/payout-processors"), StringComparison.Ordinal)),
        new("PUT", "/api/v1/stores/{storeId}/payout-processors/{processor}/{payoutMethodId}",
            FreshStoreForProcessor(Lightning, "BTC-LN", """{"intervalSeconds":60}"""),
            StoreScoped(StoreModifySettings, StoreViewSettings), Watch: AdminGet("/api/v1/stores/{storeId}/payout-processors"),
            Verify: async o => Assert.Contains(Lightning, await o.Fx.AdminRead($"/api/v1/stores/{o.Target.StoreId}/payout-processors"), StringComparison.Ordinal)),
        new("DELETE", "/api/v1/stores/{storeId}/payout-processors/{processor}/{payoutMethodId}", FreshStoreWithProcessor,
            StoreScoped(StoreModifySettings, StoreViewSettings), Watch: AdminGet("/api/v1/stores/{storeId}/payout-processors"),
            Verify: async o => Assert.Equal("200 []", await o.Fx.AdminRead($"/api/v1/stores/{o.Target.StoreId}/payout-processors"))),

        new("GET", "/api/v1/stores/{storeId}/rails", Shared, StoreScoped(StoreViewSettings, ManagePayouts), Verify: IsArray),
        new("GET", "/api/v1/stores/{storeId}/rails/{payoutMethodId}", Shared, StoreScoped(StoreViewSettings, ManagePayouts),
            Verify: o => Task.Run(() => Assert.Equal("sandbox", o.Body!["type"]!.GetValue<string>()))),
        new("PUT", "/api/v1/stores/{storeId}/rails/{payoutMethodId}", FreshStoreForRail,
            StoreScoped(StoreModifySettings, StoreViewSettings), Watch: AdminGet("/api/v1/stores/{storeId}/rails/BTC-CHAIN"),
            Verify: async o => Assert.Contains("\"network\":\"regtest\"", await o.Fx.AdminRead($"/api/v1/stores/{o.Target.StoreId}/rails/BTC-CHAIN"), StringComparison.Ordinal)),
        new("DELETE", "/api/v1/stores/{storeId}/rails/{payoutMethodId}", FreshStoreWithRail,
            StoreScoped(StoreModifySettings, StoreViewSettings), Watch: AdminGet("/api/v1/stores/{storeId}/rails/BTC-CHAIN"),
            Verify: async o => Assert.Contains("\"isDefault\":true", await o.Fx.AdminRead($"/api/v1/stores/{o.Target.StoreId}/rails/BTC-CHAIN"), StringComparison.Ordinal)),
        new("POST", "/api/v1/stores/{storeId}/rails/{payoutMethodId}/test", Shared, StoreScoped(StoreModifySettings, StoreViewSettings),
            Verify: o => Task.Run(() => Assert.True(o.Body!["ok"]!.GetValue<bool>()))),

        new("GET", "/api/v1/stores/{storeId}/webhooks", SharedWebhook, StoreScoped(StoreViewSettings, ManagePayouts), Verify: IsArray),
        new("POST", "/api/v1/stores/{storeId}/webhooks", FreshStoreForWebhook, StoreScoped(StoreModifySettings, StoreViewSettings),
            Watch: AdminGet("/api/v1/stores/{storeId}/webhooks"),
            Verify: o => Task.Run(() => Assert.False(string.IsNullOrEmpty(o.Body!["secret"]!.GetValue<string>())))),
        new("GET", "/api/v1/stores/{storeId}/webhooks/{webhookId}", SharedWebhook, StoreScoped(StoreViewSettings, ManagePayouts),
            Verify: ReturnsId("webhookId")),
        new("PUT", "/api/v1/stores/{storeId}/webhooks/{webhookId}", FreshWebhook("""{"url":"https://example.com/hook","enabled":false}"""),
            StoreScoped(StoreModifySettings, StoreViewSettings), Watch: AdminGet("/api/v1/stores/{storeId}/webhooks/{webhookId}"),
            Verify: o => Task.Run(() => Assert.False(o.Body!["enabled"]!.GetValue<bool>()))),
        new("DELETE", "/api/v1/stores/{storeId}/webhooks/{webhookId}", FreshWebhook(), StoreScoped(StoreModifySettings, StoreViewSettings),
            Watch: AdminGet("/api/v1/stores/{storeId}/webhooks"),
            Verify: async o => Assert.Equal("200 []", await o.Fx.AdminRead($"/api/v1/stores/{o.Target.StoreId}/webhooks"))),
        new("GET", "/api/v1/stores/{storeId}/webhooks/{webhookId}/deliveries", SharedWebhook, StoreScoped(StoreViewSettings, ManagePayouts),
            Verify: IsArray),
        new("GET", "/api/v1/stores/{storeId}/webhooks/{webhookId}/deliveries/{deliveryId}", SharedWebhook,
            StoreScoped(StoreViewSettings, ManagePayouts), Verify: ReturnsId("deliveryId")),
        new("GET", "/api/v1/stores/{storeId}/webhooks/{webhookId}/deliveries/{deliveryId}/request", SharedWebhook,
            StoreScoped(StoreViewSettings, ManagePayouts),
            Verify: o => Task.Run(() => Assert.Equal(o.Fx.DeliveryId, o.Body!["deliveryId"]!.GetValue<string>()))),
        new("POST", "/api/v1/stores/{storeId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver", SharedWebhook,
            StoreScoped(StoreModifySettings, StoreViewSettings), Watch: DeliveryCount,
            Verify: o => Task.Run(() => Assert.NotEqual(o.Fx.DeliveryId, o.Body!.GetValue<string>()))),
    ];

    /// <summary>The six commands on one payout; the store routes and the flattened routes need the same permissions.</summary>
    private static Row[] PayoutRows(string one) =>
    [
        new("GET", one, Shared, StoreScoped(ViewPayouts, ViewPullPayments), Verify: ReturnsId("payoutId")),
        new("POST", one, FreshPayout(approved: false, """{"revision":0}"""), StoreScoped(ManagePayouts, ViewPayouts),
            Verify: PayoutBecomes("AwaitingPayment", 1)),
        new("DELETE", one, FreshPayout(approved: false), StoreScoped(ManagePayouts, ViewPayouts), Verify: PayoutBecomes("Cancelled", 1)),
        new("POST", one + "/mark-paid", FreshPayout(approved: true), StoreScoped(ManagePayouts, ViewPayouts), Verify: PayoutBecomes("Completed", 1)),
        new("POST", one + "/mark", FreshPayout(approved: true, """{"state":"InProgress"}"""), StoreScoped(ManagePayouts, ViewPayouts),
            Verify: PayoutBecomes("InProgress", 1)),
        new("GET", one + "/events", Shared, StoreScoped(ViewPayouts, ViewPullPayments), Verify: o =>
        {
            Assert.Equal(0, o.Body!.AsArray()[0]!["revision"]!.GetValue<int>());
            return Task.CompletedTask;
        }),
    ];

    public static readonly Dictionary<string, (Row Row, Variant Variant)> Cases =
        Rows.SelectMany(r => r.Variants.Select(v => (Name: $"{r.Method} {r.Route} | {v.Name}", Case: (r, v))))
            .ToDictionary(x => x.Name, x => x.Case);

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory, MemberData(nameof(Names))]
    public async Task EveryEndpointAdmitsExactlyTheKeysItShould(string name)
    {
        var (row, variant) = Cases[name];
        await Run(name, row, variant.Grant, variant.Revoked, variant.Status);
    }

    [Fact]
    public void TheTableCoversEveryMappedEndpointAndNothingElse()
    {
        var mapped = fx.Node.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
                .Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .ToHashSet();
        var table = Rows.Select(r => $"{r.Method} {r.Route}").ToList();
        Assert.Equal(table.Count, table.Distinct().Count());
        Assert.Empty(mapped.Except(table));
        Assert.Empty(table.Except(mapped));
        // 42 store-scoped endpoints, each tried with a key of another store.
        Assert.Equal(42, Rows.Count(r => r.Variants.Any(v => v.Name.EndsWith("of another store", StringComparison.Ordinal))));

        static string Normalize(string raw) => raw.Length > 1 ? raw.TrimEnd('/') : raw;
    }

    // ---- The hierarchy: which store permission includes which, written out by hand from Greenfield's policies ----

    private static readonly string[] StorePermissions =
        [StoreModifySettings, StoreViewSettings, ManagePayouts, ViewPayouts, ManagePullPayments, CreatePullPayments, CreateNonApprovedPullPayments, ViewPullPayments];

    private static readonly Dictionary<string, string[]> Includes = new()
    {
        [ServerAdmin] = StorePermissions,
        [StoreModifySettings] = StorePermissions,
        [StoreViewSettings] = [StoreViewSettings, ViewPayouts, ViewPullPayments],
        [ManagePayouts] = [ManagePayouts, ViewPayouts],
        [ViewPayouts] = [ViewPayouts],
        [ManagePullPayments] = [ManagePullPayments, CreatePullPayments, CreateNonApprovedPullPayments, ViewPullPayments],
        [CreatePullPayments] = [CreatePullPayments, CreateNonApprovedPullPayments, ViewPullPayments],
        [CreateNonApprovedPullPayments] = [CreateNonApprovedPullPayments, ViewPullPayments],
        [ViewPullPayments] = [ViewPullPayments],
    };

    /// <summary>One endpoint per required permission, each needing exactly that permission.</summary>
    private static readonly Dictionary<string, Row> ProbeFor = new()
    {
        [StoreModifySettings] = RowOf("PUT", "/api/v1/stores/{storeId}/payout-processors/{processor}"),
        [StoreViewSettings] = RowOf("GET", "/api/v1/stores/{storeId}"),
        [ManagePayouts] = RowOf("POST", "/api/v1/stores/{storeId}/payouts"),
        [ViewPayouts] = RowOf("GET", "/api/v1/stores/{storeId}/payouts"),
        [ManagePullPayments] = RowOf("DELETE", "/api/v1/stores/{storeId}/pull-payments/{pullPaymentId}"),
        [CreatePullPayments] = RowOf("POST", "/api/v1/stores/{storeId}/pull-payments") with
        {
            Setup = f => Body(f, """{"name":"auto","amount":"1","currency":"BTC","autoApproveClaims":true}"""),
        },
        [CreateNonApprovedPullPayments] = RowOf("POST", "/api/v1/stores/{storeId}/pull-payments"),
        [ViewPullPayments] = RowOf("GET", "/api/v1/stores/{storeId}/pull-payments"),
    };

    private static Row RowOf(string method, string route) => Rows.Single(r => r.Method == method && r.Route == route);

    public static TheoryData<string, string> HierarchyCases
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var granted in Includes.Keys)
                foreach (var required in StorePermissions)
                    data.Add(granted, required);
            return data;
        }
    }

    [Theory, MemberData(nameof(HierarchyCases))]
    public async Task APermissionAllowsExactlyWhatItIncludes(string granted, string required)
    {
        var allowed = Includes[granted].Contains(required);
        var grant = granted == ServerAdmin ? granted : $"{granted}:{{store}}";
        await Run($"{granted} → {required}", ProbeFor[required], [grant], revoked: false, allowed ? 200 : 403);
    }

    [Fact]
    public async Task StoreSettingsManagerCanManagePayouts()
    {
        var key = await fx.KeyClient($"{StoreModifySettings}:{fx.StoreId}");
        var created = await Http.CreatePayout(key, fx.StoreId, fx.NextAddress());
        var id = created["id"]!.GetValue<string>();
        await Http.Expect(await Http.Approve(key, fx.StoreId, id, 0), HttpStatusCode.OK);
        await Http.Expect(await Http.MarkPaid(key, fx.StoreId, id), HttpStatusCode.OK);
        Assert.Equal(("Completed", 2), await fx.Node.Probe().Payout(id));
        var cancelled = await fx.NewPayout(fx.StoreId, approved: false);
        await Http.Expect(await Http.Cancel(key, fx.StoreId, cancelled), HttpStatusCode.OK);
        Assert.Equal(3, (await Http.Events(key, fx.StoreId, id)).Count);
    }

    [Fact]
    public async Task PullPaymentManagerCanCreatePullPaymentsWithOrWithoutAutoApproval()
    {
        var key = await fx.KeyClient($"{ManagePullPayments}:{fx.StoreId}");
        foreach (var auto in new[] { true, false })
        {
            var pp = await Http.Expect(await key.PostAsync($"/api/v1/stores/{fx.StoreId}/pull-payments",
                Http.Json($$"""{"amount":"1","currency":"BTC","autoApproveClaims":{{(auto ? "true" : "false")}}}""")), HttpStatusCode.OK);
            Assert.Equal(auto, pp["autoApproveClaims"]!.GetValue<bool>());
        }
    }

    [Fact]
    public async Task NonApprovedCreatorCannotCreateAnAutoApprovingPullPayment()
    {
        var key = await fx.KeyClient($"{CreateNonApprovedPullPayments}:{fx.StoreId}");
        var pp = await Http.Expect(await key.PostAsync($"/api/v1/stores/{fx.StoreId}/pull-payments",
            Http.Json("""{"amount":"1","currency":"BTC","autoApproveClaims":false}""")), HttpStatusCode.OK);
        Assert.False(pp["autoApproveClaims"]!.GetValue<bool>());
        var omitted = await Http.Expect(await key.PostAsync($"/api/v1/stores/{fx.StoreId}/pull-payments",
            Http.Json("""{"amount":"1","currency":"BTC"}""")), HttpStatusCode.OK);
        Assert.False(omitted["autoApproveClaims"]!.GetValue<bool>());

        var before = await fx.Node.Probe().CountAll();
        var refused = await Http.Expect(await key.PostAsync($"/api/v1/stores/{fx.StoreId}/pull-payments",
            Http.Json("""{"amount":"1","currency":"BTC","autoApproveClaims":true}""")), HttpStatusCode.Forbidden);
        Assert.Equal("missing-permission", refused["code"]!.GetValue<string>());
        Assert.Equal(before, await fx.Node.Probe().CountAll());
    }

    [Fact]
    public async Task AnUnscopedStorePermissionAppliesToEveryStore()
    {
        var key = await fx.KeyClient(ViewPayouts);
        foreach (var store in new[] { fx.StoreId, fx.OtherStoreId })
            Assert.IsType<JsonArray>(await Http.Get(key, $"/api/v1/stores/{store}/payouts"));
        var refused = await Http.Expect(await Http.Cancel(key, fx.StoreId, fx.PayoutId), HttpStatusCode.Forbidden);
        Assert.Equal("missing-permission", refused["code"]!.GetValue<string>());
    }

    // ---- The runner ----

    private async Task Run(string name, Row row, string[]? grant, bool revoked, int status)
    {
        var target = await row.Setup(fx);
        string? secret = null;
        if (grant is not null)
        {
            var permissions = grant.Select(g => g.Replace("{store}", target.StoreId, StringComparison.Ordinal)
                .Replace("{other}", fx.OtherStoreId, StringComparison.Ordinal)).ToArray();
            secret = (await fx.InsertKey(permissions, revoked)).Secret;
        }

        var probe = fx.Node.Probe();
        var before = await probe.CountAll();
        var payoutBefore = target.PayoutId is null ? default : await probe.Payout(target.PayoutId);
        var watchBefore = row.Watch is null ? null : await row.Watch(fx, target);

        using var client = fx.Node.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(row.Method), Fill(row.Route, target));
        if (target.Body is not null) request.Content = Http.Json(target.Body);
        if (secret is not null) request.Headers.TryAddWithoutValidation("Authorization", $"token {secret}");
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{name}: expected {status}, got {(int)response.StatusCode}: {text}");

        if (status >= 400)
        {
            var error = JsonNode.Parse(text)!;
            Assert.Equal(status == 401 ? "unauthenticated" : "missing-permission", error["code"]!.GetValue<string>());
            Assert.False(string.IsNullOrWhiteSpace(error["message"]!.GetValue<string>()));
            Assert.Equal(before, await probe.CountAll());
            if (target.PayoutId is not null) Assert.Equal(payoutBefore, await probe.Payout(target.PayoutId));
            if (row.Watch is not null) Assert.Equal(watchBefore, await row.Watch(fx, target));
        }
        else if (row.Verify is not null)
        {
            var json = text.Length == 0 || response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) != true
                ? null : JsonNode.Parse(text);
            await row.Verify(new Outcome(fx, target, secret, before, json));
        }
    }

    private static string Fill(string route, Target t)
    {
        var path = route.Replace("{storeId}", t.StoreId, StringComparison.Ordinal);
        foreach (var (k, v) in t.Values) path = path.Replace($"{{{k}}}", v, StringComparison.Ordinal);
        Assert.DoesNotContain("{", path, StringComparison.Ordinal);
        return path;
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private int _address = 1000;

        public InProcessNode Node { get; } = InProcessNode.Sqlite();
        public HttpClient Admin { get; private set; } = null!;
        public string StoreId { get; private set; } = "";
        public string OtherStoreId { get; private set; } = "";
        public string PayoutId { get; private set; } = "";
        public string PullPaymentId { get; private set; } = "";
        public string ClaimedPayoutId { get; private set; } = "";
        public string WebhookStoreId { get; private set; } = "";
        public string WebhookId { get; private set; } = "";
        public string DeliveryId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Admin = Node.Admin();
            StoreId = await Http.CreateStore(Admin, "Matrix");
            OtherStoreId = await Http.CreateStore(Admin, "Other");
            PayoutId = await NewPayout(StoreId, approved: false);
            (PullPaymentId, ClaimedPayoutId) = await NewPullPaymentWithClaim();
            // The other store has objects too, so a key scoped to it is a real key of a real store.
            await NewPayout(OtherStoreId, approved: false);
            // A store of its own for the webhook rows: one webhook, one payout, so one delivery once the dispatcher fans it out.
            WebhookStoreId = await Http.CreateStore(Admin, "Webhooks");
            WebhookId = (await Http.Expect(await Admin.PostAsync($"/api/v1/stores/{WebhookStoreId}/webhooks", Http.Json(WebhookBody)),
                HttpStatusCode.OK))["id"]!.GetValue<string>();
            await NewPayout(WebhookStoreId, approved: false);
            var deliveries = $"/api/v1/stores/{WebhookStoreId}/webhooks/{WebhookId}/deliveries";
            await SandboxHttp.WaitUntil(async () => (await Http.Get(Admin, deliveries)).AsArray().Count == 1, TimeSpan.FromSeconds(30),
                () => Task.FromResult("the payout's event was not fanned out to the webhook"));
            DeliveryId = (await Http.Get(Admin, deliveries)).AsArray()[0]!["id"]!.GetValue<string>();
        }

        public string NextAddress() => Http.Address(Interlocked.Increment(ref _address));

        public async Task<string> NewPayout(string storeId, bool approved) =>
            (await Http.CreatePayout(Admin, storeId, NextAddress(), approved: approved))["id"]!.GetValue<string>();

        public async Task<(string PullPaymentId, string ClaimId)> NewPullPaymentWithClaim()
        {
            var pp = await Http.Expect(await Admin.PostAsync($"/api/v1/stores/{StoreId}/pull-payments",
                Http.Json("""{"name":"Bounty","amount":"1","currency":"BTC"}""")), HttpStatusCode.OK);
            var ppId = pp["id"]!.GetValue<string>();
            var claim = await Http.Expect(await Admin.PostAsync($"/api/v1/pull-payments/{ppId}/payouts",
                Http.Json($$"""{"destination":"{{NextAddress()}}","amount":"0.01","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.OK);
            return (ppId, claim["id"]!.GetValue<string>());
        }

        public Task<(string Id, string Secret)> InsertKey(IReadOnlyList<string> permissions, bool revoked = false) =>
            TestKeys.Insert(Node.Services, permissions, revoked);

        /// <summary>A client holding a fresh key with these permissions.</summary>
        public async Task<HttpClient> KeyClient(params string[] permissions)
        {
            var (_, secret) = await InsertKey(permissions);
            var client = Node.CreateClient();
            client.DefaultRequestHeaders.Add("Authorization", $"token {secret}");
            return client;
        }

        /// <summary>"status body" of a GET with the given key: a snapshot to compare.</summary>
        public async Task<string> Read(string secret, string path)
        {
            using var client = Node.CreateClient();
            client.DefaultRequestHeaders.Add("Authorization", $"token {secret}");
            using var response = await client.GetAsync(path);
            return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
        }

        public Task<string> AdminRead(string path) => Read(AdminKey.Secret, path);

        public async Task DisposeAsync()
        {
            Admin.Dispose();
            await Node.DisposeAsync();
        }
    }
}

/// <summary>API keys written straight to the store, so a test can hold any permission set without going through the API.</summary>
internal static class TestKeys
{
    public static async Task<(string Id, string Secret)> Insert(IServiceProvider services, IReadOnlyList<string> permissions, bool revoked = false)
    {
        var store = services.GetRequiredService<IPayoutsStore>();
        var secret = ApiKey.NewSecret();
        var now = DateTimeOffset.UtcNow;
        var key = new ApiKey(Ids.New(), ApiKey.Hash(secret), "test", permissions, Bootstrap: false, now, RevokedAt: null);
        await store.ApiKeyCreate(key, null, default);
        if (revoked) Assert.True(await store.ApiKeyRevoke(key.Id, now, default));
        return (key.Id, secret);
    }
}

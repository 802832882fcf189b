using System.Net;
using System.Text.Json.Nodes;
using Payouts.Server.Tests.Support;
using static Payouts.Core.Auth.Permissions;
using static Payouts.Server.Tests.Api.ApiTestKit;
using static Payouts.Server.Tests.Support.Http;

namespace Payouts.Server.Tests.Api;

/// <summary>Stores (list, delete) and API keys (create, list, current, revoke) over HTTP, on each engine.</summary>
public sealed class StoresAndKeysApiTests
{
    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task AdminListsEveryStoreNewestFirstAndAScopedKeyOnlyItsOwn(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        var app = node.WithSteppingClock();
        using var admin = app.Keyed(AdminKey.Secret);
        Assert.Empty((await Get(admin, "/api/v1/stores")).AsArray());

        var ids = new List<string>();
        for (var i = 0; i < 4; i++) ids.Add(await CreateStore(admin, $"Store {i}"));
        ids.Reverse();

        var all = (await Get(admin, "/api/v1/stores")).AsArray();
        Assert.Equal(ids, IdsOf(all));
        Assert.Equal("Store 3", all[0]!["name"]!.GetValue<string>());
        Assert.All(all, s => Assert.Equal(["id", "name", "created"], s!.AsObject().Select(p => p.Key)));
        Assert.True(all[0]!["created"]!.GetValue<long>() >= all[3]!["created"]!.GetValue<long>());

        // Paging the admin listing returns each store once.
        using var page1 = await admin.GetAsync("/api/v1/stores?limit=3");
        var first = await Expect(page1, HttpStatusCode.OK);
        var cursor = Assert.Single(page1.Headers.GetValues("X-Next-Cursor"));
        var second = await Get(admin, $"/api/v1/stores?limit=3&cursor={cursor}");
        Assert.Equal(ids, IdsOf(first.AsArray()).Concat(IdsOf(second.AsArray())));

        // ids[0] is the newest store, ids[3] the oldest.
        using var one = await app.KeyedWith($"{StoreViewSettings}:{ids[2]}");
        Assert.Equal([ids[2]], IdsOf((await Get(one, "/api/v1/stores")).AsArray()));

        using var two = await app.KeyedWith($"{StoreViewSettings}:{ids[3]}", $"{StoreModifySettings}:{ids[1]}", $"{ManagePayouts}:{ids[0]}");
        Assert.Equal([ids[1], ids[3]], IdsOf((await Get(two, "/api/v1/stores")).AsArray()));

        // Managing a store's payouts does not let a key see the store itself.
        using var payoutsOnly = await app.KeyedWith($"{ManagePayouts}:{ids[0]}");
        Assert.Empty((await Get(payoutsOnly, "/api/v1/stores")).AsArray());
        Assert.Equal("missing-permission", Code(await Expect(await payoutsOnly.GetAsync($"/api/v1/stores/{ids[0]}"), HttpStatusCode.Forbidden)));

        using var unscoped = await app.KeyedWith(StoreViewSettings);
        Assert.Equal(ids, IdsOf((await Get(unscoped, "/api/v1/stores")).AsArray()));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task AStoreThatOwesApprovedPayoutsCannotBeDeletedUntilTheyAreSettled(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin, "Doomed");
        var keep = await CreateStore(admin, "Kept");
        var waiting = Id(await CreatePayout(admin, storeId, Address(1)));
        var approved = Id(await CreatePayout(admin, storeId, Address(2), approved: true));
        var sending = Id(await CreatePayout(admin, storeId, Address(3), approved: true));
        await Expect(await Mark(admin, storeId, sending, "InProgress"), HttpStatusCode.OK);

        var before = await node.Probe().CountAll();
        var refused = await Expect(await admin.DeleteAsync($"/api/v1/stores/{storeId}"), HttpStatusCode.Conflict);
        Assert.Equal("store-has-pending-payouts", Code(refused));
        Assert.Equal(before, await node.Probe().CountAll());
        Assert.Equal(storeId, Id(await Get(admin, $"/api/v1/stores/{storeId}")));

        // Cancelling the approved one is not enough while another is being sent.
        await Expect(await Cancel(admin, storeId, approved), HttpStatusCode.OK);
        Assert.Equal("store-has-pending-payouts", Code(await Expect(await admin.DeleteAsync($"/api/v1/stores/{storeId}"), HttpStatusCode.Conflict)));
        await Expect(await MarkPaid(admin, storeId, sending), HttpStatusCode.OK);

        // A payout still awaiting approval owes nothing: it does not hold the store.
        await Expect(await admin.DeleteAsync($"/api/v1/stores/{storeId}"), HttpStatusCode.OK);
        Assert.Equal("store-not-found", Code(await Expect(await admin.GetAsync($"/api/v1/stores/{storeId}"), HttpStatusCode.NotFound)));
        Assert.Equal("store-not-found", Code(await Expect(await admin.GetAsync($"/api/v1/stores/{storeId}/payouts"), HttpStatusCode.NotFound)));
        Assert.Equal("payout-not-found", Code(await Expect(await admin.GetAsync($"/api/v1/stores/{storeId}/payouts/{waiting}"), HttpStatusCode.NotFound)));
        Assert.Equal("payout-not-found", Code(await Expect(await admin.GetAsync($"/api/v1/payouts/{waiting}"), HttpStatusCode.NotFound)));
        Assert.Equal("store-not-found", Code(await Expect(await admin.PostAsync($"/api/v1/stores/{storeId}/payouts",
            Json($$"""{"destination":"{{Address(4)}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.NotFound)));
        Assert.Equal([keep], IdsOf((await Get(admin, "/api/v1/stores")).AsArray()));
        Assert.Equal("store-not-found", Code(await Expect(await admin.DeleteAsync($"/api/v1/stores/{storeId}"), HttpStatusCode.NotFound)));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task CancellingTheOnlyApprovedPayoutLetsTheStoreBeDeleted(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var approved = Id(await CreatePayout(admin, storeId, Address(1), approved: true));
        Assert.Equal("store-has-pending-payouts", Code(await Expect(await admin.DeleteAsync($"/api/v1/stores/{storeId}"), HttpStatusCode.Conflict)));
        await Expect(await Cancel(admin, storeId, approved), HttpStatusCode.OK);
        await Expect(await admin.DeleteAsync($"/api/v1/stores/{storeId}"), HttpStatusCode.OK);
        Assert.Equal("store-not-found", Code(await Expect(await admin.GetAsync($"/api/v1/stores/{storeId}"), HttpStatusCode.NotFound)));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ACreatedKeyShowsItsSecretOnceAndWorksWithExactlyItsPermissions(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var otherStore = await CreateStore(admin, "Other");

        var created = await Expect(await admin.PostAsync("/api/v1/api-keys",
            Json($$"""{"label":"payout bot","permissions":["{{ManagePayouts}}:{{storeId}}"]}""")), HttpStatusCode.OK);
        var secret = created["apiKey"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{64}$", secret);
        Assert.Equal("payout bot", created["label"]!.GetValue<string>());
        Assert.Equal([$"{ManagePayouts}:{storeId}"], created["permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.InRange(created["created"]!.GetValue<long>(), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());
        Assert.Null(created["revoked"]);

        using var bot = node.Keyed(secret);
        var payout = await CreatePayout(bot, storeId, Address(1));
        Assert.Equal("AwaitingApproval", payout["state"]!.GetValue<string>());
        Assert.Equal("missing-permission", Code(await Expect(await bot.PostAsync($"/api/v1/stores/{otherStore}/payouts",
            Json($$"""{"destination":"{{Address(2)}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.Forbidden)));

        // The key reads itself back, without the secret.
        var current = await Get(bot, "/api/v1/api-keys/current");
        Assert.Equal(Id(created), Id(current));
        Assert.Null(current["apiKey"]);
        Assert.Equal("payout bot", current["label"]!.GetValue<string>());

        // It may hand out a subset of what it holds (canviewpayouts is part of canmanagepayouts) ...
        var sub = await Expect(await bot.PostAsync("/api/v1/api-keys",
            Json($$"""{"permissions":["{{ViewPayouts}}:{{storeId}}"]}""")), HttpStatusCode.OK);
        using var viewer = node.Keyed(sub["apiKey"]!.GetValue<string>());
        Assert.Single((await Get(viewer, $"/api/v1/stores/{storeId}/payouts")).AsArray());
        Assert.Equal("missing-permission", Code(await Expect(await Cancel(viewer, storeId, Id(payout)), HttpStatusCode.Forbidden)));

        // ... but nothing it lacks: another store, the same permission unscoped, a higher permission, server admin.
        foreach (var permission in new[] { $"{ManagePayouts}:{otherStore}", ManagePayouts, $"{StoreModifySettings}:{storeId}", ServerAdmin })
        {
            var before = await node.Probe().CountAll();
            var refused = await Expect(await bot.PostAsync("/api/v1/api-keys",
                Json($$"""{"label":"escalate","permissions":["{{ViewPayouts}}:{{storeId}}","{{permission}}"]}""")), HttpStatusCode.Forbidden);
            Assert.Equal("missing-permission", Code(refused));
            Assert.Contains(permission, refused["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(before, await node.Probe().CountAll());
        }
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task UnknownOrMalformedPermissionsAreRefusedWithTheirPath(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var cases = new (string Permissions, string Path)[]
        {
            ("""["btcpay.store.canfly"]""", "permissions[0]"),
            ($$"""["{{ViewPayouts}}","btcpay.store.canfly"]""", "permissions[1]"),
            ($$"""["{{ViewPayouts}}:not a store id"]""", "permissions[0]"),
            ($$"""["{{ServerAdmin}}:{{storeId}}"]""", "permissions[0]"),
            ("""[null]""", "permissions[0]"),
            ("""["BTCPAY.STORE.CANVIEWPAYOUTS"]""", "permissions[0]"),
        };
        foreach (var (permissions, path) in cases)
        {
            var before = await node.Probe().CountAll();
            using var response = await admin.PostAsync("/api/v1/api-keys", Json($$"""{"label":"x","permissions":{{permissions}}}"""));
            var errors = (await Expect(response, HttpStatusCode.UnprocessableEntity)).AsArray();
            Assert.Contains(errors, e => e!["path"]!.GetValue<string>() == path);
            Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e!["message"]!.GetValue<string>())));
            Assert.Equal(before, await node.Probe().CountAll());
        }
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task TheAdminListsKeysWithoutSecrets(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        var app = node.WithSteppingClock();
        using var admin = app.Keyed(AdminKey.Secret);
        var storeId = await CreateStore(admin);
        var a = await CreateKey(admin, ViewPayouts);
        var b = await CreateKey(admin, $"{ManagePayouts}:{storeId}");

        var list = (await Get(admin, "/api/v1/api-keys")).AsArray();
        Assert.Equal(3, list.Count); // the bootstrap admin key and the two above, newest first
        Assert.Equal([Id(b), Id(a)], IdsOf(list).Take(2));
        Assert.Equal([ServerAdmin], list[2]!["permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.All(list, k => Assert.Null(k!["apiKey"]));
        var text = list.ToJsonString();
        Assert.DoesNotContain(a["apiKey"]!.GetValue<string>(), text, StringComparison.Ordinal);
        Assert.DoesNotContain(b["apiKey"]!.GetValue<string>(), text, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminKey.Secret, text, StringComparison.Ordinal);

        using var notAdmin = app.Keyed(a["apiKey"]!.GetValue<string>());
        Assert.Equal("missing-permission", Code(await Expect(await notAdmin.GetAsync("/api/v1/api-keys"), HttpStatusCode.Forbidden)));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task KeysAreRevokedByIdBySecretOrByThemselves(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);

        // By id, by the admin.
        var byId = await CreateKey(admin, $"{ViewPayouts}:{storeId}");
        await Works(node, byId);
        await Expect(await admin.DeleteAsync($"/api/v1/api-keys/{Id(byId)}"), HttpStatusCode.OK);
        await Refused(node, byId);
        var listed = (await Get(admin, "/api/v1/api-keys")).AsArray().Single(k => Id(k!) == Id(byId))!;
        Assert.NotNull(listed["revoked"]);

        // By the secret itself, as Greenfield names keys.
        var bySecret = await CreateKey(admin, $"{ViewPayouts}:{storeId}");
        await Expect(await admin.DeleteAsync($"/api/v1/api-keys/{bySecret["apiKey"]!.GetValue<string>()}"), HttpStatusCode.OK);
        await Refused(node, bySecret);

        // A non-admin key may not revoke another key; the other key keeps working.
        var victim = await CreateKey(admin, $"{ViewPayouts}:{storeId}");
        var attacker = await CreateKey(admin, StoreModifySettings);
        using (var attackerClient = node.Keyed(attacker["apiKey"]!.GetValue<string>()))
        {
            foreach (var name in new[] { Id(victim), victim["apiKey"]!.GetValue<string>() })
                Assert.Equal("missing-permission", Code(await Expect(await attackerClient.DeleteAsync($"/api/v1/api-keys/{name}"), HttpStatusCode.Forbidden)));
            // ... but may revoke itself by id.
            await Expect(await attackerClient.DeleteAsync($"/api/v1/api-keys/{Id(attacker)}"), HttpStatusCode.OK);
        }
        await Works(node, victim);
        await Refused(node, attacker);

        // DELETE /api-keys/current revokes the calling key.
        var self = await CreateKey(admin, $"{ViewPayouts}:{storeId}");
        using (var selfClient = node.Keyed(self["apiKey"]!.GetValue<string>()))
            await Expect(await selfClient.DeleteAsync("/api/v1/api-keys/current"), HttpStatusCode.OK);
        await Refused(node, self);

        // Unknown keys: 404 for the admin.
        Assert.Equal("apikey-not-found", Code(await Expect(await admin.DeleteAsync("/api/v1/api-keys/NoSuchKeyId"), HttpStatusCode.NotFound)));
        Assert.Equal("apikey-not-found", Code(await Expect(await admin.DeleteAsync($"/api/v1/api-keys/{new string('f', 64)}"), HttpStatusCode.NotFound)));
        await Works(node, victim);
    }

    private static async Task<JsonNode> CreateKey(HttpClient admin, params string[] permissions)
    {
        var list = string.Join(",", permissions.Select(p => $"\"{p}\""));
        return await Expect(await admin.PostAsync("/api/v1/api-keys", Json($$"""{"label":"k","permissions":[{{list}}]}""")), HttpStatusCode.OK);
    }

    private static async Task Works(InProcessNode node, JsonNode key)
    {
        using var client = node.Keyed(key["apiKey"]!.GetValue<string>());
        Assert.Equal(Id(key), Id(await Get(client, "/api/v1/api-keys/current")));
    }

    private static async Task Refused(InProcessNode node, JsonNode key)
    {
        using var client = node.Keyed(key["apiKey"]!.GetValue<string>());
        Assert.Equal("unauthenticated", Code(await Expect(await client.GetAsync("/api/v1/api-keys/current"), HttpStatusCode.Unauthorized)));
    }
}

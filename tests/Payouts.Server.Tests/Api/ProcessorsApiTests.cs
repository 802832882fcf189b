using System.Net;
using System.Text.Json.Nodes;
using Payouts.Server.Tests.Support;
using static Payouts.Server.Tests.Api.ApiTestKit;
using static Payouts.Server.Tests.Support.Http;

namespace Payouts.Server.Tests.Api;

/// <summary>Greenfield payout processor settings: the types, upsert, read back, delete, and refused settings, on each engine.</summary>
public sealed class ProcessorsApiTests
{
    private const string OnChain = "OnChainAutomatedPayoutSenderFactory";
    private const string Lightning = "LightningAutomatedPayoutSenderFactory";

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task TheServerListsBothProcessorTypesWithTheirPayoutMethods(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var types = (await Get(admin, "/api/v1/payout-processors")).AsArray();
        Assert.Equal(2, types.Count);
        var onChain = types.Single(t => t!["name"]!.GetValue<string>() == OnChain)!;
        var lightning = types.Single(t => t!["name"]!.GetValue<string>() == Lightning)!;
        Assert.Equal(["BTC-CHAIN"], Methods(onChain));
        Assert.Equal(["BTC-LN"], Methods(lightning));
        Assert.All(types, t =>
        {
            Assert.Equal(["name", "friendlyName", "payoutMethods"], t!.AsObject().Select(p => p.Key));
            Assert.False(string.IsNullOrWhiteSpace(t["friendlyName"]!.GetValue<string>()));
        });
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task OnChainSettingsAreUpsertedReadBackAndDeleted(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var otherStore = await CreateStore(admin, "Other");
        var root = $"/api/v1/stores/{storeId}/payout-processors";
        Assert.Empty((await Get(admin, root)).AsArray());

        var put = await Expect(await admin.PutAsync($"{root}/{OnChain}/BTC-CHAIN",
            Json("""{"intervalSeconds":600,"feeTargetBlock":6,"threshold":"0.5","processNewPayoutsInstantly":true}""")), HttpStatusCode.OK);
        const string Expected = """{"payoutMethodId":"BTC-CHAIN","feeTargetBlock":6,"intervalSeconds":600,"threshold":"0.5","processNewPayoutsInstantly":true}""";
        AssertSameJson(Expected, put);
        AssertSameJson($"[{Expected}]", await Get(admin, $"{root}/{OnChain}/BTC-CHAIN"));
        AssertSameJson($"[{Expected}]", await Get(admin, $"{root}/{OnChain}"));
        AssertSameJson($"[{Expected}]", await Get(admin, $"{root}/{OnChain}/BTC"));
        Assert.True(JsonNode.DeepEquals(put, (await Get(admin, $"{root}/{OnChain}/BTC-CHAIN"))[0]), "GET must return exactly what PUT answered");
        Assert.Empty((await Get(admin, $"{root}/{Lightning}")).AsArray());
        var configured = Assert.Single((await Get(admin, root)).AsArray())!;
        Assert.Equal(OnChain, configured["name"]!.GetValue<string>());
        Assert.Equal(["BTC-CHAIN"], Methods(configured));
        Assert.Empty((await Get(admin, $"/api/v1/stores/{otherStore}/payout-processors")).AsArray());

        // PUT again replaces the settings (omitted fields take their defaults); still one entry.
        var again = await Expect(await admin.PutAsync($"{root}/{OnChain}/BTC-CHAIN", Json("""{"intervalSeconds":"120","threshold":0.25}""")), HttpStatusCode.OK);
        const string Updated = """{"payoutMethodId":"BTC-CHAIN","feeTargetBlock":1,"intervalSeconds":120,"threshold":"0.25","processNewPayoutsInstantly":false}""";
        AssertSameJson(Updated, again);
        AssertSameJson($"[{Updated}]", await Get(admin, $"{root}/{OnChain}"));
        Assert.True(JsonNode.DeepEquals(again, (await Get(admin, $"{root}/{OnChain}"))[0]), "GET must return exactly what PUT answered");
        await Expect(await admin.PutAsync($"{root}/{OnChain}/BTC-CHAIN", Json("""{"intervalSeconds":"120","threshold":0.25}""")), HttpStatusCode.OK);
        AssertSameJson($"[{Updated}]", await Get(admin, $"{root}/{OnChain}"));
        Assert.Single((await Get(admin, root)).AsArray());

        await Expect(await admin.DeleteAsync($"{root}/{OnChain}/BTC-CHAIN"), HttpStatusCode.OK);
        Assert.Empty((await Get(admin, $"{root}/{OnChain}/BTC-CHAIN")).AsArray());
        Assert.Empty((await Get(admin, root)).AsArray());
        Assert.Equal("processor-not-found", Code(await Expect(await admin.DeleteAsync($"{root}/{OnChain}/BTC-CHAIN"), HttpStatusCode.NotFound)));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task LightningSettingsLiveBesideOnChainOnes(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var root = $"/api/v1/stores/{storeId}/payout-processors";

        var put = await Expect(await admin.PutAsync($"{root}/{Lightning}/BTC-LN",
            Json("""{"intervalSeconds":60,"cancelPayoutAfterFailures":3,"processNewPayoutsInstantly":true}""")), HttpStatusCode.OK);
        const string Expected = """{"payoutMethodId":"BTC-LN","intervalSeconds":60,"cancelPayoutAfterFailures":3,"processNewPayoutsInstantly":true}""";
        AssertSameJson(Expected, put);
        AssertSameJson($"[{Expected}]", await Get(admin, $"{root}/{Lightning}/BTC-LN"));

        var defaults = await Expect(await admin.PutAsync($"{root}/{Lightning}/BTC_LightningLike", Json("{}")), HttpStatusCode.OK);
        const string Defaults = """{"payoutMethodId":"BTC-LN","intervalSeconds":3600,"cancelPayoutAfterFailures":null,"processNewPayoutsInstantly":false}""";
        AssertSameJson(Defaults, defaults);
        AssertSameJson($"[{Defaults}]", await Get(admin, $"{root}/{Lightning}"));

        await Expect(await admin.PutAsync($"{root}/{OnChain}/BTC-CHAIN", Json("{}")), HttpStatusCode.OK);
        var both = (await Get(admin, root)).AsArray();
        Assert.Equal([Lightning, OnChain], both.Select(p => p!["name"]!.GetValue<string>()).Order());

        // Deleting one leaves the other.
        await Expect(await admin.DeleteAsync($"{root}/{Lightning}/BTC-LN"), HttpStatusCode.OK);
        Assert.Equal(OnChain, Assert.Single((await Get(admin, root)).AsArray())!["name"]!.GetValue<string>());
        Assert.Equal("processor-not-found", Code(await Expect(await admin.DeleteAsync($"{root}/{Lightning}/BTC-LN"), HttpStatusCode.NotFound)));
        // The configured on-chain processor is not a Lightning one.
        Assert.Equal("payment-method-not-supported", Code(await Expect(await admin.DeleteAsync($"{root}/{Lightning}/BTC-CHAIN"), HttpStatusCode.BadRequest)));
        Assert.Single((await Get(admin, root)).AsArray());
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task PutWithoutAMethodUsesTheProcessorsDefaultMethod(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var root = $"/api/v1/stores/{storeId}/payout-processors";

        var onChain = await Expect(await admin.PutAsync($"{root}/{OnChain}", Json("""{"intervalSeconds":300}""")), HttpStatusCode.OK);
        Assert.Equal("BTC-CHAIN", onChain["payoutMethodId"]!.GetValue<string>());
        // Greenfield's other spelling of the on-chain processor names the same one.
        var alias = await Expect(await admin.PutAsync($"{root}/OnChainAutomatedTransferSenderFactory", Json("""{"intervalSeconds":400}""")), HttpStatusCode.OK);
        Assert.Equal("BTC-CHAIN", alias["payoutMethodId"]!.GetValue<string>());
        var lightning = await Expect(await admin.PutAsync($"{root}/{Lightning}", Json("""{"intervalSeconds":30}""")), HttpStatusCode.OK);
        Assert.Equal("BTC-LN", lightning["payoutMethodId"]!.GetValue<string>());

        Assert.Equal(400, Assert.Single((await Get(admin, $"{root}/{OnChain}/BTC-CHAIN")).AsArray())!["intervalSeconds"]!.GetValue<int>());
        Assert.Equal(30, Assert.Single((await Get(admin, $"{root}/{Lightning}/BTC-LN")).AsArray())!["intervalSeconds"]!.GetValue<int>());
        Assert.Equal(2, (await Get(admin, root)).AsArray().Count);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task BadSettingsAreRefusedAndStoreNothing(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var root = $"/api/v1/stores/{storeId}/payout-processors";
        var onChain = $"{root}/{OnChain}/BTC-CHAIN";
        var lightning = $"{root}/{Lightning}/BTC-LN";

        (string Path, string Body, string JsonPath)[] invalid =
        [
            (onChain, """{"intervalSeconds":0}""", "intervalSeconds"),
            (onChain, """{"intervalSeconds":86401}""", "intervalSeconds"),
            (onChain, """{"intervalSeconds":1.5}""", "intervalSeconds"),
            (onChain, """{"intervalSeconds":-60}""", "intervalSeconds"),
            (onChain, """{"intervalSeconds":"soon"}""", "intervalSeconds"),
            (onChain, """{"feeTargetBlock":0}""", "feeTargetBlock"),
            (onChain, """{"feeTargetBlock":1001}""", "feeTargetBlock"),
            (onChain, """{"feeTargetBlock":2.5}""", "feeTargetBlock"),
            (onChain, """{"threshold":"-1"}""", "threshold"),
            (onChain, """{"threshold":"lots"}""", "threshold"),
            (onChain, """{"threshold":true}""", "threshold"),
            (onChain, """{"processNewPayoutsInstantly":"yes"}""", "processNewPayoutsInstantly"),
            (onChain, """{"intervalSeconds":600,"unknownField":1}""", "unknownField"),
            (onChain, """{"cancelPayoutAfterFailures":3}""", "cancelPayoutAfterFailures"),
            (onChain, "[]", "$"),
            (lightning, """{"intervalSeconds":0}""", "intervalSeconds"),
            (lightning, """{"intervalSeconds":86401}""", "intervalSeconds"),
            (lightning, """{"cancelPayoutAfterFailures":0}""", "cancelPayoutAfterFailures"),
            (lightning, """{"cancelPayoutAfterFailures":1001}""", "cancelPayoutAfterFailures"),
            (lightning, """{"feeTargetBlock":6}""", "feeTargetBlock"),
            (lightning, """{"threshold":"1"}""", "threshold"),
        ];
        var before = await node.Probe().CountAll();
        foreach (var (path, body, jsonPath) in invalid)
        {
            using var response = await admin.PutAsync(path, Json(body));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{path} {body}: expected 422, got {(int)response.StatusCode}: {text}");
            var errors = JsonNode.Parse(text)!.AsArray();
            Assert.True(errors.Any(e => e!["path"]!.GetValue<string>() == jsonPath), $"{path} {body}: expected path {jsonPath}, got {text}");
            Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e!["message"]!.GetValue<string>())));
        }

        (string Method, string Path, string? Body, int Status, string Code)[] refused =
        [
            ("PUT", $"{root}/{OnChain}/BTC-LN", "{}", 400, "payment-method-not-supported"),
            ("PUT", $"{root}/{Lightning}/BTC-CHAIN", "{}", 400, "payment-method-not-supported"),
            ("PUT", $"{root}/{OnChain}/DOGE-CHAIN", "{}", 400, "payment-method-not-supported"),
            ("GET", $"{root}/{OnChain}/BTC-LN", null, 400, "payment-method-not-supported"),
            ("PUT", $"{root}/NoSuchProcessorFactory/BTC-CHAIN", "{}", 404, "processor-not-found"),
            ("PUT", $"{root}/NoSuchProcessorFactory", "{}", 404, "processor-not-found"),
            ("GET", $"{root}/NoSuchProcessorFactory", null, 404, "processor-not-found"),
            ("DELETE", $"{root}/NoSuchProcessorFactory/BTC-CHAIN", null, 404, "processor-not-found"),
            ("DELETE", $"{root}/{OnChain}/BTC-CHAIN", null, 404, "processor-not-found"),
            ("PUT", $"/api/v1/stores/NoSuchStore/payout-processors/{OnChain}/BTC-CHAIN", "{}", 404, "store-not-found"),
            ("GET", "/api/v1/stores/NoSuchStore/payout-processors", null, 404, "store-not-found"),
            ("PUT", onChain, """{"intervalSeconds":""", 400, "invalid-json"),
            ("PUT", onChain, "", 400, "invalid-json"),
        ];
        foreach (var (method, path, body, status, code) in refused)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (body is not null) request.Content = Json(body);
            using var response = await admin.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status, $"{method} {path}: expected {status}, got {(int)response.StatusCode}: {text}");
            Assert.Equal(code, Code(JsonNode.Parse(text)!));
        }

        Assert.Equal(before, await node.Probe().CountAll());
        Assert.Empty((await Get(admin, root)).AsArray());
    }

    private static IEnumerable<string> Methods(JsonNode processor) =>
        processor["payoutMethods"]!.AsArray().Select(m => m!.GetValue<string>());

    /// <summary>
    /// Every Greenfield property in <paramref name="expected"/> has the same value in <paramref name="actual"/>, in any order;
    /// properties beyond Greenfield (fee limits, policy) may be present. Arrays are compared element by element.
    /// </summary>
    private static void AssertSameJson(string expected, JsonNode actual) => AssertGreenfieldSubset(JsonNode.Parse(expected)!, actual);

    private static void AssertGreenfieldSubset(JsonNode expected, JsonNode actual)
    {
        if (expected is JsonArray list)
        {
            var items = Assert.IsType<JsonArray>(actual);
            Assert.Equal(list.Count, items.Count);
            for (var i = 0; i < list.Count; i++) AssertGreenfieldSubset(list[i]!, items[i]!);
            return;
        }
        var o = Assert.IsType<JsonObject>(actual);
        foreach (var (name, value) in expected.AsObject())
        {
            Assert.True(o.ContainsKey(name), $"missing {name} in {actual.ToJsonString()}");
            Assert.True(JsonNode.DeepEquals(value, o[name]), $"{name}: expected {value?.ToJsonString() ?? "null"}, got {actual.ToJsonString()}");
        }
    }
}

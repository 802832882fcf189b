using System.Net;
using System.Text.Json.Nodes;
using Payouts.Core.Bitcoin;
using Payouts.Server.Tests.Support;
using static Payouts.Server.Tests.Support.Http;

namespace Payouts.Server.Tests.Api;

/// <summary>
/// A store's rail per payout method: secrets never come back, bad configurations are 422 with the field at fault and
/// change nothing, the store's network decides which addresses its payouts may use, and a rail with an unfinished
/// attempt cannot be swapped under it.
/// </summary>
public sealed class RailsApiTests
{
    private const string Bitcoind = "type=bitcoind;server=http://127.0.0.1:18443;user=rpcuser;password=s3cret-pass;wallet=store1";

    private static string Body(string connectionString, string? network = "regtest", string extra = "") =>
        $$"""{"connectionString":"{{connectionString}}"{{(network is null ? "" : $",\"network\":\"{network}\"")}}{{extra}}}""";

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ABitcoindRailIsSavedReadBackMaskedAndDeleted(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var path = $"/api/v1/stores/{storeId}/rails/BTC-CHAIN";

        var before = await Get(admin, path);
        Assert.Equal("sandbox", before["type"]!.GetValue<string>());
        Assert.True(before["isDefault"]!.GetValue<bool>());

        var put = await admin.PutAsync(path, Json(Body(Bitcoind, "regtest", ",\"minConfirmations\":2,\"feeBumpAfterMinutes\":30")));
        var saved = await Expect(put, HttpStatusCode.OK);
        var text = saved.ToJsonString();
        Assert.DoesNotContain("s3cret-pass", text, StringComparison.Ordinal);
        Assert.Equal("type=bitcoind;server=http://127.0.0.1:18443;user=rpcuser;password=***;wallet=store1", saved["connectionString"]!.GetValue<string>());
        Assert.Equal("bitcoind", saved["type"]!.GetValue<string>());
        Assert.Equal("regtest", saved["network"]!.GetValue<string>());
        Assert.Equal(2, saved["minConfirmations"]!.GetValue<int>());
        Assert.Equal(6, saved["finalConfirmations"]!.GetValue<int>());
        Assert.Equal(30, saved["feeBumpAfterMinutes"]!.GetValue<int>());
        Assert.False(saved["isDefault"]!.GetValue<bool>());

        var list = (await Get(admin, $"/api/v1/stores/{storeId}/rails")).AsArray();
        Assert.Equal(["BTC-CHAIN", "BTC-LN"], list.Select(r => r!["payoutMethodId"]!.GetValue<string>()));
        Assert.DoesNotContain("s3cret-pass", list.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("sandbox", list[1]!["type"]!.GetValue<string>());

        await Expect(await admin.DeleteAsync(path), HttpStatusCode.OK);
        Assert.True((await Get(admin, path))["isDefault"]!.GetValue<bool>());
        var again = await Expect(await admin.DeleteAsync(path), HttpStatusCode.NotFound);
        Assert.Equal("rail-not-found", again["code"]!.GetValue<string>());
    }

    public static TheoryData<string, string, string> BadConfigurations => new()
    {
        { Body("type=bitcoind;user=u;password=p;wallet=w"), "connectionString", "'server' is required" },
        { Body("type=bitcoind;server=ftp://x;user=u;password=p;wallet=w"), "connectionString", "http(s) URL" },
        { Body("type=bitcoind;server=http://u:p@127.0.0.1:8332;user=u;password=p;wallet=w"), "connectionString", "without credentials" },
        { Body("type=bitcoind;server=http://127.0.0.1:8332;wallet=w"), "connectionString", "user and password" },
        { Body("type=bitcoind;server=http://127.0.0.1:8332;user=u;password=p;cookiefile=/c;wallet=w"), "connectionString", "not both" },
        { Body("type=bitcoind;server=http://127.0.0.1:8332;cookiefile=relative/.cookie;wallet=w"), "connectionString", "absolute path" },
        { Body("type=bitcoind;server=http://127.0.0.1:8332;user=u;password=p"), "connectionString", "'wallet' is required" },
        { Body("type=bitcoind;server=http://127.0.0.1:8332;user=u;password=p;wallet=w;timeout=0"), "connectionString", "'timeout'" },
        { Body(Bitcoind, network: null), "network", "mainnet, testnet, signet or regtest" },
        { Body(Bitcoind, network: "liquid"), "network", "mainnet, testnet, signet or regtest" },
        { Body(Bitcoind, "regtest", ",\"minConfirmations\":0"), "minConfirmations", "between 1" },
        { Body(Bitcoind, "regtest", ",\"minConfirmations\":3,\"finalConfirmations\":2"), "finalConfirmations", "minConfirmations" },
        { Body(Bitcoind, "regtest", ",\"feeBumpAfterMinutes\":-1"), "feeBumpAfterMinutes", "0 (never bump)" },
        { Body("type=lnd-rest;server=https://x"), "connectionString", "sends Lightning payouts only" },
        { Body("type=eclair;server=https://x"), "connectionString", "Unknown rail type 'eclair'" },
        { Body("server=http://x"), "connectionString", "'type' is required" },
        { Body("type=bitcoind;server=http://x;server=http://y"), "connectionString", "given twice" },
    };

    [Theory, MemberData(nameof(BadConfigurations))]
    public async Task ABadConfigurationIs422OnTheFieldAtFaultAndChangesNothing(string body, string path, string message)
    {
        await using var node = await InProcessNode.Create("sqlite");
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var route = $"/api/v1/stores/{storeId}/rails/BTC-CHAIN";

        var errors = (await Expect(await admin.PutAsync(route, Json(body)), HttpStatusCode.UnprocessableEntity)).AsArray();

        Assert.Contains(errors, e => e!["path"]!.GetValue<string>() == path && e["message"]!.GetValue<string>().Contains(message, StringComparison.Ordinal));
        Assert.DoesNotContain("password=p", errors.ToJsonString(), StringComparison.Ordinal);
        Assert.True((await Get(admin, route))["isDefault"]!.GetValue<bool>());
    }

    [Fact]
    public async Task BitcoindIsRefusedForLightning()
    {
        await using var node = await InProcessNode.Create("sqlite");
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);

        var errors = (await Expect(await admin.PutAsync($"/api/v1/stores/{storeId}/rails/BTC-LN", Json(Body(Bitcoind))),
            HttpStatusCode.UnprocessableEntity)).AsArray();

        Assert.Contains("on-chain payouts only", errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task TheStoresNetworkDecidesWhichAddressesItsPayoutsMayUse(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var mainnet = Bech32.EncodeWitness("bc", 0, Enumerable.Repeat((byte)7, 20).ToArray());
        var regtest = Address(1);

        // Without a rail (the sandbox), any network's valid address is accepted.
        await CreatePayout(admin, storeId, mainnet);
        await Expect(await admin.PutAsync($"/api/v1/stores/{storeId}/rails/BTC-CHAIN", Json(Body(Bitcoind, "regtest"))), HttpStatusCode.OK);

        var refused = await admin.PostAsync($"/api/v1/stores/{storeId}/payouts",
            Json($$"""{"destination":"{{Bech32.EncodeWitness("bc", 0, Enumerable.Repeat((byte)8, 20).ToArray())}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}"""));
        var entry = (await Expect(refused, HttpStatusCode.UnprocessableEntity)).AsArray().Single()!;
        Assert.Equal("destination", entry["path"]!.GetValue<string>());
        Assert.Equal("invalid-destination", entry["code"]!.GetValue<string>());
        Assert.Contains("mainnet address but this store's wallet is on regtest", entry["message"]!.GetValue<string>(), StringComparison.Ordinal);
        await CreatePayout(admin, storeId, regtest);

        var bulk = await admin.PostAsync($"/api/v1/stores/{storeId}/payouts/bulk",
            Json($$"""[{"destination":"{{Address(2)}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"},{"destination":"{{Bech32.EncodeWitness("bc", 0, Enumerable.Repeat((byte)9, 20).ToArray())}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}]"""));
        var bulkErrors = (await Expect(bulk, HttpStatusCode.UnprocessableEntity)).AsArray();
        Assert.Equal("[1].destination", bulkErrors.Single()!["path"]!.GetValue<string>());
        Assert.Equal(2, (await Get(admin, $"/api/v1/stores/{storeId}/payouts")).AsArray().Count);
    }

    [Fact]
    public async Task ARailWithAnUnfinishedAttemptCannotBeChanged()
    {
        // The sandbox's "stays in flight" trigger keeps an attempt unfinished; only the rail that made it can finish it.
        await using var node = SandboxNode.Sqlite();
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        await SandboxHttp.PutProcessor(admin, storeId, SandboxHttp.Chain);
        var payoutId = await SandboxHttp.CreateApproved(admin, storeId, SandboxHttp.Chain, 3, "0.00004102");
        await SandboxHttp.WaitForStates(admin, storeId, [payoutId], "InProgress", TimeSpan.FromSeconds(30));

        var error = await Expect(await admin.PutAsync($"/api/v1/stores/{storeId}/rails/BTC-CHAIN", Json(Body(Bitcoind))), HttpStatusCode.Conflict);

        Assert.Equal("rail-busy", error["code"]!.GetValue<string>());
        Assert.True((await Get(admin, $"/api/v1/stores/{storeId}/rails/BTC-CHAIN"))["isDefault"]!.GetValue<bool>());
        // Lightning has no unfinished attempt: its rail can change.
        await Expect(await admin.PutAsync($"/api/v1/stores/{storeId}/rails/BTC-LN", Json(Body("type=sandbox", null))), HttpStatusCode.OK);
    }
}

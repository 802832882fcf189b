using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Payouts.Server.Tests.Bitcoin;
using Payouts.Server.Tests.Support;
using Payouts.Simulators.Lightning;
using Payouts.Simulators.Lightning.Cln;
using Payouts.Simulators.Lightning.Lnd;

namespace Payouts.Server.Tests.LightningPayouts;

/// <summary>
/// <c>POST …/rails/BTC-LN/test</c> against the node simulators over real HTTP(S) and a unix socket: a good
/// configuration reports the node (id, alias, chain, height, version, channels, balance); each way of getting it wrong
/// is ok:false with a problem that names it; no answer ever carries the macaroon.
/// </summary>
public sealed class LightningRailConnectionTests
{
    private static async Task<JsonNode> Test(HttpClient c, string storeId, string? body, params string[] secrets)
    {
        var path = $"/api/v1/stores/{storeId}/rails/{Ln.Method}/test";
        var response = body is null ? await c.PostAsync(path, null) : await c.PostAsync(path, Http.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        foreach (var secret in secrets) Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        return JsonNode.Parse(text)!;
    }

    private static List<string> Problems(JsonNode r) => r["problems"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();

    private static void AssertOk(JsonNode r, string type, string nodeId, string alias)
    {
        Assert.True(r["ok"]!.GetValue<bool>(), r.ToJsonString());
        Assert.Empty(Problems(r));
        Assert.Equal((type, "regtest", 800L, nodeId, alias, 1), (r["type"]!.GetValue<string>(), r["chain"]!.GetValue<string>(),
            r["blocks"]!.GetValue<long>(), r["nodeId"]!.GetValue<string>(), r["wallet"]!.GetValue<string>(), r["activeChannels"]!.GetValue<int>()));
        Assert.False(string.IsNullOrEmpty(r["version"]?.GetValue<string>()), r.ToJsonString());
    }

    private static void AssertNotOk(JsonNode r, string type, string problem)
    {
        Assert.False(r["ok"]!.GetValue<bool>(), r.ToJsonString());
        Assert.Equal(type, r["type"]!.GetValue<string>());
        Assert.Contains(Problems(r), p => p.Contains(problem, StringComparison.Ordinal));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // Proves, for LND over HTTP: ok with the node's id, alias, chain, height, version, channels and channel balance,
    // given in the body or saved (the saved rail's answer masks the macaroon); ok:false naming the macaroon for a wrong
    // one, naming both networks for a rail set to testnet, and with a problem for a port nothing listens on. No answer
    // carries either macaroon.
    [Fact]
    public async Task LndIsReportedAndEachMistakeIsNamed()
    {
        var network = new LightningNetworkSim();
        await using var lnd = await LndSimulator.Start(network);
        await using var node = new BitcoinNode();
        using var admin = node.Admin();
        var storeId = await Http.CreateStore(admin);
        var wrongMacaroon = new string('a', 128);
        var secrets = new[] { lnd.MacaroonHex, wrongMacaroon };

        var ok = await Test(admin, storeId, Ln.RailBody(Ln.LndConnectionString(lnd)), secrets);
        AssertOk(ok, "lnd-rest", lnd.IdentityPubKey, "lnd-sim");
        Assert.Equal(0.1m, decimal.Parse(ok["balanceTrusted"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture));

        var saved = await Ln.ConfigureRail(admin, storeId, Ln.LndConnectionString(lnd));
        Assert.Contains("macaroon=***", saved["connectionString"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(lnd.MacaroonHex, saved.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        AssertOk(await Test(admin, storeId, null, secrets), "lnd-rest", lnd.IdentityPubKey, "lnd-sim");

        AssertNotOk(await Test(admin, storeId, Ln.RailBody(Ln.LndConnectionString(lnd, macaroon: wrongMacaroon)), secrets), "lnd-rest", "macaroon");
        AssertNotOk(await Test(admin, storeId, Ln.RailBody(Ln.LndConnectionString(lnd), network: "testnet"), secrets), "lnd-rest",
            "the node is on regtest, but this rail is configured for testnet");
        var down = await Test(admin, storeId, Ln.RailBody(Ln.LndConnectionString(lnd, port: ClosedPort())), secrets);
        AssertNotOk(down, "lnd-rest", "");
        Assert.NotEmpty(Assert.Single(Problems(down)));
        Assert.Empty(lnd.CallsTo("/v2/router/send"));
    }

    // Proves: LND over HTTPS is ok when certthumbprint pins its self-signed certificate, and ok:false with a problem
    // naming certthumbprint when it pins another certificate (no request reached the node's API then).
    [Fact]
    public async Task LndOverHttpsTrustsOnlyThePinnedCertificate()
    {
        var network = new LightningNetworkSim();
        await using var lnd = await LndSimulator.Start(network, new LndSimulatorOptions { Https = true });
        await using var node = new BitcoinNode();
        using var admin = node.Admin();
        var storeId = await Http.CreateStore(admin);

        AssertOk(await Test(admin, storeId, Ln.RailBody(Ln.LndConnectionString(lnd)), lnd.MacaroonHex), "lnd-rest", lnd.IdentityPubKey, "lnd-sim");
        var calls = lnd.Calls.Count;
        var other = new string('0', 64);
        AssertNotOk(await Test(admin, storeId, Ln.RailBody(Ln.LndConnectionString(lnd, certThumbprint: other)), lnd.MacaroonHex), "lnd-rest",
            "certthumbprint");
        Assert.Equal(calls, lnd.Calls.Count);
    }

    // Proves: Core Lightning over its unix socket is ok with its id, alias, chain, height, version and channels.
    [Fact]
    public async Task CoreLightningOverItsSocketIsReported()
    {
        var network = new LightningNetworkSim();
        await using var cln = await ClnSimulator.Start(network);
        await using var node = new BitcoinNode();
        using var admin = node.Admin();
        var storeId = await Http.CreateStore(admin);

        AssertOk(await Test(admin, storeId, Ln.RailBody(Ln.ClnConnectionString(cln))), "clightning", cln.NodeId, "cln-sim");
        Assert.NotEmpty(cln.CallsOf("getinfo"));
        Assert.Empty(cln.CallsOf("pay"));
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Payouts.Server.Tests.Support;
using Payouts.Simulators.Bitcoind;
using static Payouts.Server.Tests.Bitcoin.OnChain;

namespace Payouts.Server.Tests.Bitcoin;

/// <summary>
/// <c>POST …/rails/BTC-CHAIN/test</c> against a Bitcoin Core node (the simulator over real HTTP): a good configuration
/// reports the chain, height, wallet and balances; each way of getting it wrong is ok:false with a problem that names
/// it; and no answer ever carries a password.
/// </summary>
public sealed class RailConnectionTestTests
{
    private const string Password = "sim-S3cret-pw-4f1d";
    private const string WrongPassword = "wrong-S3cret-pw-9e2a";

    private static async Task<JsonNode> Test(HttpClient c, string storeId, string? body)
    {
        var path = $"/api/v1/stores/{storeId}/rails/{Method}/test";
        var response = body is null ? await c.PostAsync(path, null) : await c.PostAsync(path, Http.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, text, StringComparison.Ordinal);
        return JsonNode.Parse(text)!;
    }

    /// <summary>Amounts are JSON strings, as everywhere in the Greenfield API.</summary>
    private static decimal Btc(JsonNode amount) => decimal.Parse(amount.ToString(), System.Globalization.CultureInfo.InvariantCulture);

    private static List<string> Problems(JsonNode r) => r["problems"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();

    private static void AssertNotOk(JsonNode r, string problem)
    {
        Assert.False(r["ok"]!.GetValue<bool>(), r.ToJsonString());
        Assert.Equal("bitcoind", r["type"]!.GetValue<string>());
        Assert.Contains(Problems(r), p => p.Contains(problem, StringComparison.Ordinal));
    }

    // Proves: ok with the node's chain, height, version, wallet and balances (trusted and pending) for a good config,
    // given in the body or saved; ok:false naming the problem for the wrong network, the wrong password, a wallet the
    // node has not loaded, and a node that is down; the password never appears in an answer.
    [Fact]
    public async Task TheConnectionTestReportsTheNodeAndNamesEachProblem()
    {
        await using var sim = await BitcoindSimulator.Start(new BitcoindSimulatorOptions { Wallets = [Wallet], RpcPassword = Password });
        await sim.Fund(Wallet, 1.5m);
        await sim.Fund(Wallet, 0.25m, confirmations: 0);
        await using var node = new BitcoinNode();
        using var admin = node.Admin();
        var storeId = await Http.CreateStore(admin);
        var good = ConnectionString(sim);
        Assert.Contains(Password, good, StringComparison.Ordinal);

        var ok = await Test(admin, storeId, RailBody(good));
        Assert.True(ok["ok"]!.GetValue<bool>(), ok.ToJsonString());
        Assert.Equal("bitcoind", ok["type"]!.GetValue<string>());
        Assert.Equal("regtest", ok["chain"]!.GetValue<string>());
        Assert.Equal(sim.Height, ok["blocks"]!.GetValue<long>());
        Assert.True(ok["nodeVersion"]!.GetValue<long>() > 0);
        Assert.Equal(Wallet, ok["wallet"]!.GetValue<string>());
        Assert.Equal(1.5m, Btc(ok["balanceTrusted"]!));
        Assert.Equal(0.25m, Btc(ok["balancePending"]!));
        Assert.Empty(Problems(ok));

        // Saved, then tested without a body: the saved configuration is the one tested.
        await ConfigureRail(admin, storeId, sim);
        var saved = await Test(admin, storeId, null);
        Assert.True(saved["ok"]!.GetValue<bool>(), saved.ToJsonString());
        Assert.Equal(sim.Height, saved["blocks"]!.GetValue<long>());

        AssertNotOk(await Test(admin, storeId, RailBody(good, network: "testnet")), "the node is on regtest, but this rail is configured for testnet");
        AssertNotOk(await Test(admin, storeId, RailBody(ConnectionString(sim, password: WrongPassword))), "refused the credentials");
        AssertNotOk(await Test(admin, storeId, RailBody(ConnectionString(sim, wallet: "nosuchwallet"))), "not loaded");

        await sim.Stop();
        var down = await Test(admin, storeId, null);
        Assert.False(down["ok"]!.GetValue<bool>(), down.ToJsonString());
        Assert.NotEmpty(Assert.Single(Problems(down)));
        AssertNotOk(down, "");

        // Nothing above touched the wallet's coins.
        await sim.Restart();
        Assert.Equal(150_000_000, sim.BalanceSats(Wallet));
        Assert.Empty(sim.CallsOf("walletcreatefundedpsbt"));
    }
}

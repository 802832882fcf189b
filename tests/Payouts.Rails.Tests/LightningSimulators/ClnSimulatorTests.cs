using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Payouts.Core.Lightning;
using Payouts.Simulators.Lightning;
using Payouts.Simulators.Lightning.Cln;

namespace Payouts.Rails.Tests.LightningSimulators;

public sealed class ClnSimulatorTests : IAsyncLifetime
{
    private readonly LightningNetworkSim _network = new();
    private ClnSimulator _cln = null!;
    private SimPayee _bob = null!;

    public async Task InitializeAsync()
    {
        _bob = _network.AddPayee("bob");
        _cln = await ClnSimulator.Start(_network, new ClnSimulatorOptions { Rest = true });
    }

    public async Task DisposeAsync() => await _cln.DisposeAsync();

    [Fact]
    public async Task Pay_and_listpays_written_back_to_back_on_one_connection_both_answer()
    {
        var bolt11 = _network.CreateInvoice(_bob, 42_000, description: "payout");
        var hash = Bolt11Invoice.Parse(bolt11).PaymentHash;
        using var client = await ClnSocketClient.Connect(_cln.SocketPath);
        // One write, two requests: the socket has no framing but the JSON itself.
        await client.Write(ClnSocketClient.Request(1, "pay", new JsonObject { ["bolt11"] = bolt11 })
            + ClnSocketClient.Request(2, "getinfo", null));
        var replies = new[] { await client.Read(), await client.Read() }.ToDictionary(r => (int)r["id"]!);

        var paid = replies[1]["result"]!;
        Assert.Equal("complete", (string?)paid["status"]);
        Assert.Equal(42_000, (long)paid["amount_msat"]!);
        Assert.Equal(_bob.PubKey, (string?)paid["destination"]);
        Assert.Equal("regtest", (string?)replies[2]["result"]!["network"]);
        Assert.Equal("v24.08", (string?)replies[2]["result"]!["version"]);

        var pays = (await client.Call("listpays", new JsonObject { ["payment_hash"] = hash }))["result"]!["pays"]!.AsArray();
        var pay = Assert.Single(pays)!;
        Assert.Equal("complete", (string?)pay["status"]);
        Assert.Equal((string?)paid["payment_preimage"], (string?)pay["preimage"]);
        Assert.Equal(_cln.NodeId, Assert.Single(_network.PaymentsSettled(hash)).FromNode);
    }

    [Fact]
    public async Task Paying_a_completed_invoice_again_returns_the_earlier_success_without_paying_twice()
    {
        var bolt11 = _network.CreateInvoice(_bob, 1_000, description: "again");
        using var client = await ClnSocketClient.Connect(_cln.SocketPath);
        var first = (await client.Call("pay", new JsonArray(bolt11)))["result"]!;
        var second = (await client.Call("pay", new JsonObject { ["bolt11"] = bolt11 }))["result"]!;

        Assert.Equal((string?)first["payment_preimage"], (string?)second["payment_preimage"]);
        Assert.Equal((double)first["created_at"]!, (double)second["created_at"]!);
        Assert.Single(_network.Ledger);
        Assert.Single(_cln.Pays);
        _network.AssertNoDoublePayment();
    }

    [Fact]
    public async Task A_route_over_the_fee_budget_is_206_and_records_no_payment()
    {
        var bolt11 = _network.CreateInvoice(_bob, 100_000, description: "fee");
        _network.SetBehavior(_bob, PaymentBehavior.Succeed(routeFeeMsat: 3_000));
        using var client = await ClnSocketClient.Connect(_cln.SocketPath);
        var reply = await client.Call("pay", new JsonObject { ["bolt11"] = bolt11, ["maxfee"] = 2_000 });

        Assert.Equal(206, (int)reply["error"]!["code"]!);
        Assert.Empty(_cln.Pays);
        Assert.Equal(3_000, (long)(await client.Call("pay", new JsonObject { ["bolt11"] = bolt11, ["maxfee"] = 3_000 }))["result"]!["amount_sent_msat"]! - 100_000);
    }

    [Fact]
    public async Task A_pending_payment_is_200_survives_a_restart_and_completes_on_settle()
    {
        var bolt11 = _network.CreateInvoice(_bob, 7_000, description: "held");
        var hash = Bolt11Invoice.Parse(bolt11).PaymentHash;
        _network.SetBehavior(hash, PaymentBehavior.Hold());
        using (var payer = await ClnSocketClient.Connect(_cln.SocketPath))
        {
            await payer.Write(ClnSocketClient.Request(1, "pay", new JsonObject { ["bolt11"] = bolt11 }));
            using var other = await ClnSocketClient.Connect(_cln.SocketPath);
            var refused = await WaitForPending(other, hash, bolt11);
            Assert.Equal(200, (int)refused["error"]!["code"]!);
            await _cln.Restart();
            Assert.Null(await payer.TryRead());
        }

        Assert.True(File.Exists(_cln.SocketPath));
        using var client = await ClnSocketClient.Connect(_cln.SocketPath);
        var pending = (await client.Call("listpays", new JsonObject { ["bolt11"] = bolt11 }))["result"]!["pays"]![0]!;
        Assert.Equal("pending", (string?)pending["status"]);
        Assert.True(_network.Settle(hash));
        var done = (await client.Call("listpays", new JsonObject { ["payment_hash"] = hash }))["result"]!["pays"]![0]!;
        Assert.Equal("complete", (string?)done["status"]);
    }

    /// <summary>The pay on the other connection is in flight once listpays shows it; then a second pay is refused.</summary>
    private static async Task<JsonNode> WaitForPending(ClnSocketClient client, string hash, string bolt11)
    {
        for (var i = 0; i < 200; i++)
        {
            var pays = (await client.Call("listpays", new JsonObject { ["payment_hash"] = hash }))["result"]!["pays"]!.AsArray();
            if (pays.Count > 0) return await client.Call("pay", new JsonObject { ["bolt11"] = bolt11 });
            await Task.Yield();
        }
        throw new TimeoutException("the first pay never started");
    }

    [Fact]
    public async Task Refusals_carry_lightningds_codes()
    {
        using var client = await ClnSocketClient.Connect(_cln.SocketPath);
        var mainnet = _network.CreateInvoice(_bob, 1_000, description: "main", network: Core.Bitcoin.BitcoinNetwork.Mainnet);
        var wrongNetwork = (await client.Call("pay", new JsonObject { ["bolt11"] = mainnet }))["error"]!;
        Assert.Equal(-32602, (int)wrongNetwork["code"]!);
        Assert.Equal("Invoice is for another network bitcoin", (string?)wrongNetwork["message"]);
        var expired = _network.CreateInvoice(_bob, 1_000, TimeSpan.FromMinutes(1), "old", timestamp: DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal(207, (int)(await client.Call("pay", new JsonObject { ["bolt11"] = expired }))["error"]!["code"]!);
        Assert.Equal(-32602, (int)(await client.Call("pay", new JsonObject { ["bolt11"] = "lnbcrt1garbage" }))["error"]!["code"]!);
        Assert.Equal(-32601, (int)(await client.Call("nosuchmethod"))["error"]!["code"]!);
        var failing = _network.CreateInvoice(_bob, 1_000, description: "fail");
        _network.SetBehavior(Bolt11Invoice.Parse(failing).PaymentHash, PaymentBehavior.Fail(LightningFailure.IncorrectPaymentDetails));
        Assert.Equal(203, (int)(await client.Call("pay", new JsonObject { ["bolt11"] = failing }))["error"]!["code"]!);
        var amountless = _network.CreateInvoice(_bob, null, description: "any");
        Assert.Equal("complete", (string?)(await client.Call("pay", new JsonObject { ["bolt11"] = amountless, ["amount_msat"] = "2500msat" }))["result"]!["status"]);
    }

    [Fact]
    public async Task A_dropped_pay_closes_the_connection_without_a_reply_but_the_payment_left()
    {
        var bolt11 = _network.CreateInvoice(_bob, 9_000, description: "drop");
        _cln.DropAfterAccept("pay");
        using var client = await ClnSocketClient.Connect(_cln.SocketPath);
        await client.Write(ClnSocketClient.Request(1, "pay", new JsonObject { ["bolt11"] = bolt11 }));
        Assert.Null(await client.TryRead());
        Assert.Single(_network.PaymentsSettled(Bolt11Invoice.Parse(bolt11).PaymentHash));
    }

    [Fact]
    public async Task Clnrest_answers_201_with_the_result_500_with_an_error_and_401_without_the_rune()
    {
        using var http = new HttpClient { BaseAddress = _cln.RestUrl };
        var bolt11 = _network.CreateInvoice(_bob, 3_000, description: "rest");

        using (var noRune = await http.PostAsJsonAsync("v1/getinfo", new { }))
        {
            Assert.Equal(401, (int)noRune.StatusCode);
            Assert.Equal(1501, (int)JsonNode.Parse(await noRune.Content.ReadAsStringAsync())!["code"]!);
        }
        http.DefaultRequestHeaders.Add("Rune", _cln.Rune);
        using (var paid = await http.PostAsJsonAsync("v1/pay", new { bolt11 }))
        {
            Assert.Equal(201, (int)paid.StatusCode);
            Assert.Equal("complete", (string?)JsonNode.Parse(await paid.Content.ReadAsStringAsync())!["status"]);
        }
        using (var unknown = await http.PostAsJsonAsync("v1/nosuchmethod", new { }))
        {
            Assert.Equal(500, (int)unknown.StatusCode);
            Assert.Equal(-32601, (int)JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["code"]!);
        }
        using var funds = await http.PostAsJsonAsync("v1/listpeerchannels", new { });
        Assert.Equal(10_000_000_000 - 3_000, (long)JsonNode.Parse(await funds.Content.ReadAsStringAsync())!["channels"]![0]!["spendable_msat"]!);
        Assert.All(_cln.Calls, c => Assert.Equal("rest", c.Via));
    }
}

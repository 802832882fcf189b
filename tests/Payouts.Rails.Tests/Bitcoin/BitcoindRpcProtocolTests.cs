using System.Net;
using Payouts.Simulators.Bitcoind;

namespace Payouts.Rails.Tests.Bitcoin;

/// <summary>The simulator's transport as bitcoind's: auth, URI wallet routing, JSON-RPC 1.0 envelopes and HTTP
/// statuses, amounts as eight-decimal numbers, injected failures, lost responses, and a crash and restart.</summary>
public sealed class BitcoindRpcProtocolTests : BitcoindFixture
{
    [Fact]
    public async Task WrongOrMissingPasswordGetsAnEmpty401WithABasicChallenge()
    {
        using var http = new HttpClient();
        var missing = await http.PostAsync(Node.Url, new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Basic realm=\"jsonrpc\"", missing.Headers.WwwAuthenticate.ToString());
        Assert.Empty(await missing.Content.ReadAsStringAsync());

        var wrong = await Rpc.SendBody("""{"jsonrpc":"1.0","id":1,"method":"getblockcount","params":[]}""", authPassword: "nope");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Empty(wrong.Body);
    }

    [Fact]
    public async Task CookieAuthReadsTheSecretFromTheFileTheTestChose()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sim-{Guid.NewGuid():N}.cookie");
        await using var node = await BitcoindSimulator.Start(new BitcoindSimulatorOptions { CookieFilePath = path, RpcUser = null, RpcPassword = null });
        var cookie = (await File.ReadAllTextAsync(path)).Split(':');
        Assert.Equal("__cookie__", cookie[0]);
        using var client = new TestRpcClient(node.Url, cookie[0], cookie[1]);

        Assert.Equal(0, (await client.Call("getblockcount")).GetInt32());
    }

    [Fact]
    public async Task RepliesUseJsonRpc10EnvelopesAndBitcoindsHttpStatuses()
    {
        var ok = await Rpc.SendBody("""{"jsonrpc":"1.0","id":"a1","method":"getblockcount","params":[]}""");
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal("""{"result":2,"error":null,"id":"a1"}""", ok.Body.Trim());

        var missing = await Rpc.Send("nosuchmethod");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal((-32601, "Method not found"), (missing.ErrorCode!.Value, missing.ErrorMessage));

        var invalid = await Rpc.SendBody("""{"jsonrpc":"1.0","id":1,"method":7}""");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal(-32600, invalid.ErrorCode);

        var error = await Rpc.Send("gettransaction", new string('0', 64));
        Assert.Equal(HttpStatusCode.InternalServerError, error.Status);
        Assert.Contains("\"result\":null", error.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeInfoNamesTheChainAndCoreVersion()
    {
        var chain = await Rpc.Call("getblockchaininfo");
        Assert.Equal("regtest", chain.GetProperty("chain").GetString());
        Assert.Equal(2, chain.GetProperty("blocks").GetInt32());
        Assert.Equal((await Rpc.Call("getbestblockhash")).GetString(), chain.GetProperty("bestblockhash").GetString());
        Assert.Equal(280000, (await Rpc.Call("getnetworkinfo")).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task AmountsAreNumbersWithEightDecimals()
    {
        var reply = await Rpc.Send("getbalances");
        Assert.Contains("\"trusted\":3.00000000", reply.Body, StringComparison.Ordinal);
        Assert.Equal(300_000_000L, Sats(reply.Result.GetProperty("mine").GetProperty("trusted")));
    }

    [Fact]
    public async Task WalletMethodsAtRootNeedTheWalletPathWhenSeveralAreLoaded()
    {
        using var root = new TestRpcClient(Node.Url, Node.RpcUser, Node.RpcPassword);
        Assert.Equal("Wallet file not specified (must request wallet RPC through /wallet/<filename> uri-path).",
            await root.Fails(-19, "getbalances"));
        Assert.Equal(2, (await root.Call("getblockcount")).GetInt32());

        using var unknown = new TestRpcClient(Node.WalletUrl("nope"), Node.RpcUser, Node.RpcPassword);
        Assert.Equal("Requested wallet does not exist or is not loaded", await unknown.Fails(-18, "getwalletinfo"));
        Assert.Equal(["other", "store1"], (await Rpc.Call("listwallets")).EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task NamedParametersAreAcceptedAndUnknownOnesRefused()
    {
        var named = await Rpc.SendBody("""{"jsonrpc":"1.0","id":1,"method":"estimatesmartfee","params":{"conf_target":3}}""");
        Assert.Null(named.ErrorCode);
        var unknown = await Rpc.SendBody("""{"jsonrpc":"1.0","id":1,"method":"estimatesmartfee","params":{"target":3}}""");
        Assert.Equal((-8, "Unknown named parameter target"), (unknown.ErrorCode!.Value, unknown.ErrorMessage));
    }

    [Fact]
    public async Task FailNextAnswersTheInjectedErrorOnceWithoutProcessing()
    {
        Node.FailNext("getnewaddress", -4, "Error: This wallet has no available keys");
        Assert.Equal("Error: This wallet has no available keys", await Rpc.Fails(-4, "getnewaddress"));
        Assert.StartsWith("bcrt1q", (await Rpc.Call("getnewaddress")).GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DropResponseProcessesTheCallThenBreaksTheConnection()
    {
        var hex = await SignedHex(new Dictionary<string, decimal> { [Destination()] = 0.1m });
        Node.DropResponse("sendrawtransaction");

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => Rpc.Send("sendrawtransaction", hex));

        Assert.True(Node.InMempool(Tx(hex).Txid));
        Assert.Equal(Tx(hex).Txid, (await Rpc.Call("sendrawtransaction", hex)).GetString());
        Assert.Equal(2, Node.CallsOf("sendrawtransaction").Count);
    }

    [Fact]
    public async Task StopRefusesConnectionsAndRestartKeepsChainWalletsAndMempool()
    {
        var txid = await Send(new Dictionary<string, decimal> { [Destination()] = 0.1m });
        var port = Node.Port;

        await Node.Stop();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => Rpc.Send("getblockcount"));
        await Node.Restart();

        Assert.Equal(port, Node.Port);
        Assert.Equal(2, (await Rpc.Call("getblockcount")).GetInt32());
        Assert.Equal(0, (await Rpc.Call("gettransaction", txid)).GetProperty("confirmations").GetInt32());
        Assert.True(Node.InMempool(txid));
    }
}

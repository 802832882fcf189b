using System.Text.Json;
using Payouts.Rails.Bitcoin;
using Payouts.Simulators.Bitcoind;

namespace Payouts.Rails.Tests.Bitcoin;

/// <summary>
/// A fresh simulated regtest node per test with wallet "store1" holding two confirmed coins (1 and 2 BTC), a client
/// on its wallet path, and the steps of the rail's PSBT flow as helpers.
/// </summary>
public abstract class BitcoindFixture : IAsyncLifetime
{
    protected const string Wallet = "store1";
    protected BitcoindSimulator Node { get; private set; } = null!;
    protected TestRpcClient Rpc { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Node = await BitcoindSimulator.Start(Options());
        Rpc = new TestRpcClient(Node.WalletUrl(Wallet), Node.RpcUser, Node.RpcPassword);
        await Node.Fund(Wallet, 1m);
        await Node.Fund(Wallet, 2m);
    }

    protected virtual BitcoindSimulatorOptions Options() => new() { Wallets = [Wallet, "other"] };

    public async Task DisposeAsync()
    {
        Rpc.Dispose();
        await Node.DisposeAsync();
    }

    /// <summary>An address the wallet does not own, as a payout destination is.</summary>
    protected string Destination() => Node.NewAddress("other");

    protected static object Options(decimal feeRateSatPerVbyte) => new { fee_rate = feeRateSatPerVbyte, replaceable = true, lockUnspents = true };

    /// <summary>walletcreatefundedpsbt → walletprocesspsbt → finalizepsbt: the signed hex the rail would commit.</summary>
    protected async Task<string> SignedHex(object outputs, decimal feeRateSatPerVbyte = 2m)
    {
        var created = await Rpc.Call("walletcreatefundedpsbt", Array.Empty<object>(), outputs, 0, Options(feeRateSatPerVbyte));
        return await Sign(created.GetProperty("psbt").GetString()!);
    }

    protected async Task<string> Sign(string psbt)
    {
        var processed = await Rpc.Call("walletprocesspsbt", psbt);
        Assert.True(processed.GetProperty("complete").GetBoolean());
        var finalized = await Rpc.Call("finalizepsbt", processed.GetProperty("psbt").GetString());
        Assert.True(finalized.GetProperty("complete").GetBoolean());
        return finalized.GetProperty("hex").GetString()!;
    }

    protected async Task<string> Send(object outputs, decimal feeRateSatPerVbyte = 2m) =>
        (await Rpc.Call("sendrawtransaction", await SignedHex(outputs, feeRateSatPerVbyte))).GetString()!;

    protected static BitcoinTransaction Tx(string hex) =>
        BitcoinTransaction.TryParseHex(hex, out var tx, out var error) ? tx : throw new Xunit.Sdk.XunitException(error);

    protected static long Sats(JsonElement btc) => (long)(btc.GetDecimal() * 100_000_000m);
}

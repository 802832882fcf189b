using Payouts.Rails.Bitcoin;

namespace Payouts.Rails.Tests.Bitcoin;

/// <summary>
/// The rail's PSBT flow end to end against the simulator (fund, sign, finalize, broadcast, mine), and the errors a
/// rail must map, each with bitcoind's code and message.
/// </summary>
public sealed class BitcoindPsbtFlowTests : BitcoindFixture
{
    [Fact]
    public async Task BatchIsFundedSignedBroadcastAndMined()
    {
        string a = Destination(), b = Destination();
        var outputs = new[] { new Dictionary<string, decimal> { [a] = 0.5m }, new Dictionary<string, decimal> { [b] = 0.25m } };

        var created = await Rpc.Call("walletcreatefundedpsbt", Array.Empty<object>(), outputs, 0, Options(5m));
        var psbt = Psbt.ParseBase64(created.GetProperty("psbt").GetString()!);
        var fee = Sats(created.GetProperty("fee"));
        Assert.Equal(2, created.GetProperty("changepos").GetInt32());
        Assert.Equal(fee, psbt.FeeSats);
        Assert.True(psbt.UnsignedTx.SignalsRbf);
        Assert.Equal(psbt.UnsignedTx.Inputs.Count, (await Rpc.Call("listlockunspent")).GetArrayLength());

        var hex = await Sign(created.GetProperty("psbt").GetString()!);
        var tx = Tx(hex);
        // The fee was priced on a 72-byte signature estimate: the signed transaction pays at least 5 sat/vB.
        Assert.InRange(fee, 5 * tx.VirtualSize, 5 * tx.VirtualSize + 5 * tx.Inputs.Count * 2);
        Assert.Equal(tx.Txid, (await Rpc.Call("sendrawtransaction", hex)).GetString());
        Assert.Equal(fee, Sats((await Rpc.Call("getmempoolentry", tx.Txid)).GetProperty("fees").GetProperty("base")));
        Assert.Equal(tx.Txid, (await Rpc.Call("sendrawtransaction", hex)).GetString());

        Node.Mine(1);

        var wtx = await Rpc.Call("gettransaction", tx.Txid);
        Assert.Equal(1, wtx.GetProperty("confirmations").GetInt32());
        Assert.Equal(-75_000_000L, Sats(wtx.GetProperty("amount")));
        Assert.Equal(-fee, Sats(wtx.GetProperty("fee")));
        Assert.Equal(hex, wtx.GetProperty("hex").GetString());
        Assert.Equal(Node.Height, wtx.GetProperty("blockheight").GetInt32());
        Assert.Equal("Transaction outputs already in utxo set", await Rpc.Fails(-27, "sendrawtransaction", hex));
        Assert.Equal(1, Assert.Single(Node.PaymentsTo(a)).Confirmations);
        Assert.Equal(25_000_000L, Assert.Single(Node.PaymentsTo(b)).AmountSats);
        Node.AssertNoDoublePayment();
    }

    [Fact]
    public async Task FeeEstimatesComeFromTheTestAndFundingFailsWithoutOne()
    {
        var none = await Rpc.Call("estimatesmartfee", 6);
        Assert.Equal("Insufficient data or no feerate found", none.GetProperty("errors")[0].GetString());
        Assert.Equal("Fee estimation failed. Fallbackfee is disabled. Wait a few blocks or enable -fallbackfee.",
            await Rpc.Fails(-4, "walletcreatefundedpsbt", Array.Empty<object>(), new Dictionary<string, decimal> { [Destination()] = 0.1m }));

        Node.SetFeeEstimate(6, 12.5m);
        var estimate = await Rpc.Call("estimatesmartfee", 3);
        Assert.Equal(0.000125m, estimate.GetProperty("feerate").GetDecimal());
        Assert.Equal(6, estimate.GetProperty("blocks").GetInt32());
        var created = await Rpc.Call("walletcreatefundedpsbt", Array.Empty<object>(), new Dictionary<string, decimal> { [Destination()] = 0.1m });
        Assert.True(Sats(created.GetProperty("fee")) >= 12 * Tx(await Sign(created.GetProperty("psbt").GetString()!)).VirtualSize);
    }

    [Fact]
    public async Task FundingErrorsCarryBitcoindsCodesAndMessages()
    {
        var none = Array.Empty<object>();
        var dest = Destination();
        Assert.Equal("Insufficient funds", await Rpc.Fails(-4, "walletcreatefundedpsbt", none, new Dictionary<string, decimal> { [dest] = 5m }, 0, Options(1m)));
        Assert.Equal("Invalid Bitcoin address: bc1qnotanaddress",
            await Rpc.Fails(-5, "walletcreatefundedpsbt", none, new Dictionary<string, decimal> { ["bc1qnotanaddress"] = 0.1m }, 0, Options(1m)));
        Assert.Equal($"Invalid parameter, duplicated address: {dest}",
            await Rpc.Fails(-8, "walletcreatefundedpsbt", none, new[] { new Dictionary<string, decimal> { [dest] = 0.1m }, new Dictionary<string, decimal> { [dest] = 0.2m } }, 0, Options(1m)));
        Assert.Equal("Invalid amount", await Rpc.Fails(-3, "walletcreatefundedpsbt", none, new Dictionary<string, decimal> { [dest] = 0.123456789m }, 0, Options(1m)));
        Assert.Equal("Transaction amount too small", await Rpc.Fails(-4, "walletcreatefundedpsbt", none, new Dictionary<string, decimal> { [dest] = 0.00000200m }, 0, Options(1m)));
        Assert.Equal("Cannot specify both fee_rate (sat/vB) and feeRate (BTC/kvB)",
            await Rpc.Fails(-8, "walletcreatefundedpsbt", none, new Dictionary<string, decimal> { [dest] = 0.1m }, 0, new { fee_rate = 2, feeRate = 0.0001m }));
        Assert.StartsWith("Fee rate (0.500 sat/vB) is lower than the minimum fee rate setting",
            await Rpc.Fails(-4, "walletcreatefundedpsbt", none, new Dictionary<string, decimal> { [dest] = 0.1m }, 0, new { fee_rate = 0.5m }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BroadcastErrorsCarryBitcoindsCodesAndMessages()
    {
        Assert.Equal("TX decode failed. Make sure the tx has at least one input.", await Rpc.Fails(-22, "sendrawtransaction", "00"));

        var created = await Rpc.Call("walletcreatefundedpsbt", Array.Empty<object>(), new Dictionary<string, decimal> { [Destination()] = 0.1m }, 0, Options(2m));
        var unsigned = Psbt.ParseBase64(created.GetProperty("psbt").GetString()!).UnsignedTx;
        Assert.Equal("mandatory-script-verify-flag-failed (Witness program was passed an empty witness)",
            await Rpc.Fails(-26, "sendrawtransaction", unsigned.ToHex()));

        var signed = Tx(await Sign(created.GetProperty("psbt").GetString()!));
        var tampered = new BitcoinTransaction(signed.Version, signed.Inputs,
            [signed.Outputs[0] with { ValueSats = signed.Outputs[0].ValueSats - 1000 }, .. signed.Outputs.Skip(1)], signed.LockTime);
        Assert.Equal("mandatory-script-verify-flag-failed (Script evaluated without error but finished with a false/empty top stack element)",
            await Rpc.Fails(-26, "sendrawtransaction", tampered.ToHex()));
        Assert.Equal("Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)",
            await Rpc.Fails(-25, "sendrawtransaction", signed.ToHex(), 0.00000001m));

        var orphan = new BitcoinTransaction(2, [signed.Inputs[0] with { Prevout = new OutPoint(new string('e', 64), 0) }], signed.Outputs, 0);
        Assert.Equal("bad-txns-inputs-missingorspent", await Rpc.Fails(-25, "sendrawtransaction", orphan.ToHex()));
    }

    [Fact]
    public async Task TransactionBelowTheMinimumRelayFeeIsRefused()
    {
        var created = await Rpc.Call("walletcreatefundedpsbt", Array.Empty<object>(), new Dictionary<string, decimal> { [Destination()] = 0.1m }, 0, Options(1m));
        var psbt = Psbt.ParseBase64(created.GetProperty("psbt").GetString()!);
        // Give most of the fee back to the change before signing: the wallet signs what it owns, policy refuses it.
        var outputs = psbt.UnsignedTx.Outputs.ToList();
        outputs[1] = outputs[1] with { ValueSats = outputs[1].ValueSats + psbt.FeeSats!.Value - 50 };
        var cheap = Psbt.FromUnsignedTransaction(new BitcoinTransaction(2, psbt.UnsignedTx.Inputs, outputs, 0));
        for (var i = 0; i < psbt.Inputs.Count; i++) cheap = cheap.WithWitnessUtxo(i, psbt.GetWitnessUtxo(i)!);

        var hex = await Sign(cheap.ToBase64());

        Assert.Equal($"min relay fee not met, 50 < {Tx(hex).VirtualSize}", await Rpc.Fails(-26, "sendrawtransaction", hex));
    }

    [Fact]
    public async Task UnknownTransactionsAreRefusedPerMethod()
    {
        var unknown = new string('a', 64);
        Assert.Equal("Invalid or non-wallet transaction id", await Rpc.Fails(-5, "gettransaction", unknown));
        Assert.Equal("Transaction not in mempool", await Rpc.Fails(-5, "getmempoolentry", unknown));
        Assert.Equal("No such mempool or blockchain transaction. Use gettransaction for wallet transactions.",
            await Rpc.Fails(-5, "getrawtransaction", unknown, true));
        Assert.Equal("Invalid or non-wallet transaction id", await Rpc.Fails(-5, "psbtbumpfee", unknown));
        Assert.Equal("Invalid or non-wallet transaction id", await Rpc.Fails(-5, "abandontransaction", unknown));
    }

    [Fact]
    public async Task LockedCoinsAreNotSelectedUntilUnlocked()
    {
        await SignedHex(new Dictionary<string, decimal> { [Destination()] = 2.5m });
        Assert.Equal("Insufficient funds",
            await Rpc.Fails(-4, "walletcreatefundedpsbt", Array.Empty<object>(), new Dictionary<string, decimal> { [Destination()] = 0.5m }, 0, Options(1m)));

        Assert.True((await Rpc.Call("lockunspent", true)).GetBoolean());
        Assert.Equal(0, (await Rpc.Call("listlockunspent")).GetArrayLength());
        await SignedHex(new Dictionary<string, decimal> { [Destination()] = 0.5m });
    }
}

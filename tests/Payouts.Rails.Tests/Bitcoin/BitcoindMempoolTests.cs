using Payouts.Rails.Bitcoin;

namespace Payouts.Rails.Tests.Bitcoin;

/// <summary>
/// What happens to a broadcast batch after the fact, as the rail's reconcile step will see it: fee bumps under BIP125's
/// rules, eviction and re-broadcast of the stored bytes, reorgs, and double spends that prove a batch dead. Each test
/// ends with the simulator's audit: no destination is paid by two transactions that could both confirm.
/// </summary>
public sealed class BitcoindMempoolTests : BitcoindFixture
{
    [Fact]
    public async Task PsbtBumpFeeReplacesTheBatchSpendingTheSameInputs()
    {
        var dest = Destination();
        var original = Tx(await SignedHex(new Dictionary<string, decimal> { [dest] = 0.5m }, 2m));
        await Rpc.Call("sendrawtransaction", original.ToHex());
        Assert.StartsWith("Insufficient total fee", await Rpc.Fails(-8, "psbtbumpfee", original.Txid, new { fee_rate = 2 }), StringComparison.Ordinal);

        var bump = await Rpc.Call("psbtbumpfee", original.Txid, new { fee_rate = 10 });
        var replacement = Tx(await Sign(bump.GetProperty("psbt").GetString()!));
        Assert.Equal(Sats(bump.GetProperty("origfee")), Sats((await Rpc.Call("gettransaction", original.Txid)).GetProperty("fee")) * -1);
        Assert.Contains(original.Inputs[0].Prevout, replacement.Inputs.Select(i => i.Prevout));
        Assert.Equal(replacement.Txid, (await Rpc.Call("sendrawtransaction", replacement.ToHex())).GetString());

        Assert.Equal("Transaction not in mempool", await Rpc.Fails(-5, "getmempoolentry", original.Txid));
        var old = await Rpc.Call("gettransaction", original.Txid);
        Assert.Equal(replacement.Txid, old.GetProperty("replaced_by_txid").GetString());
        Assert.Contains(replacement.Txid, old.GetProperty("walletconflicts").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(original.Txid, (await Rpc.Call("gettransaction", replacement.Txid)).GetProperty("replaces_txid").GetString());
        Assert.StartsWith($"Cannot bump transaction {original.Txid} which was already bumped",
            await Rpc.Fails(-4, "psbtbumpfee", original.Txid, new { fee_rate = 20 }), StringComparison.Ordinal);

        Node.Mine(1);
        Assert.Equal(-1, (await Rpc.Call("gettransaction", original.Txid)).GetProperty("confirmations").GetInt32());
        Assert.Equal("Transaction has been mined, or is conflicted with a mined transaction",
            await Rpc.Fails(-4, "psbtbumpfee", replacement.Txid, new { fee_rate = 20 }));
        Assert.Equal(2, Node.PaymentsTo(dest).Count);
        Assert.Single(Node.PaymentsTo(dest), p => p.Viable);
        Node.AssertNoDoublePayment();
    }

    [Fact]
    public async Task ReplacementsPayingTooLittleAreRefusedWithCoresReasons()
    {
        var created = await Rpc.Call("walletcreatefundedpsbt", Array.Empty<object>(), new Dictionary<string, decimal> { [Destination()] = 0.5m }, 0, Options(5m));
        var psbt = Psbt.ParseBase64(created.GetProperty("psbt").GetString()!);
        var original = Tx(await Sign(psbt.ToBase64()));
        await Rpc.Call("sendrawtransaction", original.ToHex());

        // Same inputs, one sat more fee: a higher feerate, but not the incremental relay fee on top (rule 4).
        var plusOne = await Variant(psbt, extraFeeSats: 1);
        Assert.StartsWith($"insufficient fee, rejecting replacement {plusOne.Txid}, not enough additional fees to relay; 0.00000001 <",
            await Rpc.Fails(-26, "sendrawtransaction", plusOne.ToHex()), StringComparison.Ordinal);
        // Less fee than the original: refused on feerate (rule 6) before the absolute fee (rule 3) is compared.
        var cheaper = await Variant(psbt, extraFeeSats: -100);
        Assert.StartsWith($"insufficient fee, rejecting replacement {cheaper.Txid}; new feerate",
            await Rpc.Fails(-26, "sendrawtransaction", cheaper.ToHex()), StringComparison.Ordinal);
        var enough = await Variant(psbt, extraFeeSats: original.VirtualSize);
        Assert.Equal(enough.Txid, (await Rpc.Call("sendrawtransaction", enough.ToHex())).GetString());
        Assert.False(Node.InMempool(original.Txid));
    }

    [Fact]
    public async Task EvictedBatchIsStillTheWalletsAndComesBackFromItsStoredBytes()
    {
        var hex = await SignedHex(new Dictionary<string, decimal> { [Destination()] = 2.5m });
        var txid = (await Rpc.Call("sendrawtransaction", hex)).GetString()!;
        await Rpc.Call("lockunspent", true);

        Node.EvictFromMempool(txid);

        Assert.Equal("Transaction not in mempool", await Rpc.Fails(-5, "getmempoolentry", txid));
        var wtx = await Rpc.Call("gettransaction", txid);
        Assert.Equal(0, wtx.GetProperty("confirmations").GetInt32());
        Assert.False(wtx.GetProperty("trusted").GetBoolean());
        // The wallet still counts the evicted transaction's inputs as spent: it will not fund a second batch from them.
        Assert.Equal("Insufficient funds", await Rpc.Fails(-4, "walletcreatefundedpsbt", Array.Empty<object>(),
            new Dictionary<string, decimal> { [Destination()] = 0.1m }, 0, Options(1m)));

        Assert.Equal(txid, (await Rpc.Call("sendrawtransaction", wtx.GetProperty("hex").GetString())).GetString());
        Assert.True(Node.InMempool(txid));
        Assert.Equal(2, Node.CallsOf("sendrawtransaction").Count);
    }

    [Fact]
    public async Task AbandonedTransactionFreesItsInputs()
    {
        var txid = await Send(new Dictionary<string, decimal> { [Destination()] = 2.5m });
        await Rpc.Call("lockunspent", true);
        Assert.Equal("Transaction not eligible for abandonment", await Rpc.Fails(-5, "abandontransaction", txid));

        Node.EvictFromMempool(txid);
        await Rpc.Call("abandontransaction", txid);

        await SignedHex(new Dictionary<string, decimal> { [Destination()] = 2.5m });
    }

    [Fact]
    public async Task ReorgReturnsTransactionsToTheMempoolOrDropsThem()
    {
        var kept = await Send(new Dictionary<string, decimal> { [Destination()] = 0.5m });
        var dropped = await Send(new Dictionary<string, decimal> { [Destination()] = 0.3m });
        Node.Mine(1);
        var firstBlock = (await Rpc.Call("gettransaction", kept)).GetProperty("blockhash").GetString();

        Node.Reorg(1, dropTxids: [dropped]);

        Assert.True(Node.InMempool(kept));
        Assert.False(Node.InMempool(dropped));
        Assert.Equal(0, (await Rpc.Call("gettransaction", kept)).GetProperty("confirmations").GetInt32());
        Assert.Equal(0, (await Rpc.Call("gettransaction", dropped)).GetProperty("confirmations").GetInt32());
        Node.Mine(1);
        var again = await Rpc.Call("gettransaction", kept);
        Assert.Equal(1, again.GetProperty("confirmations").GetInt32());
        Assert.NotEqual(firstBlock, again.GetProperty("blockhash").GetString());
        Node.AssertNoDoublePayment();
    }

    [Fact]
    public async Task MinedDoubleSpendMakesTheBatchConflictedWithNegativeConfirmations()
    {
        var hex = await SignedHex(new Dictionary<string, decimal> { [Destination()] = 0.5m });
        var txid = (await Rpc.Call("sendrawtransaction", hex)).GetString()!;

        var spender = Node.DoubleSpend(txid, mine: true);
        Node.Mine(1);

        var wtx = await Rpc.Call("gettransaction", txid);
        Assert.Equal(-2, wtx.GetProperty("confirmations").GetInt32());
        Assert.Contains(spender, wtx.GetProperty("walletconflicts").EnumerateArray().Select(e => e.GetString()));
        Assert.False(Node.InMempool(txid));
        Assert.Equal("bad-txns-inputs-missingorspent", await Rpc.Fails(-25, "sendrawtransaction", hex));
        Assert.False(Assert.Single(Node.PaymentsTo(AddressOf(Tx(hex)))).Viable);
        Node.AssertNoDoublePayment();
    }

    [Fact]
    public async Task UnminedDoubleSpendReplacesTheBatchInTheMempool()
    {
        var txid = await Send(new Dictionary<string, decimal> { [Destination()] = 0.5m });

        var spender = Node.DoubleSpend(txid, mine: false);

        Assert.False(Node.InMempool(txid));
        Assert.True(Node.InMempool(spender));
        var wtx = await Rpc.Call("gettransaction", txid);
        Assert.Equal(0, wtx.GetProperty("confirmations").GetInt32());
        Assert.Contains(spender, wtx.GetProperty("walletconflicts").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains(spender, wtx.GetProperty("mempoolconflicts").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task AuditCatchesTwoViableTransactionsPayingOneDestinationFromDifferentCoins()
    {
        var dest = Destination();
        await Send(new Dictionary<string, decimal> { [dest] = 1.5m });
        await Rpc.Call("lockunspent", true);
        await Send(new Dictionary<string, decimal> { [dest] = 0.5m });

        var error = Assert.Throws<InvalidOperationException>(Node.AssertNoDoublePayment);
        Assert.Contains(dest, error.Message, StringComparison.Ordinal);
    }

    /// <summary>The PSBT's transaction with its change moved by -<paramref name="extraFeeSats"/>, signed by the wallet.</summary>
    private async Task<BitcoinTransaction> Variant(Psbt psbt, long extraFeeSats)
    {
        var outputs = psbt.UnsignedTx.Outputs.ToList();
        outputs[^1] = outputs[^1] with { ValueSats = outputs[^1].ValueSats - extraFeeSats };
        var variant = Psbt.FromUnsignedTransaction(new BitcoinTransaction(2, psbt.UnsignedTx.Inputs, outputs, psbt.UnsignedTx.LockTime));
        for (var i = 0; i < psbt.Inputs.Count; i++) variant = variant.WithWitnessUtxo(i, psbt.GetWitnessUtxo(i)!);
        return Tx(await Sign(variant.ToBase64()));
    }

    private static string AddressOf(BitcoinTransaction tx) =>
        Payouts.Core.Bitcoin.BitcoinAddress.FromScriptPubKey(tx.Outputs[0].ScriptPubKey, Payouts.Core.Bitcoin.BitcoinNetwork.Regtest);
}

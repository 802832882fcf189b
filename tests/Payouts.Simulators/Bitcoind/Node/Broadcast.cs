using Payouts.Rails.Bitcoin;

namespace Payouts.Simulators.Bitcoind.Node;

/// <summary>
/// Core's BroadcastTransaction as sendrawtransaction uses it: a transaction already in the mempool is a success (so a
/// re-broadcast of stored bytes is harmless), one whose outputs are already confirmed is -27, then mempool policy, then
/// the caller's maximum fee rate, then the mempool and the wallets.
/// </summary>
internal static class Broadcast
{
    /// <summary>sendrawtransaction's default maxfeerate: 0.10 BTC/kvB.</summary>
    public const long MaxFeeRateSatPerKvBDefault = 10_000_000;

    public static Acceptance Test(NodeState node, BitcoinTransaction tx, long maxFeeRateSatPerKvB)
    {
        var acceptance = MempoolPolicy.Check(node, tx);
        if (maxFeeRateSatPerKvB > 0 && acceptance.FeeSats > MempoolPolicy.FeeFor(maxFeeRateSatPerKvB, tx.VirtualSize))
            throw new RpcException(RpcErrorCodes.TransactionError, "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)");
        return acceptance;
    }

    public static void Submit(NodeState node, BitcoinTransaction tx, long maxFeeRateSatPerKvB)
    {
        if (node.Mempool.TryGetValue(tx.Txid, out var existing) && existing.Tx.Wtxid == tx.Wtxid) return;
        if (node.ChainTxHeights.ContainsKey(tx.Txid) &&
            Enumerable.Range(0, tx.Outputs.Count).Any(v => node.Utxos.ContainsKey(new OutPoint(tx.Txid, (uint)v))))
            throw new RpcException(RpcErrorCodes.AlreadyInUtxoSet, "Transaction outputs already in utxo set");
        var acceptance = Test(node, tx, maxFeeRateSatPerKvB);
        Commit(node, tx, acceptance);
    }

    /// <summary>Evicts what the transaction replaces, adds it, and records the replacement in the wallets.</summary>
    public static void Commit(NodeState node, BitcoinTransaction tx, Acceptance acceptance)
    {
        var replaced = acceptance.Evicts.Where(e => node.Mempool[e].Tx.Inputs.Any(i => tx.Inputs.Any(n => n.Prevout == i.Prevout))).ToList();
        foreach (var evicted in acceptance.Evicts) node.RemoveFromMempool(evicted);
        node.AddToMempool(tx, acceptance.FeeSats);
        foreach (var wallet in node.Wallets.Values)
            foreach (var old in replaced)
                if (wallet.Txs.TryGetValue(old, out var oldTx) && wallet.Txs.TryGetValue(tx.Txid, out var newTx))
                {
                    oldTx.ReplacedBy = tx.Txid;
                    newTx.Replaces = old;
                }
    }
}

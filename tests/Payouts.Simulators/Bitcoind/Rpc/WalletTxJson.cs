using System.Text.Json.Nodes;
using Payouts.Core.Bitcoin;
using Payouts.Simulators.Bitcoind.Node;
using Payouts.Simulators.Bitcoind.Wallet;

namespace Payouts.Simulators.Bitcoind.Rpc;

/// <summary>
/// gettransaction's answer. The fields a rail reconciles on: confirmations (negative when conflicted by a mined
/// transaction that many blocks deep), walletconflicts, replaced_by_txid/replaces_txid, and hex (the stored bytes).
/// </summary>
internal static class WalletTxJson
{
    public static JsonObject Describe(SimWallet w, NodeState node, string txid)
    {
        if (!w.Txs.TryGetValue(txid, out var wtx))
            throw new RpcException(RpcErrorCodes.InvalidAddressOrKey, "Invalid or non-wallet transaction id");
        var tx = wtx.Tx;
        var depth = SimWallet.Depth(wtx, node);
        var fromMe = w.IsFromMe(tx, node);
        var debit = w.Debit(tx, node);
        var fee = fromMe ? debit - tx.Outputs.Sum(o => o.ValueSats) : 0;
        var net = w.Credit(tx) - debit;
        var result = new JsonObject { ["amount"] = BtcJson.Btc(fromMe ? net + fee : net) };
        if (fromMe) result["fee"] = BtcJson.Btc(-fee);
        result["confirmations"] = depth;
        if (NodeState.IsCoinbase(tx)) result["generated"] = true;
        if (depth > 0)
        {
            var height = node.ChainTxHeights[txid];
            result["blockhash"] = node.Blocks[height].Hash;
            result["blockheight"] = height;
            result["blockindex"] = node.Blocks[height].Txs.ToList().FindIndex(t => t.Txid == txid);
            result["blocktime"] = node.Blocks[height].Time;
        }
        else result["trusted"] = w.IsTrusted(wtx, node);
        result["txid"] = txid;
        result["wtxid"] = tx.Wtxid;
        result["walletconflicts"] = new JsonArray(w.Conflicts(wtx).Select(t => (JsonNode)t).ToArray());
        if (wtx.ReplacedBy is not null) result["replaced_by_txid"] = wtx.ReplacedBy;
        if (wtx.Replaces is not null) result["replaces_txid"] = wtx.Replaces;
        result["mempoolconflicts"] = new JsonArray(tx.Inputs.Select(i => node.MempoolSpends.GetValueOrDefault(i.Prevout))
            .OfType<string>().Where(t => t != txid).Distinct().Select(t => (JsonNode)t).ToArray());
        result["time"] = wtx.TimeReceived;
        result["timereceived"] = wtx.TimeReceived;
        result["bip125-replaceable"] = depth != 0 ? "no" : node.Mempool.ContainsKey(txid) ? tx.SignalsRbf ? "yes" : "no" : "unknown";
        result["details"] = Details(w, node, wtx, fromMe, fee);
        result["hex"] = tx.ToHex();
        return result;
    }

    /// <summary>One entry per output: "send" for others' outputs of our transaction, "receive" for ours (change omitted).</summary>
    private static JsonArray Details(SimWallet w, NodeState node, WalletTx wtx, bool fromMe, long fee)
    {
        var details = new JsonArray();
        var outputs = wtx.Tx.Outputs;
        for (var vout = 0; vout < outputs.Count; vout++)
        {
            var mine = w.IsMine(outputs[vout].ScriptPubKey);
            if (fromMe && mine) continue;
            string? address = null;
            try { address = BitcoinAddress.FromScriptPubKey(outputs[vout].ScriptPubKey, node.Network); }
            catch (ArgumentException) { }
            var d = new JsonObject();
            if (address is not null) d["address"] = address;
            if (fromMe && !mine)
            {
                d["category"] = "send";
                d["amount"] = BtcJson.Btc(-outputs[vout].ValueSats);
                d["vout"] = vout;
                d["fee"] = BtcJson.Btc(-fee);
                d["abandoned"] = wtx.Abandoned;
            }
            else
            {
                d["category"] = NodeState.IsCoinbase(wtx.Tx)
                    ? SimWallet.Depth(wtx, node) >= NodeState.CoinbaseMaturity ? "generate" : "immature"
                    : "receive";
                d["amount"] = BtcJson.Btc(outputs[vout].ValueSats);
                d["vout"] = vout;
            }
            details.Add(d);
        }
        return details;
    }
}

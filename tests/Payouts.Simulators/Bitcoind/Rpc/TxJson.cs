using System.Text.Json.Nodes;
using Payouts.Core.Bitcoin;
using Payouts.Rails.Bitcoin;
using Payouts.Simulators.Bitcoind.Node;

namespace Payouts.Simulators.Bitcoind.Rpc;

/// <summary>The JSON shapes of decoderawtransaction/getrawtransaction and of a mempool entry, as Core 28 prints them.</summary>
internal static class TxJson
{
    public static JsonObject Decoded(BitcoinTransaction tx, NodeState node)
    {
        var vin = new JsonArray();
        foreach (var input in tx.Inputs)
        {
            var o = NodeState.IsCoinbase(tx)
                ? new JsonObject { ["coinbase"] = Convert.ToHexStringLower(input.ScriptSig) }
                : new JsonObject
                {
                    ["txid"] = input.Prevout.Txid,
                    ["vout"] = input.Prevout.Vout,
                    ["scriptSig"] = new JsonObject { ["asm"] = "", ["hex"] = Convert.ToHexStringLower(input.ScriptSig) },
                };
            if (input.Witness.Count > 0) o["txinwitness"] = new JsonArray(input.Witness.Select(w => (JsonNode)Convert.ToHexStringLower(w)).ToArray());
            o["sequence"] = input.Sequence;
            vin.Add(o);
        }
        var vout = new JsonArray();
        for (var n = 0; n < tx.Outputs.Count; n++)
            vout.Add(new JsonObject
            {
                ["value"] = BtcJson.Btc(tx.Outputs[n].ValueSats),
                ["n"] = n,
                ["scriptPubKey"] = ScriptPubKey(tx.Outputs[n].ScriptPubKey, node.Network),
            });
        return new JsonObject
        {
            ["txid"] = tx.Txid,
            ["hash"] = tx.Wtxid,
            ["version"] = tx.Version,
            ["size"] = tx.Serialize().Length,
            ["vsize"] = tx.VirtualSize,
            ["weight"] = tx.Weight,
            ["locktime"] = tx.LockTime,
            ["vin"] = vin,
            ["vout"] = vout,
        };
    }

    public static JsonObject ScriptPubKey(byte[] script, BitcoinNetwork network)
    {
        var o = new JsonObject { ["asm"] = "", ["desc"] = "", ["hex"] = Convert.ToHexStringLower(script) };
        try
        {
            o["address"] = BitcoinAddress.FromScriptPubKey(script, network);
            o["type"] = script[0] == 0 && script.Length == 22 ? "witness_v0_keyhash" : script[0] == 0 ? "witness_v0_scripthash"
                : script[0] == 0x51 ? "witness_v1_taproot" : script[0] == 0x76 ? "pubkeyhash" : script[0] == 0xa9 ? "scripthash" : "witness_unknown";
        }
        catch (ArgumentException)
        {
            o["type"] = script is [0x6a, ..] ? "nulldata" : "nonstandard";
        }
        return o;
    }

    public static JsonObject MempoolEntry(MempoolEntry entry, NodeState node)
    {
        var txid = entry.Tx.Txid;
        var ancestors = Ancestors(txid, node);
        var descendants = node.Descendants(txid);
        long Fees(IEnumerable<string> ids) => ids.Sum(id => node.Mempool[id].FeeSats);
        long Sizes(IEnumerable<string> ids) => ids.Sum(id => node.Mempool[id].VirtualSize);
        return new JsonObject
        {
            ["vsize"] = entry.VirtualSize,
            ["weight"] = entry.Tx.Weight,
            ["time"] = entry.Time,
            ["height"] = entry.Height,
            ["descendantcount"] = descendants.Count + 1,
            ["descendantsize"] = Sizes(descendants) + entry.VirtualSize,
            ["ancestorcount"] = ancestors.Count + 1,
            ["ancestorsize"] = Sizes(ancestors) + entry.VirtualSize,
            ["wtxid"] = entry.Tx.Wtxid,
            ["fees"] = new JsonObject
            {
                ["base"] = BtcJson.Btc(entry.FeeSats),
                ["modified"] = BtcJson.Btc(entry.FeeSats),
                ["ancestor"] = BtcJson.Btc(Fees(ancestors) + entry.FeeSats),
                ["descendant"] = BtcJson.Btc(Fees(descendants) + entry.FeeSats),
            },
            ["depends"] = new JsonArray(entry.Tx.Inputs.Select(i => i.Prevout.Txid).Where(node.Mempool.ContainsKey).Distinct()
                .Select(t => (JsonNode)t).ToArray()),
            ["spentby"] = new JsonArray(Enumerable.Range(0, entry.Tx.Outputs.Count)
                .Select(v => node.MempoolSpends.GetValueOrDefault(new OutPoint(txid, (uint)v))).OfType<string>().Distinct()
                .Select(t => (JsonNode)t).ToArray()),
            ["bip125-replaceable"] = entry.Tx.SignalsRbf || ancestors.Any(a => node.Mempool[a].Tx.SignalsRbf),
            ["unbroadcast"] = false,
        };
    }

    private static List<string> Ancestors(string txid, NodeState node)
    {
        var found = new List<string>();
        var pending = new Stack<string>([txid]);
        while (pending.TryPop(out var next))
            foreach (var parent in node.Mempool[next].Tx.Inputs.Select(i => i.Prevout.Txid))
                if (node.Mempool.ContainsKey(parent) && !found.Contains(parent))
                {
                    found.Add(parent);
                    pending.Push(parent);
                }
        return found;
    }
}

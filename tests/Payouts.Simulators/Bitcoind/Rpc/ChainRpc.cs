using System.Text.Json;
using System.Text.Json.Nodes;
using Payouts.Core.Bitcoin;
using Payouts.Rails.Bitcoin;
using Payouts.Simulators.Bitcoind.Node;

namespace Payouts.Simulators.Bitcoind.Rpc;

/// <summary>The node's (non-wallet) methods.</summary>
internal static class ChainRpc
{
    /// <summary>What getnetworkinfo reports: Bitcoin Core 28.0.</summary>
    public const int CoreVersion = 280000;
    private const int ConfTargetMax = 1008;

    public static JsonNode GetBlockchainInfo(RpcContext c) => new JsonObject
    {
        ["chain"] = ChainName(c.Node.Network),
        ["blocks"] = c.Node.Height,
        ["headers"] = c.Node.Height,
        ["bestblockhash"] = c.Node.Tip.Hash,
        ["difficulty"] = 4.656542373906925e-10,
        ["time"] = c.Node.Tip.Time,
        ["mediantime"] = c.Node.Tip.Time,
        ["verificationprogress"] = 1,
        ["initialblockdownload"] = false,
        ["chainwork"] = (c.Node.Height * 2 + 2).ToString("x64", System.Globalization.CultureInfo.InvariantCulture),
        ["size_on_disk"] = 293 * (c.Node.Height + 1),
        ["pruned"] = false,
        ["warnings"] = new JsonArray(),
    };

    public static JsonNode GetNetworkInfo(RpcContext c) => new JsonObject
    {
        ["version"] = CoreVersion,
        ["subversion"] = "/Satoshi:28.0.0/",
        ["protocolversion"] = 70016,
        ["localservices"] = "0000000000000c09",
        ["localservicesnames"] = new JsonArray("NETWORK", "WITNESS", "NETWORK_LIMITED", "P2P_V2"),
        ["localrelay"] = true,
        ["timeoffset"] = 0,
        ["networkactive"] = true,
        ["connections"] = 8,
        ["connections_in"] = 0,
        ["connections_out"] = 8,
        ["networks"] = new JsonArray(),
        ["relayfee"] = BtcJson.Btc(MempoolPolicy.MinRelaySatPerKvB),
        ["incrementalfee"] = BtcJson.Btc(MempoolPolicy.IncrementalRelaySatPerKvB),
        ["localaddresses"] = new JsonArray(),
        ["warnings"] = new JsonArray(),
    };

    public static JsonNode GetBlockCount(RpcContext c) => c.Node.Height;
    public static JsonNode GetBestBlockHash(RpcContext c) => c.Node.Tip.Hash;

    public static JsonNode GetBlockHash(RpcContext c)
    {
        var height = c.Params.Int(0, -1);
        if (height < 0 || height > c.Node.Height) throw new RpcException(RpcErrorCodes.InvalidParameter, "Block height out of range");
        return c.Node.Blocks[height].Hash;
    }

    /// <summary>Feerate for the smallest configured target at or above the one asked (Core answers for a target it can
    /// estimate, and says which in "blocks"); Core treats a target of 1 as 2.</summary>
    public static JsonNode EstimateSmartFee(RpcContext c)
    {
        var target = c.Params.Int(0, -1);
        if (target < 1 || target > ConfTargetMax)
            throw new RpcException(RpcErrorCodes.InvalidParameter, $"Invalid conf_target, must be between 1 and {ConfTargetMax}");
        var mode = c.Params.OptionalString(1)?.ToLowerInvariant() ?? "economical";
        if (mode is not ("unset" or "economical" or "conservative"))
            throw new RpcException(RpcErrorCodes.InvalidParameter, "Invalid estimate_mode parameter, must be one of: \"unset\", \"economical\", \"conservative\"");
        target = Math.Max(target, 2);
        if (EstimateFor(c.Node, target) is not { } estimate)
            return new JsonObject { ["errors"] = new JsonArray("Insufficient data or no feerate found"), ["blocks"] = 0 };
        return new JsonObject { ["feerate"] = BtcJson.FeeRateBtcPerKvB(estimate.SatPerVbyte), ["blocks"] = estimate.Blocks };
    }

    public static (decimal SatPerVbyte, int Blocks)? EstimateFor(NodeState node, int target)
    {
        if (node.FeeEstimates.Count == 0) return null;
        var at = node.FeeEstimates.FirstOrDefault(e => e.Key >= target);
        var chosen = at.Key != 0 ? at : node.FeeEstimates.Last();
        return (Math.Max(chosen.Value, MempoolPolicy.MinRelaySatPerKvB / 1000m), chosen.Key);
    }

    public static JsonNode SendRawTransaction(RpcContext c)
    {
        var tx = Decode(c.Params.String(0));
        Broadcast.Submit(c.Node, tx, MaxFeeRate(c.Params[1]));
        return tx.Txid;
    }

    public static JsonNode TestMempoolAccept(RpcContext c)
    {
        var results = new JsonArray();
        var maxFeeRate = MaxFeeRate(c.Params[1]);
        foreach (var hex in RpcParams.Expect(c.Params.Required(0), JsonValueKind.Array).EnumerateArray())
        {
            var tx = Decode(hex.GetString());
            var result = new JsonObject { ["txid"] = tx.Txid, ["wtxid"] = tx.Wtxid };
            try
            {
                if (c.Node.Mempool.ContainsKey(tx.Txid)) throw new RpcException(RpcErrorCodes.TransactionRejected, "txn-already-in-mempool");
                var acceptance = Broadcast.Test(c.Node, tx, maxFeeRate);
                result["allowed"] = true;
                result["vsize"] = tx.VirtualSize;
                result["fees"] = new JsonObject { ["base"] = BtcJson.Btc(acceptance.FeeSats) };
            }
            catch (RpcException e)
            {
                result["allowed"] = false;
                result["reject-reason"] = e.Code == RpcErrorCodes.TransactionError && e.Message.StartsWith("Fee exceeds", StringComparison.Ordinal)
                    ? "max-fee-exceeded" : e.Message.Split(',')[0];
            }
            results.Add(result);
        }
        return results;
    }

    public static JsonNode GetMempoolEntry(RpcContext c)
    {
        var txid = c.Params.String(0);
        return c.Node.Mempool.TryGetValue(txid, out var entry)
            ? TxJson.MempoolEntry(entry, c.Node)
            : throw new RpcException(RpcErrorCodes.InvalidAddressOrKey, "Transaction not in mempool");
    }

    public static JsonNode GetRawMempool(RpcContext c)
    {
        var entries = c.Node.Mempool.Values.OrderBy(e => e.Sequence).ToList();
        if (!c.Params.Bool(0, false)) return new JsonArray(entries.Select(e => (JsonNode)e.Tx.Txid).ToArray());
        var result = new JsonObject();
        foreach (var entry in entries) result[entry.Tx.Txid] = TxJson.MempoolEntry(entry, c.Node);
        return result;
    }

    /// <summary>Answers for mempool and chain transactions, as a node with -txindex does.</summary>
    public static JsonNode GetRawTransaction(RpcContext c)
    {
        var txid = c.Params.String(0);
        var verbose = c.Params[1] is { } v && (v.ValueKind == JsonValueKind.True || v.ValueKind == JsonValueKind.Number && v.GetInt32() > 0);
        BitcoinTransaction? tx = c.Node.Mempool.TryGetValue(txid, out var entry) ? entry.Tx : null;
        if (tx is null && c.Node.ChainTxHeights.ContainsKey(txid)) tx = c.Node.Seen[txid];
        if (tx is null)
            throw new RpcException(RpcErrorCodes.InvalidAddressOrKey, "No such mempool or blockchain transaction. Use gettransaction for wallet transactions.");
        if (!verbose) return tx.ToHex();
        var json = TxJson.Decoded(tx, c.Node);
        json["hex"] = tx.ToHex();
        if (c.Node.ChainTxHeights.TryGetValue(txid, out var height))
        {
            json["blockhash"] = c.Node.Blocks[height].Hash;
            json["confirmations"] = c.Node.Confirmations(txid);
            json["time"] = c.Node.Blocks[height].Time;
            json["blocktime"] = c.Node.Blocks[height].Time;
        }
        return json;
    }

    public static JsonNode DecodeRawTransaction(RpcContext c) => TxJson.Decoded(Decode(c.Params.String(0)), c.Node);

    public static JsonNode GenerateToAddress(RpcContext c)
    {
        var blocks = c.Params.Int(0, 0);
        var address = c.Params.String(1);
        if (!BitcoinAddress.TryParse(address, c.Node.Network, out var parsed, out _))
            throw new RpcException(RpcErrorCodes.InvalidAddressOrKey, "Error: Invalid address");
        var hashes = new JsonArray();
        for (var i = 0; i < blocks; i++)
        {
            var txs = c.Node.Mempool.Values.OrderBy(e => e.Sequence).Select(e => e.Tx).ToList();
            hashes.Add(c.Node.ConnectBlock(parsed.ScriptPubKey, txs).Hash);
        }
        return hashes;
    }

    public static string ChainName(BitcoinNetwork network) => network switch
    {
        BitcoinNetwork.Mainnet => "main",
        BitcoinNetwork.Testnet => "test",
        BitcoinNetwork.Signet => "signet",
        BitcoinNetwork.Regtest => "regtest",
    };

    public static BitcoinTransaction Decode(string? hex) =>
        BitcoinTransaction.TryParseHex(hex, out var tx, out _) && tx.Inputs.Count > 0
            ? tx
            : throw new RpcException(RpcErrorCodes.DeserializationError, "TX decode failed. Make sure the tx has at least one input.");

    /// <summary>maxfeerate in BTC/kvB; 0 disables the check.</summary>
    private static long MaxFeeRate(JsonElement? value) =>
        value is { } v ? BtcJson.ParseAmountSats(v) : Broadcast.MaxFeeRateSatPerKvBDefault;
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Payouts.Core.Bitcoin;
using Payouts.Rails.Bitcoin;
using Payouts.Simulators.Bitcoind.Wallet;

namespace Payouts.Simulators.Bitcoind.Rpc;

/// <summary>The wallet's methods other than the PSBT ones (<see cref="PsbtRpc"/>).</summary>
internal static class WalletRpc
{
    public static JsonNode ListWallets(RpcContext c) =>
        new JsonArray(c.Node.Wallets.Keys.Order(StringComparer.Ordinal).Select(n => (JsonNode)n).ToArray());

    public static JsonNode GetWalletInfo(RpcContext c)
    {
        var w = c.Wallet();
        var (trusted, pending, immature) = w.Balances(c.Node);
        return new JsonObject
        {
            ["walletname"] = w.Name,
            ["walletversion"] = 169900,
            ["format"] = "sqlite",
            ["balance"] = BtcJson.Btc(trusted),
            ["unconfirmed_balance"] = BtcJson.Btc(pending),
            ["immature_balance"] = BtcJson.Btc(immature),
            ["txcount"] = w.Txs.Count,
            ["keypoolsize"] = 1000,
            ["keypoolsize_hd_internal"] = 1000,
            ["paytxfee"] = BtcJson.Btc(0),
            ["private_keys_enabled"] = true,
            ["avoid_reuse"] = false,
            ["scanning"] = false,
            ["descriptors"] = true,
            ["external_signer"] = false,
            ["blank"] = false,
            ["lastprocessedblock"] = new JsonObject { ["hash"] = c.Node.Tip.Hash, ["height"] = c.Node.Height },
        };
    }

    public static JsonNode GetBalances(RpcContext c)
    {
        var (trusted, pending, immature) = c.Wallet().Balances(c.Node);
        return new JsonObject
        {
            ["mine"] = new JsonObject
            {
                ["trusted"] = BtcJson.Btc(trusted),
                ["untrusted_pending"] = BtcJson.Btc(pending),
                ["immature"] = BtcJson.Btc(immature),
            },
            ["lastprocessedblock"] = new JsonObject { ["hash"] = c.Node.Tip.Hash, ["height"] = c.Node.Height },
        };
    }

    public static JsonNode GetNewAddress(RpcContext c)
    {
        var type = c.Params.OptionalString(1) ?? "bech32";
        if (type != "bech32") throw new RpcException(RpcErrorCodes.InvalidAddressOrKey, $"Unknown address type '{type}'");
        return c.Wallet().NewAddress(c.Node);
    }

    public static JsonNode ListUnspent(RpcContext c)
    {
        var w = c.Wallet();
        var minConf = c.Params.Int(0, 1);
        var result = new JsonArray();
        foreach (var coin in w.Unspent(c.Node).Where(u => u.Confirmations >= minConf))
            result.Add(new JsonObject
            {
                ["txid"] = coin.OutPoint.Txid,
                ["vout"] = coin.OutPoint.Vout,
                ["address"] = BitcoinAddress.FromScriptPubKey(coin.Output.ScriptPubKey, c.Node.Network),
                ["scriptPubKey"] = Convert.ToHexStringLower(coin.Output.ScriptPubKey),
                ["amount"] = BtcJson.Btc(coin.Output.ValueSats),
                ["confirmations"] = coin.Confirmations,
                ["spendable"] = true,
                ["solvable"] = true,
                ["safe"] = coin.Confirmations >= 1 || w.IsTrusted(w.Txs[coin.OutPoint.Txid], c.Node),
            });
        return result;
    }

    public static JsonNode GetTransaction(RpcContext c) => WalletTxJson.Describe(c.Wallet(), c.Node, c.Params.String(0));

    /// <summary>Core's lockunspent: with no transactions, unlock=true clears every lock.</summary>
    public static JsonNode LockUnspent(RpcContext c)
    {
        var w = c.Wallet();
        var unlock = c.Params.Bool(0, false);
        if (c.Params.Array(1) is not { } outputs)
        {
            if (unlock) w.Locked.Clear();
            return true;
        }
        var requested = new List<OutPoint>();
        foreach (var o in outputs.EnumerateArray())
        {
            var txid = o.TryGetProperty("txid", out var t) ? t.GetString() : null;
            var vout = o.TryGetProperty("vout", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : -1;
            if (txid is null || vout < 0) throw new RpcException(RpcErrorCodes.InvalidParameter, "Invalid parameter, vout cannot be negative");
            if (!w.Txs.TryGetValue(txid, out var wtx)) throw new RpcException(RpcErrorCodes.InvalidParameter, "Invalid parameter, unknown transaction");
            if (vout >= wtx.Tx.Outputs.Count) throw new RpcException(RpcErrorCodes.InvalidParameter, "Invalid parameter, vout index out of bounds");
            var outPoint = new OutPoint(txid, (uint)vout);
            if (w.IsSpent(outPoint, c.Node)) throw new RpcException(RpcErrorCodes.InvalidParameter, "Invalid parameter, expected unspent output");
            if (unlock && !w.Locked.Contains(outPoint)) throw new RpcException(RpcErrorCodes.InvalidParameter, "Invalid parameter, expected locked output");
            if (!unlock && w.Locked.Contains(outPoint)) throw new RpcException(RpcErrorCodes.InvalidParameter, "Invalid parameter, output already locked");
            requested.Add(outPoint);
        }
        foreach (var outPoint in requested)
            if (unlock) w.Locked.Remove(outPoint);
            else w.Locked.Add(outPoint);
        return true;
    }

    public static JsonNode ListLockUnspent(RpcContext c) =>
        new JsonArray(c.Wallet().Locked.OrderBy(o => o.ToString(), StringComparer.Ordinal)
            .Select(o => (JsonNode)new JsonObject { ["txid"] = o.Txid, ["vout"] = o.Vout }).ToArray());

    /// <summary>Only a transaction neither mined nor in the mempool can be abandoned; its inputs become spendable again.</summary>
    public static JsonNode AbandonTransaction(RpcContext c)
    {
        var w = c.Wallet();
        var txid = c.Params.String(0);
        if (!w.Txs.TryGetValue(txid, out var wtx))
            throw new RpcException(RpcErrorCodes.InvalidAddressOrKey, "Invalid or non-wallet transaction id");
        if (SimWallet.Depth(wtx, c.Node) != 0 || c.Node.Mempool.ContainsKey(txid))
            throw new RpcException(RpcErrorCodes.InvalidAddressOrKey, "Transaction not eligible for abandonment");
        wtx.Abandoned = true;
        return JsonValue.Create((string?)null)!;
    }
}

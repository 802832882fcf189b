using System.Text.Json.Nodes;

namespace Payouts.Simulators.Bitcoind.Rpc;

/// <summary>A method's parameter names (for named-parameter calls) and its handler.</summary>
internal sealed record RpcMethod(string[] ParamNames, Func<RpcContext, JsonNode?> Handler);

/// <summary>The methods the simulator speaks, with Bitcoin Core's parameter names in Core's order.</summary>
internal static class RpcMethods
{
    public static readonly IReadOnlyDictionary<string, RpcMethod> All = new Dictionary<string, RpcMethod>(StringComparer.Ordinal)
    {
        ["getblockchaininfo"] = new([], ChainRpc.GetBlockchainInfo),
        ["getnetworkinfo"] = new([], ChainRpc.GetNetworkInfo),
        ["getblockcount"] = new([], ChainRpc.GetBlockCount),
        ["getbestblockhash"] = new([], ChainRpc.GetBestBlockHash),
        ["getblockhash"] = new(["height"], ChainRpc.GetBlockHash),
        ["estimatesmartfee"] = new(["conf_target", "estimate_mode"], ChainRpc.EstimateSmartFee),
        ["sendrawtransaction"] = new(["hexstring", "maxfeerate", "maxburnamount"], ChainRpc.SendRawTransaction),
        ["testmempoolaccept"] = new(["rawtxs", "maxfeerate"], ChainRpc.TestMempoolAccept),
        ["getmempoolentry"] = new(["txid"], ChainRpc.GetMempoolEntry),
        ["getrawmempool"] = new(["verbose", "mempool_sequence"], ChainRpc.GetRawMempool),
        ["getrawtransaction"] = new(["txid", "verbose", "blockhash"], ChainRpc.GetRawTransaction),
        ["decoderawtransaction"] = new(["hexstring", "iswitness"], ChainRpc.DecodeRawTransaction),
        ["generatetoaddress"] = new(["nblocks", "address", "maxtries"], ChainRpc.GenerateToAddress),
        ["finalizepsbt"] = new(["psbt", "extract"], PsbtRpc.FinalizePsbt),

        ["listwallets"] = new([], WalletRpc.ListWallets),
        ["getwalletinfo"] = new([], WalletRpc.GetWalletInfo),
        ["getbalances"] = new([], WalletRpc.GetBalances),
        ["getnewaddress"] = new(["label", "address_type"], WalletRpc.GetNewAddress),
        ["listunspent"] = new(["minconf", "maxconf", "addresses", "include_unsafe", "query_options"], WalletRpc.ListUnspent),
        ["gettransaction"] = new(["txid", "include_watchonly", "verbose"], WalletRpc.GetTransaction),
        ["lockunspent"] = new(["unlock", "transactions", "persistent"], WalletRpc.LockUnspent),
        ["listlockunspent"] = new([], WalletRpc.ListLockUnspent),
        ["abandontransaction"] = new(["txid"], WalletRpc.AbandonTransaction),
        ["walletcreatefundedpsbt"] = new(["inputs", "outputs", "locktime", "options", "bip32derivs", "version"], PsbtRpc.WalletCreateFundedPsbt),
        ["walletprocesspsbt"] = new(["psbt", "sign", "sighashtype", "bip32derivs", "finalize"], PsbtRpc.WalletProcessPsbt),
        ["psbtbumpfee"] = new(["txid", "options"], PsbtRpc.PsbtBumpFee),
    };
}

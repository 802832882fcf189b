using Payouts.Simulators.Bitcoind.Node;
using Payouts.Simulators.Bitcoind.Wallet;

namespace Payouts.Simulators.Bitcoind.Rpc;

/// <summary>One call: the node, its parameters, and the wallet its URI path names (bitcoind's /wallet/&lt;name&gt;).</summary>
internal sealed class RpcContext(NodeState node, RpcParams parameters, string? walletFromPath)
{
    public NodeState Node { get; } = node;
    public RpcParams Params { get; } = parameters;

    /// <summary>Core's GetWalletForJSONRPCRequest: the path's wallet, or the only loaded one.</summary>
    public SimWallet Wallet()
    {
        if (walletFromPath is not null)
            return Node.Wallets.GetValueOrDefault(walletFromPath)
                ?? throw new RpcException(RpcErrorCodes.WalletNotFound, "Requested wallet does not exist or is not loaded");
        return Node.Wallets.Count switch
        {
            1 => Node.Wallets.Values.Single(),
            0 => throw new RpcException(RpcErrorCodes.WalletNotFound,
                "No wallet is loaded. Load a wallet using loadwallet or create a new one with createwallet. (Note: A default wallet is no longer automatically created)"),
            _ => throw new RpcException(RpcErrorCodes.WalletNotSpecified,
                "Wallet file not specified (must request wallet RPC through /wallet/<filename> uri-path)."),
        };
    }
}

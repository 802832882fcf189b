namespace Payouts.Simulators.Bitcoind;

/// <summary>A JSON-RPC error as bitcoind reports it: its numeric code and message go to the client verbatim.</summary>
public sealed class RpcException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;
}

/// <summary>The codes of Bitcoin Core's <c>rpc/protocol.h</c> that the simulator answers with.</summary>
public static class RpcErrorCodes
{
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int ParseError = -32700;
    public const int MiscError = -1;
    public const int TypeError = -3;
    public const int WalletError = -4;
    public const int InvalidAddressOrKey = -5;
    public const int InvalidParameter = -8;
    public const int WalletNotFound = -18;
    public const int WalletNotSpecified = -19;
    public const int DeserializationError = -22;
    public const int TransactionError = -25;
    public const int TransactionRejected = -26;
    public const int AlreadyInUtxoSet = -27;
}

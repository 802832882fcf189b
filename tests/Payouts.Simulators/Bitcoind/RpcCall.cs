namespace Payouts.Simulators.Bitcoind;

/// <summary>One JSON-RPC call as the simulator received it, in arrival order; <see cref="Wallet"/> is the URI's wallet.</summary>
public sealed record RpcCall(string Method, string? Wallet, bool Succeeded);

/// <summary>A transaction that paid an address: <see cref="Viable"/> while it is mined or could still be.</summary>
public sealed record SimPayment(string Txid, long AmountSats, int Confirmations, bool InMempool, bool Viable);

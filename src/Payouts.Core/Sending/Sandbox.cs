using Payouts.Contracts;

namespace Payouts.Core.Sending;

/// <summary>
/// Persistence of the sandbox rail's simulated world (wallets, transactions, ledger). The sandbox commits in its own
/// transactions, like an external system, never inside a payout's transaction (DESIGN §10).
/// </summary>
public interface ISandboxStore
{
    /// <summary>
    /// Sends atomically: if <see cref="SandboxSend.Reference"/> was sent before, nothing changes (a re-broadcast);
    /// otherwise debits the wallet and writes the transaction and one ledger entry per output, or refuses for funds.
    /// </summary>
    Task<SandboxSendResult> SandboxSend(SandboxSend send, CancellationToken ct);

    Task<SandboxTransaction?> SandboxTransactionGet(string reference, CancellationToken ct);

    Task<decimal> SandboxBalance(string storeId, PayoutMethodId method, decimal initialBalance, CancellationToken ct);

    Task<IReadOnlyList<SandboxLedgerEntry>> SandboxLedgerList(string? storeId, long afterId, int limit, CancellationToken ct);
}

public sealed record SandboxOutput(string PayoutId, string Destination, decimal Amount);

/// <param name="State">"sent" (on-chain, confirms at <paramref name="SettlesAt"/>), "in_flight" (Lightning, settles then), "succeeded".</param>
public sealed record SandboxSend(
    string Reference, string StoreId, PayoutMethodId Method, decimal Fee, IReadOnlyList<SandboxOutput> Outputs,
    string State, DateTimeOffset SentAt, DateTimeOffset SettlesAt, decimal InitialBalance);

public enum SandboxSendResult
{
    Sent,
    AlreadySent,
    InsufficientFunds,
}

public sealed record SandboxTransaction(string Reference, string State, DateTimeOffset SentAt, DateTimeOffset SettlesAt);

public sealed record SandboxLedgerEntry(
    long Id, string PayoutId, string StoreId, PayoutMethodId Method, string Destination, decimal Amount, string Reference, DateTimeOffset SentAt);

using Payouts.Contracts;
using Payouts.Core.Sending;

namespace Payouts.Rails.Tests.Support;

/// <summary>
/// An in-memory <see cref="ISandboxStore"/> with the SQL store's contract: a send of a reference seen before changes
/// nothing (AlreadySent), a send that does not fit the balance writes nothing, and otherwise the wallet is debited by
/// outputs plus fee and one ledger entry is written per output — all under one lock, as one transaction.
/// </summary>
internal sealed class FakeSandboxStore : ISandboxStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string StoreId, PayoutMethodId Method), decimal> _wallets = [];
    private readonly Dictionary<string, SandboxTransaction> _transactions = new(StringComparer.Ordinal);
    private readonly List<SandboxLedgerEntry> _ledger = [];

    public List<SandboxSend> Sends { get; } = [];

    public IReadOnlyList<SandboxLedgerEntry> Ledger
    {
        get
        {
            lock (_lock) return _ledger.ToList();
        }
    }

    /// <summary>Spends from a wallet behind the rail's back, as another attempt of the same store would.</summary>
    public void Spend(string storeId, PayoutMethodId method, decimal initialBalance, decimal amount)
    {
        lock (_lock)
        {
            var key = (storeId, method);
            _wallets[key] = _wallets.GetValueOrDefault(key, initialBalance) - amount;
        }
    }

    public Task<SandboxSendResult> SandboxSend(SandboxSend send, CancellationToken ct)
    {
        lock (_lock)
        {
            Sends.Add(send);
            var key = (send.StoreId, send.Method);
            var balance = _wallets.TryGetValue(key, out var known) ? known : _wallets[key] = send.InitialBalance;
            if (_transactions.ContainsKey(send.Reference))
                return Task.FromResult(SandboxSendResult.AlreadySent);
            var total = send.Outputs.Sum(o => o.Amount) + send.Fee;
            if (total > balance)
                return Task.FromResult(SandboxSendResult.InsufficientFunds);
            _wallets[key] = balance - total;
            _transactions[send.Reference] = new SandboxTransaction(send.Reference, send.State, send.SentAt, send.SettlesAt);
            foreach (var o in send.Outputs)
                _ledger.Add(new SandboxLedgerEntry(_ledger.Count + 1, o.PayoutId, send.StoreId, send.Method, o.Destination, o.Amount,
                    send.Reference, send.SentAt));
            return Task.FromResult(SandboxSendResult.Sent);
        }
    }

    public Task<SandboxTransaction?> SandboxTransactionGet(string reference, CancellationToken ct)
    {
        lock (_lock) return Task.FromResult(_transactions.GetValueOrDefault(reference));
    }

    public Task<decimal> SandboxBalance(string storeId, PayoutMethodId method, decimal initialBalance, CancellationToken ct)
    {
        lock (_lock)
        {
            var key = (storeId, method);
            return Task.FromResult(_wallets.TryGetValue(key, out var known) ? known : _wallets[key] = initialBalance);
        }
    }

    public Task<IReadOnlyList<SandboxLedgerEntry>> SandboxLedgerList(string? storeId, long afterId, int limit, CancellationToken ct)
    {
        lock (_lock)
            return Task.FromResult<IReadOnlyList<SandboxLedgerEntry>>(_ledger
                .Where(e => (storeId is null || e.StoreId == storeId) && e.Id > afterId).Take(limit).ToList());
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; private set; } = start;

    public void Advance(TimeSpan by) => Now += by;

    public override DateTimeOffset GetUtcNow() => Now;
}

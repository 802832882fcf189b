using Dapper;
using Payouts.Contracts;
using Payouts.Core;
using Payouts.Core.Sending;

namespace Payouts.Storage;

/// <summary>The sandbox rail's simulated wallets, transactions and ledger, shared by every node through the database.</summary>
public sealed class SqlSandboxStore(Database db) : ISandboxStore
{
    public async Task<SandboxSendResult> SandboxSend(SandboxSend send, CancellationToken ct)
    {
        Invariant.Ensure(send.Outputs.Count > 0);
        await using var c = await db.Open(ct);
        await using var tx = await db.BeginWrite(c, ct);
        var walletKey = new { send.StoreId, PayoutMethodId = send.Method.Value };
        await c.ExecuteAsync(new CommandDefinition(db.Sql["SandboxWalletEnsure"],
            new { send.StoreId, PayoutMethodId = send.Method.Value, Balance = send.InitialBalance }, tx, cancellationToken: ct));
        // The wallet row lock orders concurrent sends of one store; checking the reference after it makes a
        // repeated send of one artifact see the first one's commit.
        var balance = Dec.Parse(await c.QuerySingleAsync<string>(new CommandDefinition(db.Sql["SandboxWalletGetForUpdate"], walletKey, tx, cancellationToken: ct)));
        if (await c.QuerySingleOrDefaultAsync<SandboxTransactionRow>(new CommandDefinition(db.Sql["SandboxTransactionGet"],
                new { send.Reference }, tx, cancellationToken: ct)) is not null)
            return SandboxSendResult.AlreadySent;
        var total = send.Outputs.Sum(o => o.Amount) + send.Fee;
        if (total > balance)
            return SandboxSendResult.InsufficientFunds;

        await c.ExecuteAsync(new CommandDefinition(db.Sql["SandboxWalletSetBalance"],
            new { send.StoreId, PayoutMethodId = send.Method.Value, Balance = balance - total }, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(db.Sql["SandboxTransactionCreate"], new
        {
            send.Reference, send.StoreId, PayoutMethodId = send.Method.Value, send.Fee, send.State,
            SentAtMs = send.SentAt.ToUnixTimeMilliseconds(), SettlesAtMs = send.SettlesAt.ToUnixTimeMilliseconds(),
        }, tx, cancellationToken: ct));
        foreach (var o in send.Outputs)
            await c.ExecuteAsync(new CommandDefinition(db.Sql["SandboxLedgerCreate"], new
            {
                o.PayoutId, send.StoreId, PayoutMethodId = send.Method.Value, o.Destination, o.Amount, send.Reference,
                SentAtMs = send.SentAt.ToUnixTimeMilliseconds(),
            }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return SandboxSendResult.Sent;
    }

    public async Task<SandboxTransaction?> SandboxTransactionGet(string reference, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        var row = await c.QuerySingleOrDefaultAsync<SandboxTransactionRow>(new CommandDefinition(db.Sql["SandboxTransactionGet"],
            new { Reference = reference }, cancellationToken: ct));
        return row is null ? null : new SandboxTransaction(row.Reference, row.State, Time.FromMs(row.SentAtMs), Time.FromMs(row.SettlesAtMs));
    }

    public async Task<decimal> SandboxBalance(string storeId, PayoutMethodId method, decimal initialBalance, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        await using var tx = await db.BeginWrite(c, ct);
        var key = new { StoreId = storeId, PayoutMethodId = method.Value };
        await c.ExecuteAsync(new CommandDefinition(db.Sql["SandboxWalletEnsure"],
            new { StoreId = storeId, PayoutMethodId = method.Value, Balance = initialBalance }, tx, cancellationToken: ct));
        var balance = Dec.Parse(await c.QuerySingleAsync<string>(new CommandDefinition(db.Sql["SandboxWalletGetForUpdate"], key, tx, cancellationToken: ct)));
        await tx.CommitAsync(ct);
        return balance;
    }

    public async Task<IReadOnlyList<SandboxLedgerEntry>> SandboxLedgerList(string? storeId, long afterId, int limit, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        var rows = await c.QueryAsync<SandboxLedgerRow>(new CommandDefinition(db.Sql["SandboxLedgerList"],
            new { StoreId = storeId, AfterId = afterId, Limit = limit }, cancellationToken: ct));
        return rows.Select(r => new SandboxLedgerEntry(r.Id, r.PayoutId, r.StoreId, Method.Parse(r.PayoutMethodId), r.Destination,
            Dec.Parse(r.Amount), r.Reference, Time.FromMs(r.SentAtMs))).ToList();
    }

    private sealed class SandboxTransactionRow
    {
        public string Reference { get; set; } = "";
        public string State { get; set; } = "";
        public long SentAtMs { get; set; }
        public long SettlesAtMs { get; set; }
    }

    private sealed class SandboxLedgerRow
    {
        public long Id { get; set; }
        public string PayoutId { get; set; } = "";
        public string StoreId { get; set; } = "";
        public string PayoutMethodId { get; set; } = "";
        public string Destination { get; set; } = "";
        public string Amount { get; set; } = "";
        public string Reference { get; set; } = "";
        public long SentAtMs { get; set; }
    }
}

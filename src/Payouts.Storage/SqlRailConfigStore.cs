using System.Data.Common;
using Dapper;
using Payouts.Contracts;
using Payouts.Core.Sending;

namespace Payouts.Storage;

public sealed class SqlRailConfigStore(Database db) : IRailConfigStore
{
    public async Task<RailConfig?> RailConfigGet(string storeId, PayoutMethodId method, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        var row = await c.QuerySingleOrDefaultAsync<StoreRailRow>(Cmd("StoreRailGet", new { StoreId = storeId, PayoutMethodId = method.Value }, null, ct));
        return row?.ToDomain();
    }

    public async Task<IReadOnlyList<RailConfig>> RailConfigList(string storeId, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        return (await c.QueryAsync<StoreRailRow>(Cmd("StoreRailList", new { StoreId = storeId }, null, ct))).Select(r => r.ToDomain()).ToList();
    }

    public async Task<RailConfigWrite> RailConfigUpsert(RailConfig config, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        await using var tx = await db.BeginWrite(c, ct);
        if (await Busy(c, tx, config.StoreId, config.MethodId, ct)) return RailConfigWrite.Busy;
        await c.ExecuteAsync(Cmd("StoreRailUpsert", new
        {
            config.StoreId, PayoutMethodId = config.MethodId.Value, config.ConnectionString, config.Network,
            Settings = config.SettingsJson, CreatedAtMs = config.CreatedAt.ToUnixTimeMilliseconds(), NowMs = config.UpdatedAt.ToUnixTimeMilliseconds(),
        }, tx, ct));
        await tx.CommitAsync(ct);
        return RailConfigWrite.Written;
    }

    public async Task<RailConfigWrite> RailConfigDelete(string storeId, PayoutMethodId method, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        await using var tx = await db.BeginWrite(c, ct);
        if (await Busy(c, tx, storeId, method, ct)) return RailConfigWrite.Busy;
        var deleted = await c.ExecuteAsync(Cmd("StoreRailDelete", new { StoreId = storeId, PayoutMethodId = method.Value }, tx, ct));
        await tx.CommitAsync(ct);
        return deleted == 1 ? RailConfigWrite.Deleted : RailConfigWrite.NotFound;
    }

    private async Task<bool> Busy(DbConnection c, DbTransaction tx, string storeId, PayoutMethodId method, CancellationToken ct)
    {
        var key = new { StoreId = storeId, PayoutMethodId = method.Value };
        await c.QueryAsync<int>(Cmd("StoreRailLockProcessor", key, tx, ct));
        return await c.ExecuteScalarAsync<long>(Cmd("AttemptUnfinishedCount", key, tx, ct)) > 0;
    }

    private CommandDefinition Cmd(string name, object args, DbTransaction? tx, CancellationToken ct) =>
        new(db.Sql[name], args, tx, cancellationToken: ct);
}

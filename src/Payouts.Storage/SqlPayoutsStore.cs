using System.Data.Common;
using Dapper;
using Payouts.Core;
using Payouts.Core.Auth;
using Payouts.Core.Payouts;
using Payouts.Core.Ports;
using Payouts.Core.PullPayments;
using Payouts.Core.Stores;

namespace Payouts.Storage;

/// <summary>
/// <see cref="IPayoutsStore"/> for both engines: the C# is shared, the SQL comes from the dialect's catalogue.
/// </summary>
public sealed class SqlPayoutsStore : IPayoutsStore
{
    private const string ActiveDestinationIndex = "payouts_active_destination";
    private readonly Database _db;

    static SqlPayoutsStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public SqlPayoutsStore(Database db) => _db = db;

    public async Task<bool> ApiKeyCreateIfNone(ApiKey key, CancellationToken ct)
    {
        Invariant.Ensure(key.Bootstrap);
        await using var c = await _db.Open(ct);
        try
        {
            return await c.ExecuteAsync(Cmd("ApiKeyCreateIfNone", ApiKeyRow.Params(key), ct: ct)) == 1;
        }
        catch (Exception ex) when (_db.IsUniqueViolation(ex, "api_keys_one_bootstrap"))
        {
            return false;
        }
    }

    public async Task ApiKeyCreate(ApiKey key, CancellationToken ct)
    {
        Invariant.Ensure(!key.Bootstrap);
        await using var c = await _db.Open(ct);
        await c.ExecuteAsync(Cmd("ApiKeyCreate", ApiKeyRow.Params(key), ct: ct));
    }

    public async Task<ApiKey?> ApiKeyGetByHash(string keyHash, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        var row = await c.QuerySingleOrDefaultAsync<ApiKeyRow>(Cmd("ApiKeyGetByHash", new { KeyHash = keyHash }, ct: ct));
        return row?.ToDomain();
    }

    public async Task<PayoutInsertResult> PayoutCreate(Payout payout, PayoutEvent created, CancellationToken ct)
    {
        CheckCreated(payout, created);
        await using var c = await _db.Open(ct);
        await using var tx = await _db.BeginWrite(c, ct);
        try
        {
            await Insert(c, tx, payout, created, ct);
        }
        catch (Exception ex) when (_db.IsUniqueViolation(ex, ActiveDestinationIndex))
        {
            return PayoutInsertResult.DuplicateDestination;
        }
        await tx.CommitAsync(ct);
        return PayoutInsertResult.Inserted;
    }

    public async Task<Result<Payout>> PayoutCreateClaim(string pullPaymentId, string destination,
        Func<ClaimSnapshot, Result<(Payout Payout, PayoutEvent Created)>> decide, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        await using var tx = await _db.BeginWrite(c, ct);
        var row = await c.QuerySingleOrDefaultAsync<PullPaymentRow>(Cmd("PullPaymentGetByIdForClaim", new { Id = pullPaymentId }, tx, ct));
        if (row is null)
            return Failure.Of(Contracts.ErrorCode.PullPaymentNotFound);
        var pullPayment = row.ToDomain();
        var amounts = await c.QueryAsync<string>(Cmd("PayoutClaimedAmounts", new { PullPaymentId = pullPaymentId }, tx, ct));
        // Summed here, exactly, because SQLite stores amounts as text.
        var claimedTotal = amounts.Sum(Dec.Parse);
        var activeCount = await c.ExecuteScalarAsync<long>(Cmd("PayoutDestinationActiveCount",
            new { pullPayment.StoreId, Destination = destination }, tx, ct));

        var decision = decide(new ClaimSnapshot(pullPayment, claimedTotal, activeCount > 0));
        if (!decision.IsOk)
            return decision.Failure!;
        var (payout, created) = decision.Value;
        CheckCreated(payout, created);
        Invariant.Ensure(payout.PullPaymentId == pullPaymentId);
        Invariant.Ensure(payout.StoreId == pullPayment.StoreId);
        Invariant.Ensure(payout.Destination == destination);
        try
        {
            await Insert(c, tx, payout, created, ct);
        }
        catch (Exception ex) when (_db.IsUniqueViolation(ex, ActiveDestinationIndex))
        {
            // Another pull payment of the store took the destination between our check and insert.
            return Failure.Of(Contracts.ErrorCode.DuplicateDestination);
        }
        await tx.CommitAsync(ct);
        return payout;
    }

    public async Task<IReadOnlyList<PayoutEvent>> PayoutEventList(string payoutId, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        var rows = await c.QueryAsync<PayoutEventRow>(Cmd("PayoutEventList", new { PayoutId = payoutId }, ct: ct));
        return rows.Select(r => r.ToDomain()).ToList();
    }

    public async Task<Payout?> PayoutGetById(string payoutId, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        var row = await c.QuerySingleOrDefaultAsync<PayoutRow>(Cmd("PayoutGetById", new { Id = payoutId }, ct: ct));
        return row?.ToDomain();
    }

    public async Task<bool> PayoutTransition(Payout next, PayoutEvent changed, CancellationToken ct)
    {
        Invariant.Ensure(next.Revision >= 1);
        Invariant.Ensure(changed.Revision == next.Revision);
        Invariant.Ensure(changed.PayoutId == next.Id);
        Invariant.Ensure(changed.To == next.State);
        Invariant.Ensure(changed.From is not null);
        await using var c = await _db.Open(ct);
        await using var tx = await _db.BeginWrite(c, ct);
        var updated = await c.ExecuteAsync(Cmd("PayoutTransition", new
        {
            next.Id,
            State = next.State.ToString(),
            next.Revision,
            next.PayoutAmount,
            next.Rate,
            PaymentProof = next.PaymentProofJson,
            next.ErrorCount,
            UpdatedAtMs = next.UpdatedAt.ToUnixTimeMilliseconds(),
            ExpectedRevision = next.Revision - 1,
            ExpectedState = changed.From!.Value.ToString(),
        }, tx, ct));
        Invariant.Ensure(updated is 0 or 1);
        if (updated == 0)
            return false; // Someone else moved the payout first; the transaction rolls back with nothing written.
        await c.ExecuteAsync(Cmd("PayoutEventCreate", PayoutEventRow.Params(changed), tx, ct));
        await tx.CommitAsync(ct);
        return true;
    }

    public async Task PullPaymentCreate(PullPayment pullPayment, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        await c.ExecuteAsync(Cmd("PullPaymentCreate", PullPaymentRow.Params(pullPayment), ct: ct));
    }

    public async Task<PullPayment?> PullPaymentGetById(string pullPaymentId, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        var row = await c.QuerySingleOrDefaultAsync<PullPaymentRow>(Cmd("PullPaymentGetById", new { Id = pullPaymentId }, ct: ct));
        return row?.ToDomain();
    }

    public async Task StoreCreate(Store store, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        await c.ExecuteAsync(Cmd("StoreCreate", new { store.Id, store.Name, CreatedAtMs = store.CreatedAt.ToUnixTimeMilliseconds() }, ct: ct));
    }

    public async Task<Store?> StoreGetById(string storeId, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        var row = await c.QuerySingleOrDefaultAsync<StoreRow>(Cmd("StoreGetById", new { Id = storeId }, ct: ct));
        return row?.ToDomain();
    }

    private async Task Insert(DbConnection c, DbTransaction tx, Payout payout, PayoutEvent created, CancellationToken ct)
    {
        await c.ExecuteAsync(Cmd("PayoutCreate", PayoutRow.Params(payout), tx, ct));
        await c.ExecuteAsync(Cmd("PayoutEventCreate", PayoutEventRow.Params(created), tx, ct));
    }

    private static void CheckCreated(Payout payout, PayoutEvent created)
    {
        Invariant.Ensure(payout.Revision == 0);
        Invariant.Ensure(created.Revision == 0);
        Invariant.Ensure(created.From is null);
        Invariant.Ensure(created.To == payout.State);
        Invariant.Ensure(created.PayoutId == payout.Id);
    }

    private CommandDefinition Cmd(string name, object? args = null, DbTransaction? tx = null, CancellationToken ct = default) =>
        new(_db.Sql[name], args, tx, cancellationToken: ct);
}

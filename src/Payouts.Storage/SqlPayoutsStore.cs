using System.Data.Common;
using Dapper;
using Payouts.Core;
using Payouts.Core.Auth;
using Payouts.Core.Idempotency;
using Payouts.Core.Payouts;
using Payouts.Core.Processors;
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
    /// <summary>One payout per BOLT11 payment hash per store (migration 0005): to a caller, a duplicate destination too.</summary>
    private const string PaymentHashIndex = "payouts_payment_hash";
    private readonly Database _db;

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

    public async Task ApiKeyCreate(ApiKey key, IdempotencyCompletion? completion, CancellationToken ct)
    {
        Invariant.Ensure(!key.Bootstrap);
        await using var c = await _db.Open(ct);
        await using var tx = await _db.BeginWrite(c, ct);
        await c.ExecuteAsync(Cmd("ApiKeyCreate", ApiKeyRow.Params(key), tx, ct));
        await CommitWith(c, tx, completion, ct);
    }

    public async Task<ApiKey?> ApiKeyGetById(string id, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        var row = await c.QuerySingleOrDefaultAsync<ApiKeyRow>(Cmd("ApiKeyGetById", new { Id = id }, ct: ct));
        return row?.ToDomain();
    }

    public async Task<IReadOnlyList<ApiKey>> ApiKeyList(ListParams page, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        var rows = await c.QueryAsync<ApiKeyRow>(Cmd("ApiKeyList", PageArgs(page.After, page.Limit), ct: ct));
        return rows.Select(r => r.ToDomain()).ToList();
    }

    public async Task<bool> ApiKeyRevoke(string id, DateTimeOffset now, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        return await c.ExecuteAsync(Cmd("ApiKeyRevoke", new { Id = id, RevokedAtMs = now.ToUnixTimeMilliseconds() }, ct: ct)) == 1;
    }

    public async Task<ApiKey?> ApiKeyGetByHash(string keyHash, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        var row = await c.QuerySingleOrDefaultAsync<ApiKeyRow>(Cmd("ApiKeyGetByHash", new { KeyHash = keyHash }, ct: ct));
        return row?.ToDomain();
    }

    public async Task<PayoutInsertResult> PayoutCreate(Payout payout, PayoutEvent created, IdempotencyCompletion? completion, CancellationToken ct)
    {
        var result = await PayoutCreateMany([(payout, created)], completion, ct);
        return result.Inserted ? PayoutInsertResult.Inserted : PayoutInsertResult.DuplicateDestination;
    }

    public async Task<PayoutInsertManyResult> PayoutCreateMany(IReadOnlyList<(Payout Payout, PayoutEvent Created)> payouts,
        IdempotencyCompletion? completion, CancellationToken ct)
    {
        Invariant.Ensure(payouts.Count > 0);
        foreach (var (payout, created) in payouts) CheckCreated(payout, created);
        await using var c = await _db.Open(ct);
        await using var tx = await _db.BeginWrite(c, ct);
        for (var i = 0; i < payouts.Count; i++)
        {
            try
            {
                await Insert(c, tx, payouts[i].Payout, payouts[i].Created, ct);
            }
            catch (Exception ex) when (_db.IsUniqueViolation(ex, ActiveDestinationIndex) || _db.IsUniqueViolation(ex, PaymentHashIndex))
            {
                // The transaction rolls back on dispose: all or nothing.
                return new PayoutInsertManyResult(false, i);
            }
        }
        await CommitWith(c, tx, completion, ct);
        return new PayoutInsertManyResult(true, null);
    }

    public async Task<Result<Payout>> PayoutCreateClaim(string pullPaymentId, string destination,
        Func<ClaimSnapshot, Result<(Payout Payout, PayoutEvent Created)>> decide,
        Func<Payout, IdempotencyCompletion>? complete, CancellationToken ct)
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
        catch (Exception ex) when (_db.IsUniqueViolation(ex, ActiveDestinationIndex) || _db.IsUniqueViolation(ex, PaymentHashIndex))
        {
            // Another pull payment of the store took the destination between our check and insert.
            return Failure.Of(Contracts.ErrorCode.DuplicateDestination);
        }
        await CommitWith(c, tx, complete?.Invoke(payout), ct);
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

    public async Task<IReadOnlyList<Payout>> PayoutList(PayoutListParams q, CancellationToken ct)
    {
        Invariant.Ensure(q.StoreId is not null || q.PullPaymentId is not null);
        Invariant.Ensure(q.Limit is > 0 and <= Paging.LimitMax);
        await using var c = await _db.Open(ct);
        var rows = await c.QueryAsync<PayoutRow>(Cmd("PayoutList", new
        {
            q.StoreId, q.PullPaymentId,
            State = q.State?.ToString(),
            q.IncludeCancelled,
            PayoutMethodId = q.Method?.Value,
            CreatedFromMs = q.CreatedFrom?.ToUnixTimeMilliseconds(),
            CreatedToMs = q.CreatedTo?.ToUnixTimeMilliseconds(),
            AfterCreatedAtMs = q.After?.CreatedAtMs,
            AfterId = q.After?.Id,
            q.Limit,
        }, ct: ct));
        return rows.Select(r => r.ToDomain()).ToList();
    }

    public async Task<bool> PayoutTransition(Payout next, PayoutEvent changed, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        await using var tx = await _db.BeginWrite(c, ct);
        if (!await PayoutWrites.Transition(_db, c, tx, next, changed, ct))
            return false; // Someone else moved the payout first; the transaction rolls back with nothing written.
        await tx.CommitAsync(ct);
        return true;
    }

    public async Task ProcessorDelete(string storeId, Contracts.PayoutMethodId method, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        await c.ExecuteAsync(Cmd("ProcessorDelete", new { StoreId = storeId, PayoutMethodId = method.Value }, ct: ct));
    }

    public async Task<ProcessorSettings?> ProcessorGet(string storeId, Contracts.PayoutMethodId method, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        var row = await c.QuerySingleOrDefaultAsync<ProcessorRow>(Cmd("ProcessorGet", new { StoreId = storeId, PayoutMethodId = method.Value }, ct: ct));
        return row?.ToDomain();
    }

    public async Task<IReadOnlyList<ProcessorSettings>> ProcessorList(string storeId, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        var rows = await c.QueryAsync<ProcessorRow>(Cmd("ProcessorList", new { StoreId = storeId }, ct: ct));
        return rows.Select(r => r.ToDomain()).ToList();
    }

    public async Task ProcessorUpsert(ProcessorSettings settings, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        await c.ExecuteAsync(Cmd("ProcessorUpsert", ProcessorRow.Params(settings), ct: ct));
    }

    public async Task<bool> PullPaymentArchive(string storeId, string pullPaymentId, Func<Payout, TransitionOutcome> cancel, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        await using var tx = await _db.BeginWrite(c, ct);
        if (await c.ExecuteAsync(Cmd("PullPaymentArchive", new { Id = pullPaymentId, StoreId = storeId }, tx, ct)) == 0)
            return false;
        var unsent = await c.QueryAsync<PayoutRow>(Cmd("PayoutListUnsentOfPullPayment", new { PullPaymentId = pullPaymentId }, tx, ct));
        foreach (var payout in unsent.Select(r => r.ToDomain()))
        {
            if (cancel(payout) is not TransitionOutcome.Changed changed) continue;
            // The rows are locked (SQLite: the whole database is), so the conditional write cannot lose.
            Invariant.Ensure(await PayoutWrites.Transition(_db, c, tx, changed.Next, changed.Event, ct));
        }
        await tx.CommitAsync(ct);
        return true;
    }

    public async Task PullPaymentCreate(PullPayment pullPayment, IdempotencyCompletion? completion, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        await using var tx = await _db.BeginWrite(c, ct);
        await c.ExecuteAsync(Cmd("PullPaymentCreate", PullPaymentRow.Params(pullPayment), tx, ct));
        await CommitWith(c, tx, completion, ct);
    }

    public async Task<IReadOnlyList<PullPayment>> PullPaymentList(PullPaymentListParams q, CancellationToken ct)
    {
        Invariant.Ensure(q.Limit is > 0 and <= Paging.LimitMax);
        await using var c = await _db.Open(ct);
        var rows = await c.QueryAsync<PullPaymentRow>(Cmd("PullPaymentList", new
        {
            q.StoreId, q.IncludeArchived,
            CreatedFromMs = q.CreatedFrom?.ToUnixTimeMilliseconds(),
            CreatedToMs = q.CreatedTo?.ToUnixTimeMilliseconds(),
            AfterCreatedAtMs = q.After?.CreatedAtMs,
            AfterId = q.After?.Id,
            q.Limit,
        }, ct: ct));
        return rows.Select(r => r.ToDomain()).ToList();
    }

    public async Task<PullPayment?> PullPaymentGetById(string pullPaymentId, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        var row = await c.QuerySingleOrDefaultAsync<PullPaymentRow>(Cmd("PullPaymentGetById", new { Id = pullPaymentId }, ct: ct));
        return row?.ToDomain();
    }

    public async Task StoreCreate(Store store, IdempotencyCompletion? completion, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        await using var tx = await _db.BeginWrite(c, ct);
        await c.ExecuteAsync(Cmd("StoreCreate", new { store.Id, store.Name, CreatedAtMs = store.CreatedAt.ToUnixTimeMilliseconds() }, tx, ct));
        await CommitWith(c, tx, completion, ct);
    }

    public async Task<StoreDeleteResult> StoreDelete(string storeId, DateTimeOffset now, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        await using var tx = await _db.BeginWrite(c, ct);
        if (await c.QuerySingleOrDefaultAsync<StoreRow>(Cmd("StoreGetByIdForUpdate", new { Id = storeId }, tx, ct)) is null)
            return StoreDeleteResult.NotFound;
        if (await c.ExecuteScalarAsync<long>(Cmd("StoreMoneyPendingCount", new { Id = storeId }, tx, ct)) > 0)
            return StoreDeleteResult.MoneyPending;
        await c.ExecuteAsync(Cmd("StoreDelete", new { Id = storeId, DeletedAtMs = now.ToUnixTimeMilliseconds() }, tx, ct));
        await tx.CommitAsync(ct);
        return StoreDeleteResult.Deleted;
    }

    public async Task<IReadOnlyList<Store>> StoreList(ListParams page, CancellationToken ct)
    {
        Invariant.Ensure(page.Limit is > 0 and <= Paging.LimitMax);
        await using var c = await _db.Open(ct);
        var rows = await c.QueryAsync<StoreRow>(Cmd("StoreList", PageArgs(page.After, page.Limit), ct: ct));
        return rows.Select(r => r.ToDomain()).ToList();
    }

    public async Task<Store?> StoreGetById(string storeId, CancellationToken ct)
    {
        await using var c = await _db.Open(ct);
        var row = await c.QuerySingleOrDefaultAsync<StoreRow>(Cmd("StoreGetById", new { Id = storeId }, ct: ct));
        return row?.ToDomain();
    }

    /// <summary>Commits, with the request's Idempotency-Key answer when there is one — or not at all if the key's lease was lost.</summary>
    private async Task CommitWith(DbConnection c, DbTransaction tx, IdempotencyCompletion? completion, CancellationToken ct)
    {
        if (completion is not null && !await SqlIdempotencyStore.Complete(_db, c, tx, completion, ct))
            throw new IdempotencyLeaseLostException();
        await tx.CommitAsync(ct);
    }

    private static object PageArgs(PageCursor? after, int limit) => new { AfterCreatedAtMs = after?.CreatedAtMs, AfterId = after?.Id, Limit = limit };

    private async Task Insert(DbConnection c, DbTransaction tx, Payout payout, PayoutEvent created, CancellationToken ct)
    {
        // The creating span's trace context goes with the row (migration 0007), so later spans can link back to it.
        var args = new DynamicParameters(PayoutRow.Params(payout));
        args.Add("TraceParent", Core.Telemetry.PayoutsTelemetry.CurrentTraceParent());
        await c.ExecuteAsync(Cmd("PayoutCreate", args, tx, ct));
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

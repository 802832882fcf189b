using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Payouts.Contracts;
using Payouts.Core.Payouts;
using Payouts.Core.Sending;
using Payouts.Storage.Tests.Support;

namespace Payouts.Storage.Tests;

/// <summary>
/// Migration 0004 on a database that already holds send attempts: SQLite rebuilds <c>send_attempt_payouts</c> to
/// widen its CHECK (PostgreSQL swaps the constraint). Rows must survive and the one-live-row index must still hold.
/// </summary>
public abstract partial class SendStoreTests
{
    /// <summary>Applies the embedded migrations up to <paramref name="version"/> only, as an older build would have.</summary>
    private async Task MigrateUpToAsync(Database db, int version)
    {
        await using var c = await db.Open(Ct);
        await using var tx = await db.BeginWrite(c, Ct);
        await c.ExecuteAsync(new CommandDefinition(db.Sql["MigrationTableCreate"], transaction: tx, cancellationToken: Ct));
        foreach (var m in Migrator.Embedded(Provider).Where(m => m.Version <= version))
        {
            await c.ExecuteAsync(new CommandDefinition(m.Sql, transaction: tx, cancellationToken: Ct));
            await c.ExecuteAsync(new CommandDefinition(db.Sql["MigrationRecord"],
                new { m.Version, m.Name, AppliedAtMs = T0.ToUnixTimeMilliseconds() }, tx, cancellationToken: Ct));
        }
        await tx.CommitAsync(Ct);
    }

    private async Task<long> IndexCountAsync(DbConnection c, string name) => await c.ExecuteScalarAsync<long>(new CommandDefinition(
        Provider == DatabaseProvider.Sqlite
            ? "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = @Name"
            : "SELECT count(*) FROM pg_indexes WHERE indexname = @Name",
        new { Name = name }, cancellationToken: Ct));

    /// <summary>Payouts as 0003's schema holds them: today's insert names columns later migrations added.</summary>
    private async Task AddWaitingUnder0003Async(Database db, string storeId, params decimal[] amounts)
    {
        const string Insert = "INSERT INTO payouts (id, store_id, pull_payment_id, payout_method_id, destination, original_amount, " +
            "original_currency, payout_currency, payout_amount, rate, state, revision, metadata, payment_proof, error_count, created_at_ms, " +
            "updated_at_ms) VALUES (@Id, @StoreId, NULL, 'BTC-CHAIN', @Destination, @Amount, 'BTC', 'BTC', @Amount, 1, 'AwaitingPayment', 0, " +
            "NULL, NULL, 0, @At, @At)";
        await using var c = await db.Open(Ct);
        for (var n = 1; n <= amounts.Length; n++)
        {
            var at = T0.AddMinutes(n).ToUnixTimeMilliseconds();
            // SQLite keeps amounts as text (exact); PostgreSQL as numeric.
            object amount = db.Provider == DatabaseProvider.Sqlite ? amounts[n - 1].ToString(System.Globalization.CultureInfo.InvariantCulture) : amounts[n - 1];
            await c.ExecuteAsync(new CommandDefinition(Insert,
                new { Id = $"{storeId}-p{n}", StoreId = storeId, Destination = Addresses.For($"{storeId}dest{n}"), Amount = amount, At = at },
                cancellationToken: Ct));
        }
    }

    [StoreFact]
    public async Task Migration0004KeepsAttemptRowsAndTheOneLiveRowIndex()
    {
        // Goal: a database in use under 0003 (an attempt with a live, a failed and a succeeded row) migrates without
        // losing a row, and afterwards still refuses a second live row for one payout while accepting 'confirmed'.
        var connectionString = await CreateEmptyDatabaseAsync();
        var db = Connect(connectionString);
        await MigrateUpToAsync(db, 3);
        var w = new World(db, connectionString, new SqlPayoutsStore(db), new SqlSendStore(db));
        await w.Payouts.StoreCreate(new Core.Stores.Store("s1", "Store 1", T0), null, Ct);
        await w.Payouts.ProcessorUpsert(Settings("s1"), Ct);
        await AddWaitingUnder0003Async(db, "s1", 0.001m, 0.00000001m, 0.12345678m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAndPrepareAsync(w, lease);
        await RecordAsync(w, attempt,
            ("s1-p1", new SendOutcome.Sent("broadcast")),
            ("s1-p2", new SendOutcome.NotSent("refused", Culprit: true)),
            ("s1-p3", new SendOutcome.Succeeded(FirstProof)));
        var before = (await w.Send.AttemptGetById(attempt.Id, Ct))!;
        Assert.Equal([AttemptPayoutState.Sent, AttemptPayoutState.Failed, AttemptPayoutState.Succeeded], before.Payouts.Select(p => p.State));

        var applied = await Migrator.Migrate(db, new FixedTimeProvider(T0), NullLogger.Instance, Ct);

        Assert.Equal(Migrator.Embedded(Provider).Select(m => m.Version).Where(v => v > 3), applied);
        Assert.Contains(4, applied);
        var after = (await w.Send.AttemptGetById(attempt.Id, Ct))!;
        Assert.Equal(before.Payouts, after.Payouts);
        Assert.Equal(before with { Payouts = after.Payouts }, after);
        Assert.Equal([attempt.Id], (await w.Send.AttemptListUnfinished(10, Ct)).Select(a => a.Id));
        Assert.True(await w.Send.AttemptHoldsPayout("s1-p1", Ct));
        Assert.False(await w.Send.AttemptHoldsPayout("s1-p2", Ct));

        await using var c = await db.Open(Ct);
        Assert.Equal(1, await IndexCountAsync(c, "send_attempt_payouts_one_live"));
        Assert.Equal(1, await IndexCountAsync(c, "send_attempt_payouts_payout"));
        await InsertAttemptAsync(c, "other", "done", Ct);
        foreach (var live in new[] { "claimed", "prepared", "sent", "in_flight", "unknown" })
        {
            var refused = await Assert.ThrowsAnyAsync<DbException>(() => InsertAttemptRowAsync(c, "other", "s1-p1", live, Ct));
            Assert.Contains("send_attempt_payouts", refused.Message, StringComparison.Ordinal);
        }
        // The widened CHECK accepts 'confirmed' and still refuses what is no state.
        Assert.Equal(1, await InsertAttemptRowAsync(c, "other", "s1-p2", "confirmed", Ct));
        await Assert.ThrowsAnyAsync<DbException>(() => InsertAttemptRowAsync(c, "other", "s1-p3", "bogus", Ct));
        // Foreign keys survive the rebuild: a row for a payout that does not exist is refused.
        await Assert.ThrowsAnyAsync<DbException>(() => InsertAttemptRowAsync(c, "other", "no-such-payout", "failed", Ct));

        // The protocol goes on over the migrated rows: confirmed, then final.
        var confirmed = await RecordAsync(w, attempt, ("s1-p1", new SendOutcome.Succeeded(FirstProof, Final: false)));
        Assert.Equal((AttemptState.Prepared, AttemptPayoutState.Confirmed), (confirmed.State, confirmed.Payouts[0].State));
        Assert.Equal(PayoutState.Completed, (await PayoutAsync(w, "s1-p1")).State);
        var final = await RecordAsync(w, attempt, ("s1-p1", new SendOutcome.Succeeded(FirstProof, Final: true)));
        Assert.Equal((AttemptState.Done, AttemptPayoutState.Succeeded), (final.State, final.Payouts[0].State));
    }
}

using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Payouts.Contracts;
using Payouts.Core;
using Payouts.Core.Idempotency;
using Payouts.Core.Payouts;
using Payouts.Core.Ports;
using Payouts.Core.Stores;
using Payouts.Storage.Tests.Support;

namespace Payouts.Storage.Tests;

/// <summary>
/// <see cref="SqlIdempotencyStore"/> on every engine, in the manner of <see cref="StoreConformanceTests"/>: written once,
/// run by <see cref="SqliteIdempotencyStoreTests"/> and <see cref="PostgresIdempotencyStoreTests"/>, each test on a fresh
/// database. Time is a <c>now</c> argument, so leases and retention run out without waiting.
/// </summary>
public abstract class IdempotencyStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_741_965_366_123);
    private static readonly long LeaseMs = (long)IdempotencyRules.Lease.TotalMilliseconds;
    private const string Scope = "key:k1";
    private const string Fp = "fingerprint-a";
    private const string ContentType = "application/json; charset=utf-8";

    private readonly CancellationTokenSource _timeout = new(TestTimeout);
    private readonly List<Database> _databases = [];
    private Database _db = null!;
    private SqlIdempotencyStore _keys = null!;
    private SqlPayoutsStore _store = null!;

    protected CancellationToken Ct => _timeout.Token;

    protected abstract DatabaseProvider Provider { get; }

    /// <summary>Creates an empty database (no schema) for this test alone and returns its connection string.</summary>
    protected abstract Task<string> CreateEmptyDatabaseAsync();

    /// <summary>Removes what <see cref="CreateEmptyDatabaseAsync"/> made; runs after the test's <see cref="Database"/>s are disposed.</summary>
    protected abstract Task DeleteDatabasesAsync();

    public async Task InitializeAsync()
    {
        _db = Database.Create(Provider, await CreateEmptyDatabaseAsync());
        _databases.Add(_db);
        await Migrator.Migrate(_db, new FixedTimeProvider(T0), NullLogger.Instance, Ct);
        _keys = new SqlIdempotencyStore(_db);
        _store = new SqlPayoutsStore(_db);
    }

    public async Task DisposeAsync()
    {
        foreach (var db in _databases)
            await db.DisposeAsync();
        await DeleteDatabasesAsync();
        _timeout.Dispose();
    }

    [StoreFact]
    public async Task BeginOnAFreshKeyAcquiresItForOneLease()
    {
        var acquired = Assert.IsType<IdempotencyBegin.Acquired>(await Begin("k", Fp, T0));

        Assert.Equal(T0.ToUnixTimeMilliseconds() + LeaseMs, acquired.LeaseUntilMs);
        var row = await Row("k");
        Assert.Equal((IdempotencyRecord.Running, Fp, acquired.LeaseUntilMs), (row.State, row.Fingerprint, row.LeaseUntilMs));
        Assert.Equal((T0 + IdempotencyRules.Retention).ToUnixTimeMilliseconds(), row.ExpiresAtMs);
        Assert.Null(row.Body);
    }

    [StoreFact]
    public async Task BeginWhileTheKeyIsHeldIsInFlightForTheSameRequestAndMismatchForAnother()
    {
        var acquired = Assert.IsType<IdempotencyBegin.Acquired>(await Begin("k", Fp, T0));

        Assert.IsType<IdempotencyBegin.InFlight>(await Begin("k", Fp, T0));
        Assert.IsType<IdempotencyBegin.InFlight>(await Begin("k", Fp, T0.AddMilliseconds(LeaseMs - 1)));
        Assert.IsType<IdempotencyBegin.Mismatch>(await Begin("k", "fingerprint-b", T0));
        // Another scope or another key is another record.
        Assert.IsType<IdempotencyBegin.Acquired>(await _keys.IdempotencyBegin("key:k2", "k", Fp, T0, Ct));
        Assert.IsType<IdempotencyBegin.Acquired>(await Begin("K", Fp, T0));
        Assert.Equal(acquired.LeaseUntilMs, (await Row("k")).LeaseUntilMs);
    }

    [StoreFact]
    public async Task CompletedKeyReplaysTheExactAnswer()
    {
        var lease = Acquired(await Begin("k", Fp, T0));
        byte[] body = [0x00, 0xFF, 0x7B, 0x22, 0xC3, 0xA9, 0x0A, 0x80];

        Assert.True(await _keys.IdempotencyComplete(new IdempotencyCompletion(Scope, "k", lease, 422, "application/problem+json", body), Ct));

        var replay = Assert.IsType<IdempotencyBegin.Replay>(await Begin("k", Fp, T0.AddDays(1)));
        Assert.Equal(422, replay.Record.StatusCode);
        Assert.Equal("application/problem+json", replay.Record.ContentType);
        Assert.Equal(body, replay.Record.Body);
        Assert.Equal(IdempotencyRecord.Done, replay.Record.State);
        Assert.IsType<IdempotencyBegin.Mismatch>(await Begin("k", "fingerprint-b", T0.AddDays(1)));
    }

    [StoreFact]
    public async Task CompleteWithoutTheLeaseStoresNothing()
    {
        var lease = Acquired(await Begin("k", Fp, T0));

        Assert.False(await _keys.IdempotencyComplete(Completion("k", lease + 1, [1]), Ct));
        Assert.False(await _keys.IdempotencyComplete(Completion("unknown", lease, [1]), Ct));
        Assert.IsType<IdempotencyBegin.InFlight>(await Begin("k", Fp, T0));

        // Once done, a second completion (even with the lease) cannot overwrite the answer.
        Assert.True(await _keys.IdempotencyComplete(Completion("k", lease, [2]), Ct));
        Assert.False(await _keys.IdempotencyComplete(Completion("k", lease, [3]), Ct));
        Assert.Equal([2], Assert.IsType<IdempotencyBegin.Replay>(await Begin("k", Fp, T0)).Record.Body);
    }

    [StoreFact]
    public async Task AbandonFreesTheKeyOnlyForItsHolder()
    {
        var lease = Acquired(await Begin("k", Fp, T0));

        await _keys.IdempotencyAbandon(Scope, "k", lease + 1, Ct);
        Assert.IsType<IdempotencyBegin.InFlight>(await Begin("k", Fp, T0));

        await _keys.IdempotencyAbandon(Scope, "k", lease, Ct);
        Assert.IsType<IdempotencyBegin.Acquired>(await Begin("k", "fingerprint-b", T0));

        // A completed answer is never abandoned.
        var other = Acquired(await Begin("done", Fp, T0));
        Assert.True(await _keys.IdempotencyComplete(Completion("done", other, [7]), Ct));
        await _keys.IdempotencyAbandon(Scope, "done", other, Ct);
        Assert.IsType<IdempotencyBegin.Replay>(await Begin("done", Fp, T0));
    }

    [StoreFact]
    public async Task ConcurrentBeginsOnAFreshKeyHaveExactlyOneHolder()
    {
        var results = await RunTogether(Enumerable.Range(0, 16).Select<int, Func<Task<IdempotencyBegin>>>(_ => () => Begin("k", Fp, T0)));

        Assert.Single(results.OfType<IdempotencyBegin.Acquired>());
        Assert.Equal(15, results.OfType<IdempotencyBegin.InFlight>().Count());
    }

    [StoreFact]
    public async Task AbandonedLeaseIsTakenOverByExactlyOneOfManyAndFencesOutTheOldHolder()
    {
        // Goal: when a key's holder died (its lease ran out), exactly one of many retries takes the key over, and
        // the dead holder, should it wake, can no longer store an answer.
        // How: per round, 16 Begins with one `now` past the lease are released together by a gate; exactly one may
        // be Acquired and the rest InFlight. Several rounds, because a lost race shows only when reads interleave.
        const int Rounds = 8;
        var later = T0.AddMilliseconds(LeaseMs + 1_000);
        for (var round = 0; round < Rounds; round++)
        {
            var key = $"k{round}";
            var oldLease = Acquired(await Begin(key, Fp, T0));

            var results = await RunTogether(Enumerable.Range(0, 16).Select<int, Func<Task<IdempotencyBegin>>>(_ => () => Begin(key, Fp, later)));

            var taken = Assert.Single(results.OfType<IdempotencyBegin.Acquired>());
            Assert.Equal(15, results.OfType<IdempotencyBegin.InFlight>().Count());
            Assert.Equal(later.ToUnixTimeMilliseconds() + LeaseMs, taken.LeaseUntilMs);
            Assert.False(await _keys.IdempotencyComplete(Completion(key, oldLease, [1]), Ct));
            Assert.True(await _keys.IdempotencyComplete(Completion(key, taken.LeaseUntilMs, [2]), Ct));
            Assert.Equal([2], Assert.IsType<IdempotencyBegin.Replay>(await Begin(key, Fp, later)).Record.Body);
        }
    }

    [StoreFact]
    public async Task LeaseRunsOutExactlyAtItsEnd()
    {
        var lease = Acquired(await Begin("k", Fp, T0));

        Assert.IsType<IdempotencyBegin.InFlight>(await Begin("k", Fp, DateTimeOffset.FromUnixTimeMilliseconds(lease - 1)));
        Assert.IsType<IdempotencyBegin.Acquired>(await Begin("k", Fp, DateTimeOffset.FromUnixTimeMilliseconds(lease)));
    }

    [StoreFact]
    public async Task ExpiredKeyIsAcquiredAfresh()
    {
        var lease = Acquired(await Begin("k", Fp, T0));
        Assert.True(await _keys.IdempotencyComplete(Completion("k", lease, [1]), Ct));
        var expiry = T0 + IdempotencyRules.Retention;

        Assert.IsType<IdempotencyBegin.Replay>(await Begin("k", Fp, expiry.AddMilliseconds(-1)));
        Assert.IsType<IdempotencyBegin.Mismatch>(await Begin("k", "fingerprint-b", expiry.AddMilliseconds(-1)));

        var fresh = Assert.IsType<IdempotencyBegin.Acquired>(await Begin("k", "fingerprint-b", expiry));
        Assert.Equal(expiry.ToUnixTimeMilliseconds() + LeaseMs, fresh.LeaseUntilMs);
        var row = await Row("k");
        Assert.Equal((IdempotencyRecord.Running, "fingerprint-b", (expiry + IdempotencyRules.Retention).ToUnixTimeMilliseconds()),
            (row.State, row.Fingerprint, row.ExpiresAtMs));
        Assert.Null(row.Body);
    }

    [StoreFact]
    public async Task DeleteExpiredRemovesOnlyExpiredRecordsAndAtMostTheLimit()
    {
        for (var i = 0; i < 5; i++)
        {
            var lease = Acquired(await Begin($"old-{i}", Fp, T0));
            if (i % 2 == 0) Assert.True(await _keys.IdempotencyComplete(Completion($"old-{i}", lease, [1]), Ct));
        }
        for (var i = 0; i < 3; i++)
            Acquired(await Begin($"new-{i}", Fp, T0.AddDays(1)));
        var expiry = T0 + IdempotencyRules.Retention;

        Assert.Equal(0, await _keys.IdempotencyDeleteExpired(expiry.AddMilliseconds(-1), 100, Ct));
        Assert.Equal(2, await _keys.IdempotencyDeleteExpired(expiry, 2, Ct));
        Assert.Equal(3, (await Keys()).Count(k => k.StartsWith("old-", StringComparison.Ordinal)));
        Assert.Equal(3, await _keys.IdempotencyDeleteExpired(expiry, 100, Ct));
        Assert.Equal(0, await _keys.IdempotencyDeleteExpired(expiry, 100, Ct));

        Assert.Equal(["new-0", "new-1", "new-2"], await Keys());
    }

    [StoreFact]
    public async Task CreateWithALostLeaseThrowsAndWritesNothing()
    {
        // Goal: a request whose key was taken over (its node was presumed dead) cannot commit its create; only the
        // new holder's create commits, together with its answer.
        var oldLease = Acquired(await Begin("k", Fp, T0));
        var newLease = Acquired(await Begin("k", Fp, T0.AddMilliseconds(LeaseMs)));

        await Assert.ThrowsAsync<IdempotencyLeaseLostException>(() =>
            _store.StoreCreate(new Store("s-old", "Old", T0), Completion("k", oldLease, [1]), Ct));
        Assert.Null(await _store.StoreGetById("s-old", Ct));
        Assert.IsType<IdempotencyBegin.InFlight>(await Begin("k", Fp, T0.AddMilliseconds(LeaseMs)));

        await _store.StoreCreate(new Store("s-new", "New", T0), Completion("k", newLease, [2]), Ct);
        Assert.NotNull(await _store.StoreGetById("s-new", Ct));
        Assert.Equal([2], Assert.IsType<IdempotencyBegin.Replay>(await Begin("k", Fp, T0.AddMilliseconds(LeaseMs))).Record.Body);
    }

    [StoreFact]
    public async Task PayoutCreateWithALostLeaseThrowsAndWritesNothing()
    {
        await _store.StoreCreate(new Store("s1", "Shop", T0), null, Ct);
        var oldLease = Acquired(await Begin("k", Fp, T0));
        Acquired(await Begin("k", Fp, T0.AddMilliseconds(LeaseMs)));
        var batch = Enumerable.Range(0, 3).Select(i => Created(NewPayout("s1", $"dest-{i}"))).ToList();

        await Assert.ThrowsAsync<IdempotencyLeaseLostException>(() => _store.PayoutCreateMany(batch, Completion("k", oldLease, [1]), Ct));
        await Assert.ThrowsAsync<IdempotencyLeaseLostException>(() =>
            _store.PayoutCreate(batch[0].Payout, batch[0].Created, Completion("k", oldLease, [1]), Ct));

        Assert.Equal(0, await Count("payouts"));
        Assert.Equal(0, await Count("payout_events"));
        Assert.IsType<IdempotencyBegin.InFlight>(await Begin("k", Fp, T0.AddMilliseconds(LeaseMs)));
    }

    [StoreFact]
    public async Task CreateCommitsItsAnswerInTheSameTransaction()
    {
        // Goal: the answer is stored if and only if the rows it describes are.
        // How: a create that fails (its store id taken; a batch with a taken destination) leaves the key running;
        // one that succeeds leaves it done with exactly the given answer.
        await _store.StoreCreate(new Store("s1", "Shop", T0), null, Ct);
        var lease = Acquired(await Begin("k", Fp, T0));

        await Assert.ThrowsAnyAsync<Exception>(() => _store.StoreCreate(new Store("s1", "Again", T0), Completion("k", lease, [1]), Ct));
        Assert.IsType<IdempotencyBegin.InFlight>(await Begin("k", Fp, T0));

        var taken = Created(NewPayout("s1", "dest-taken"));
        Assert.Equal(PayoutInsertResult.Inserted, await _store.PayoutCreate(taken.Payout, taken.Created, null, Ct));
        List<(Payout, PayoutEvent)> clashing = [Created(NewPayout("s1", "dest-a")), Created(NewPayout("s1", "dest-taken"))];
        var refused = await _store.PayoutCreateMany(clashing, Completion("k", lease, [2]), Ct);
        Assert.Equal((false, 1), (refused.Inserted, refused.DuplicateIndex));
        Assert.IsType<IdempotencyBegin.InFlight>(await Begin("k", Fp, T0));
        Assert.Equal(1, await Count("payouts"));

        List<(Payout, PayoutEvent)> batch = [Created(NewPayout("s1", "dest-a")), Created(NewPayout("s1", "dest-b"))];
        byte[] answer = [3, 1, 4, 1, 5];
        Assert.True((await _store.PayoutCreateMany(batch, Completion("k", lease, answer), Ct)).Inserted);
        var replay = Assert.IsType<IdempotencyBegin.Replay>(await Begin("k", Fp, T0));
        Assert.Equal((200, ContentType), (replay.Record.StatusCode, replay.Record.ContentType));
        Assert.Equal(answer, replay.Record.Body);
        Assert.Equal(3, await Count("payouts"));

        // Done is final: the same lease cannot commit a second create.
        await Assert.ThrowsAsync<IdempotencyLeaseLostException>(() => _store.StoreCreate(new Store("s2", "Two", T0), Completion("k", lease, [9]), Ct));
        Assert.Null(await _store.StoreGetById("s2", Ct));
    }

    // ---------------------------------------------------------------- helpers

    private Task<IdempotencyBegin> Begin(string key, string fingerprint, DateTimeOffset now) =>
        _keys.IdempotencyBegin(Scope, key, fingerprint, now, Ct);

    private static long Acquired(IdempotencyBegin begin) => Assert.IsType<IdempotencyBegin.Acquired>(begin).LeaseUntilMs;

    private static IdempotencyCompletion Completion(string key, long leaseUntilMs, byte[] body) =>
        new(Scope, key, leaseUntilMs, 200, ContentType, body);

    private sealed record KeyRow(string State, string Fingerprint, long LeaseUntilMs, long ExpiresAtMs, byte[]? Body);

    private async Task<KeyRow> Row(string key)
    {
        await using var c = await _db.Open(Ct);
        var row = await c.QuerySingleAsync<(string, string, long, long, byte[]?)>(
            "SELECT state, fingerprint, lease_until_ms, expires_at_ms, body FROM idempotency_keys WHERE scope = @scope AND key = @key",
            new { scope = Scope, key });
        return new KeyRow(row.Item1, row.Item2, row.Item3, row.Item4, row.Item5);
    }

    private async Task<IReadOnlyList<string>> Keys()
    {
        await using var c = await _db.Open(Ct);
        return (await c.QueryAsync<string>("SELECT key FROM idempotency_keys")).Order(StringComparer.Ordinal).ToList();
    }

    private async Task<long> Count(string table)
    {
        await using var c = await _db.Open(Ct);
        return await c.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}");
    }

    /// <summary>Starts every action on its own task behind one gate and returns their results in order.</summary>
    private async Task<T[]> RunTogether<T>(IEnumerable<Func<Task<T>>> actions)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = actions.Select(action => Task.Run(async () =>
        {
            await gate.Task;
            return await action();
        })).ToList();
        gate.SetResult();
        return await Task.WhenAll(tasks).WaitAsync(Ct);
    }

    private static Payout NewPayout(string storeId, string destination) => new()
    {
        Id = Ids.New(),
        StoreId = storeId,
        PullPaymentId = null,
        MethodId = PayoutMethodId.BtcChain,
        Destination = destination,
        OriginalAmount = 0.0015m,
        OriginalCurrency = "BTC",
        PayoutCurrency = "BTC",
        State = PayoutState.AwaitingApproval,
        Revision = 0,
        CreatedAt = T0,
        UpdatedAt = T0,
    };

    private static (Payout Payout, PayoutEvent Created) Created(Payout p) =>
        (p, new PayoutEvent(p.Id, p.StoreId, 0, null, p.State, "api-key:t", false, p.CreatedAt, "created"));
}

/// <summary>The idempotency suite on SQLite: a fresh database file per test, in a temp directory removed afterwards.</summary>
public sealed class SqliteIdempotencyStoreTests : IdempotencyStoreTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "payouts-storage-tests", Guid.NewGuid().ToString("N"));

    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override Task<string> CreateEmptyDatabaseAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.FromResult(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, $"{Guid.NewGuid():N}.db") }.ToString());
    }

    protected override Task DeleteDatabasesAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The idempotency suite on PostgreSQL (PAYOUTS_TEST_POSTGRES): a fresh database per test, dropped afterwards.</summary>
[UsesPostgres]
public sealed class PostgresIdempotencyStoreTests : IdempotencyStoreTests
{
    private readonly List<string> _created = [];

    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;

    protected override async Task<string> CreateEmptyDatabaseAsync()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync(Ct);
        _created.Add(connectionString);
        return connectionString;
    }

    protected override async Task DeleteDatabasesAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        foreach (var connectionString in _created)
            await PostgresServer.DropDatabaseAsync(connectionString, timeout.Token);
    }
}

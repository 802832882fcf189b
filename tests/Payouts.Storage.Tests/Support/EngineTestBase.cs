using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Payouts.Storage.Tests.Support;

/// <summary>
/// A suite written once and run per engine, like <see cref="StoreConformanceTests"/>: a subclass says how to make an
/// empty database (<see cref="SqliteEngine"/>, <see cref="PostgresEngine"/>); each test makes its own, migrated, and
/// everything it made is removed afterwards.
/// </summary>
public abstract class EngineTestBase : IAsyncLifetime
{
    /// <summary>Every test, the concurrent ones included, ends well inside this; a hang fails instead of blocking the run.</summary>
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);

    /// <summary>A fixed instant with milliseconds, for values the code under test takes as parameters.</summary>
    protected static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_741_965_366_123);

    private readonly CancellationTokenSource _timeout = new(TestTimeout);
    private readonly List<Database> _databases = [];

    protected CancellationToken Ct => _timeout.Token;

    protected abstract DatabaseProvider Provider { get; }

    /// <summary>Creates an empty database for this test alone and returns its connection string.</summary>
    protected abstract Task<string> CreateEmptyDatabaseAsync();

    /// <summary>Removes what <see cref="CreateEmptyDatabaseAsync"/> made; runs after the test's <see cref="Database"/>s are disposed.</summary>
    protected abstract Task DeleteDatabasesAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var db in _databases)
            await db.DisposeAsync();
        await DeleteDatabasesAsync();
        _timeout.Dispose();
    }

    /// <summary>A fresh, migrated database of this test's own.</summary>
    protected async Task<(Database Db, string ConnectionString)> NewDatabaseAsync()
    {
        var connectionString = await CreateEmptyDatabaseAsync();
        var db = Connect(connectionString);
        await Migrator.Migrate(db, new FixedTimeProvider(T0), NullLogger.Instance, Ct);
        return (db, connectionString);
    }

    /// <summary>Another node's pool on the same database.</summary>
    protected Database Connect(string connectionString)
    {
        var db = Database.Create(Provider, connectionString);
        _databases.Add(db);
        return db;
    }

    /// <summary>
    /// Starts every action on its own thread-pool task, releases them together, and returns their results in order.
    /// A gate rather than a sleep: all are waiting on it before any runs.
    /// </summary>
    protected async Task<T[]> RunTogether<T>(IEnumerable<Func<Task<T>>> actions)
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
}

/// <summary>SQLite: a fresh database file per test, in a temp directory removed afterwards.</summary>
public sealed class SqliteEngine
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "payouts-storage-tests", Guid.NewGuid().ToString("N"));

    public Task<string> CreateAsync()
    {
        Directory.CreateDirectory(_directory);
        var file = Path.Combine(_directory, $"{Guid.NewGuid():N}.db");
        return Task.FromResult(new SqliteConnectionStringBuilder { DataSource = file }.ToString());
    }

    public Task DeleteAsync()
    {
        // Pooled connections keep the file (and its -wal/-shm) open; close them before deleting.
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>PostgreSQL: a fresh database per test on the server named by PAYOUTS_TEST_POSTGRES, dropped afterwards.</summary>
public sealed class PostgresEngine
{
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromMinutes(1);
    private readonly List<string> _created = [];

    public async Task<string> CreateAsync(CancellationToken ct)
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync(ct);
        _created.Add(connectionString);
        return connectionString;
    }

    public async Task DeleteAsync()
    {
        // Not the test's token: cleanup must run even when the test timed out.
        using var timeout = new CancellationTokenSource(CleanupTimeout);
        foreach (var connectionString in _created)
            await PostgresServer.DropDatabaseAsync(connectionString, timeout.Token);
    }
}

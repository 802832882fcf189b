using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Payouts.Storage.Tests;

/// <summary>The conformance suite on SQLite: a fresh database file per test, in a temp directory removed afterwards.</summary>
public sealed class SqliteStoreTests : StoreConformanceTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "payouts-storage-tests", Guid.NewGuid().ToString("N"));

    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override Task<string> CreateEmptyDatabaseAsync()
    {
        Directory.CreateDirectory(_directory);
        var file = Path.Combine(_directory, $"{Guid.NewGuid():N}.db");
        return Task.FromResult(new SqliteConnectionStringBuilder { DataSource = file }.ToString());
    }

    protected override Task DeleteDatabasesAsync()
    {
        // Pooled connections keep the file (and its -wal/-shm) open; close them before deleting.
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    protected override bool ClaimLockIsHeld(string connectionString, string pullPaymentId)
    {
        // SQLite has one writer: a claim excludes others by holding the write lock. Try to take it ourselves through
        // the raw handle with no busy timeout, because Microsoft.Data.Sqlite would retry until its command timeout.
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = false };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        var handle = connection.Handle!;
        Assert.Equal(raw.SQLITE_OK, raw.sqlite3_busy_timeout(handle, 0));
        var rc = raw.sqlite3_exec(handle, "BEGIN IMMEDIATE;");
        if (rc == raw.SQLITE_BUSY)
            return true;
        Assert.Equal(raw.SQLITE_OK, rc);
        Assert.Equal(raw.SQLITE_OK, raw.sqlite3_exec(handle, "ROLLBACK;"));
        return false;
    }
}

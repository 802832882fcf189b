using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Payouts.Storage;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// One engine's connections, SQL catalogue and error translation. One instance per node (one pool), shared
/// by everything that touches the database.
/// </summary>
public abstract class Database : IAsyncDisposable
{
    public abstract DatabaseProvider Provider { get; }
    public SqlCatalog Sql { get; }

    // Every store maps snake_case columns to PascalCase rows; set once, before any of them queries.
    static Database() => Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;

    protected Database(SqlCatalog sql) => Sql = sql;

    public abstract ValueTask<DbConnection> Open(CancellationToken ct);

    /// <summary>A transaction that holds the write lock from its first statement (SQLite: BEGIN IMMEDIATE).</summary>
    public abstract ValueTask<DbTransaction> BeginWrite(DbConnection connection, CancellationToken ct);

    /// <summary>True when <paramref name="ex"/> is a unique violation of <paramref name="index"/>.</summary>
    public abstract bool IsUniqueViolation(Exception ex, string index);

    public abstract ValueTask DisposeAsync();

    public static Database Create(DatabaseProvider provider, string connectionString) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteDatabase(connectionString),
        DatabaseProvider.Postgres => new PostgresDatabase(connectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
    };

    public static bool TryParseProvider(string? text, out DatabaseProvider provider)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "sqlite": provider = DatabaseProvider.Sqlite; return true;
            case "postgres" or "postgresql" or "npgsql": provider = DatabaseProvider.Postgres; return true;
            default: provider = default; return false;
        }
    }
}

public sealed class PostgresDatabase(string connectionString) : Database(SqlCatalog.Load("Postgres"))
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(Tune(connectionString));

    /// <summary>
    /// Defaults for a service that runs the same few statements all day, unless the operator set them:
    /// prepared statements (the catalogue is small and fixed), no session reset on return to the pool (nothing here
    /// sets session state; locks are transaction-scoped), and an explicit command timeout.
    /// </summary>
    private static string Tune(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var given = connectionString.ToLowerInvariant();
        if (!given.Contains("max auto prepare", StringComparison.Ordinal)) b.MaxAutoPrepare = 64;
        if (!given.Contains("no reset on close", StringComparison.Ordinal)) b.NoResetOnClose = true;
        if (!given.Contains("command timeout", StringComparison.Ordinal)) b.CommandTimeout = 30;
        return b.ConnectionString;
    }

    public override DatabaseProvider Provider => DatabaseProvider.Postgres;

    public NpgsqlDataSource DataSource => _dataSource;

    public override async ValueTask<DbConnection> Open(CancellationToken ct) => await _dataSource.OpenConnectionAsync(ct);

    public override async ValueTask<DbTransaction> BeginWrite(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);

    public override bool IsUniqueViolation(Exception ex, string index) =>
        ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg && pg.ConstraintName == index;

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

public sealed class SqliteDatabase : Database
{
    private readonly string _connectionString;

    public SqliteDatabase(string connectionString) : base(SqlCatalog.Load("Sqlite"))
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            ForeignKeys = true,
            // Writers wait for each other up to this long (SQLITE_BUSY retries) instead of failing at once.
            DefaultTimeout = 30,
        };
        _connectionString = builder.ToString();
        var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (builder.Mode != SqliteOpenMode.Memory && !string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
    }

    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public override async ValueTask<DbConnection> Open(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    public override async ValueTask<DbTransaction> BeginWrite(DbConnection connection, CancellationToken ct)
    {
        // deferred: false is BEGIN IMMEDIATE: take the write lock now, so two transactions never both read
        // and then deadlock upgrading to write.
        await Task.CompletedTask;
        return ((SqliteConnection)connection).BeginTransaction(deferred: false);
    }

    public override bool IsUniqueViolation(Exception ex, string index) =>
        // SQLite names the columns, not the index: "UNIQUE constraint failed: payouts.store_id, payouts.destination".
        ex is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 } sqlite
        && UniqueIndexColumns.TryGetValue(index, out var columns)
        && sqlite.Message.Contains(columns, StringComparison.Ordinal);

    private static readonly Dictionary<string, string> UniqueIndexColumns = new(StringComparer.Ordinal)
    {
        ["payouts_active_destination"] = "payouts.store_id, payouts.destination",
        ["payouts_payment_hash"] = "payouts.store_id, payouts.payment_hash",
        ["api_keys_one_bootstrap"] = "api_keys.bootstrap",
    };

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}

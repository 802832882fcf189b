using Npgsql;

namespace Payouts.Storage.Tests.Support;

/// <summary>
/// The PostgreSQL server the tests may use, named by <c>PAYOUTS_TEST_POSTGRES</c> (a connection string whose user
/// may <c>CREATE DATABASE</c>; scripts/test.sh starts a throwaway server and sets it). Each test creates its own
/// database, so tests never share rows and may run in parallel.
/// </summary>
public static class PostgresServer
{
    public const string EnvironmentVariable = "PAYOUTS_TEST_POSTGRES";
    public const string NotSetMessage = "PAYOUTS_TEST_POSTGRES is not set; run scripts/test.sh";

    /// <summary>Names of the databases tests create; <see cref="DropDatabaseAsync"/> drops only these.</summary>
    public const string DatabasePrefix = "payouts_t_";

    private static readonly TimeSpan AdminCommandTimeout = TimeSpan.FromSeconds(60);

    public static string? ConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value ? value : null;

    /// <summary>CI=true (as GitHub Actions and scripts/test.sh set it).</summary>
    public static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Why PostgreSQL tests are skipped, or null when they run. They are skipped only on a developer machine
    /// without a server. Under CI=true they never skip: they run and fail with <see cref="NotSetMessage"/>,
    /// because a CI run that silently skipped them would report PostgreSQL as tested when it was not.
    /// </summary>
    public static string? SkipReason => ConnectionString is null && !IsCi
        ? $"{NotSetMessage} (PostgreSQL tests skip only outside CI; with CI=true they fail)"
        : null;

    /// <summary>Creates an empty database with a unique name and returns a connection string for it.</summary>
    public static async Task<string> CreateDatabaseAsync(CancellationToken ct = default)
    {
        var admin = RequireConnectionString();
        var name = $"{DatabasePrefix}{Guid.NewGuid():N}";
        // Identifiers cannot be parameters; the name is ours (prefix + hex), so quoting is enough.
        await ExecuteAdminAsync(admin, $"CREATE DATABASE \"{name}\"", ct);
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing any connection still open to it.</summary>
    public static async Task DropDatabaseAsync(string connectionString, CancellationToken ct = default)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        if (name is null || !name.StartsWith(DatabasePrefix, StringComparison.Ordinal) || name.Contains('"', StringComparison.Ordinal))
            throw new ArgumentException($"refusing to drop '{name}': not a database made by {nameof(CreateDatabaseAsync)}", nameof(connectionString));
        // WITH (FORCE) (PostgreSQL 13+) ends connections a pool may still hold.
        await ExecuteAdminAsync(RequireConnectionString(), $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", ct);
    }

    private static string RequireConnectionString() =>
        ConnectionString ?? throw new InvalidOperationException(NotSetMessage);

    private static async Task ExecuteAdminAsync(string admin, string sql, CancellationToken ct)
    {
        // No pooling: these statements are rare, and a pooled admin connection would outlive the test run.
        var builder = new NpgsqlConnectionStringBuilder(admin) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = (int)AdminCommandTimeout.TotalSeconds };
        await command.ExecuteNonQueryAsync(ct);
    }
}

using Npgsql;

namespace Payouts.Server.Tests.Support;

/// <summary>
/// The throwaway PostgreSQL server that scripts/test.sh starts (PAYOUTS_TEST_POSTGRES). Each caller gets a fresh database.
/// Under CI=true a missing server is an error, never a skip.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "PAYOUTS_TEST_POSTGRES";

    public static string? ServerConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } cs ? cs : null;

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why PostgreSQL tests are skipped here, or null when they run (always under CI).</summary>
    public static string? SkipReason => ServerConnectionString is null && !InCi
        ? $"{Variable} is not set; scripts/test.sh provisions PostgreSQL and sets it"
        : null;

    public static async Task<string> CreateDatabaseAsync()
    {
        var server = ServerConnectionString
            ?? throw new InvalidOperationException($"{Variable} is not set: PostgreSQL tests cannot run. Use scripts/test.sh, which provisions PostgreSQL.");
        var name = $"payouts_t_{Guid.NewGuid():N}";
        await using (var c = new NpgsqlConnection(server))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }
}

/// <summary>A fact that needs PostgreSQL: skipped locally without it, run (and failing loudly) under CI.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute() => Skip = TestPostgres.SkipReason;
}

public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute() => Skip = TestPostgres.SkipReason;
}

/// <summary>
/// The engines a test runs on: SQLite always; PostgreSQL when provisioned, and always under CI (where a missing
/// server then fails the test instead of hiding it).
/// </summary>
public static class Engines
{
    public static TheoryData<string> All
    {
        get
        {
            var data = new TheoryData<string> { "sqlite" };
            if (TestPostgres.SkipReason is null) data.Add("postgres");
            return data;
        }
    }
}

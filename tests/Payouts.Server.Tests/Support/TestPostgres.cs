using Payouts.Storage.Tests.Support;

namespace Payouts.Server.Tests.Support;

/// <summary>
/// The throwaway PostgreSQL server that scripts/test.sh starts (PAYOUTS_TEST_POSTGRES). Each caller gets a fresh database.
/// Under CI=true a missing server is an error, never a skip.
/// </summary>
public static class TestPostgres
{
    /// <summary>Why PostgreSQL tests are skipped here, or null when they run (always under CI).</summary>
    public static string? SkipReason => PostgresServer.SkipReason;

    public static Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();
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

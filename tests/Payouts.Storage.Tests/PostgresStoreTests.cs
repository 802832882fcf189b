using Npgsql;
using Payouts.Storage.Tests.Support;

namespace Payouts.Storage.Tests;

/// <summary>
/// The conformance suite on PostgreSQL: a fresh database per test on the server named by PAYOUTS_TEST_POSTGRES,
/// dropped afterwards. [UsesPostgres] lets <see cref="StoreFactDiscoverer"/> skip these tests when no server is
/// configured outside CI; under CI=true they run and fail with "PAYOUTS_TEST_POSTGRES is not set; run scripts/test.sh".
/// </summary>
[UsesPostgres]
public sealed class PostgresStoreTests : StoreConformanceTests
{
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromMinutes(1);
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
        // Not the test's token: cleanup must run even when the test timed out.
        using var timeout = new CancellationTokenSource(CleanupTimeout);
        foreach (var connectionString in _created)
            await PostgresServer.DropDatabaseAsync(connectionString, timeout.Token);
    }

    protected override bool ClaimLockIsHeld(string connectionString, string pullPaymentId)
    {
        // Claims against one pull payment exclude each other by locking its row; NOWAIT fails at once if it is locked.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        using var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var command = new NpgsqlCommand("SELECT 1 FROM pull_payments WHERE id = @id FOR UPDATE NOWAIT", connection, transaction);
        command.Parameters.AddWithValue("id", pullPaymentId);
        try
        {
            Assert.Equal(1, command.ExecuteScalar());
            return false;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return true;
        }
    }
}

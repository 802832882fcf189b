using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Payouts.Storage.Tests.Support;

namespace Payouts.Storage.Tests;

/// <summary>The test harness itself, and what only PostgreSQL enforces.</summary>
public sealed class PostgresServerTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeProvider Clock = new FixedTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_741_965_366_123));

    [PostgresFact]
    public async Task CreateDatabaseAsyncReturnsAFreshEmptyDatabaseEachTime()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var first = await PostgresServer.CreateDatabaseAsync(timeout.Token);
        var second = await PostgresServer.CreateDatabaseAsync(timeout.Token);
        try
        {
            Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(first) { Pooling = false }.ConnectionString);
            await connection.OpenAsync(timeout.Token);
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", connection);
            Assert.Equal(0L, await command.ExecuteScalarAsync(timeout.Token));
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(first, CancellationToken.None);
            await PostgresServer.DropDatabaseAsync(second, CancellationToken.None);
        }
    }

    [PostgresTheory]
    [InlineData("0")]
    [InlineData("-0.1")]
    public async Task PostgresRejectsNonPositiveAmountsInTheSchema(string amount)
    {
        // Core never writes such a payout; this is PostgreSQL's second line of defence. (SQLite stores amounts as
        // text and has no such check, so this is not part of the conformance suite.)
        using var timeout = new CancellationTokenSource(TestTimeout);
        var connectionString = await PostgresServer.CreateDatabaseAsync(timeout.Token);
        try
        {
            await using var db = Database.Create(DatabaseProvider.Postgres, connectionString);
            await Migrator.Migrate(db, Clock, NullLogger.Instance, timeout.Token);
            await using var connection = await db.Open(timeout.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO stores (id, name, created_at_ms) VALUES ('s1', 's1', 0);
                INSERT INTO payouts (id, store_id, payout_method_id, destination, original_amount, original_currency,
                    payout_currency, state, revision, created_at_ms, updated_at_ms)
                VALUES ('p1', 's1', 'BTC-CHAIN', 'd', @amount, 'BTC', 'BTC', 'AwaitingApproval', 0, 0, 0)
                """;
            command.Parameters.Add(new NpgsqlParameter("amount", NpgsqlDbType.Numeric) { Value = decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture) });

            var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(timeout.Token));

            Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(connectionString, CancellationToken.None);
        }
    }
}

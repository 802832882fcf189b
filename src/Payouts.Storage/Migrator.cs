using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Payouts.Storage;

/// <summary>
/// Applies the embedded <c>Migrations/&lt;Dialect&gt;/NNNN_name.sql</c> files in order, each recorded in
/// <c>schema_migrations</c>, all in one transaction under a lock, so several nodes may start at once:
/// one migrates, the others wait and then find nothing to do.
/// </summary>
public static partial class Migrator
{
    public sealed record Migration(int Version, string Name, string Sql);

    public static IReadOnlyList<Migration> Embedded(DatabaseProvider provider)
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = $"{assembly.GetName().Name}.Migrations.{provider}.";
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var file = resource[prefix.Length..];
            var match = FileName().Match(file);
            if (!match.Success)
                throw new InvalidOperationException($"migration {file} is not named NNNN_name.sql");
            migrations.Add(new Migration(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                match.Groups[2].Value, SqlCatalog.ReadResource(assembly, resource)));
        }
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
            if (migrations[i].Version != i + 1)
                throw new InvalidOperationException($"migrations must be numbered 1..n without gaps; found {migrations[i].Version} at position {i + 1}");
        return migrations;
    }

    /// <returns>The versions applied by this call (empty when the schema was already current).</returns>
    public static async Task<IReadOnlyList<int>> Migrate(Database db, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        var migrations = Embedded(db.Provider);
        await using var connection = await db.Open(ct);
        if (db.Provider == DatabaseProvider.Sqlite)
            // WAL lets readers run beside the writer; it is a property of the file, set once.
            await connection.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode=WAL;", cancellationToken: ct));
        await using var tx = await db.BeginWrite(connection, ct);
        await connection.ExecuteAsync(new CommandDefinition(db.Sql["MigrationLock"], transaction: tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(db.Sql["MigrationTableCreate"], transaction: tx, cancellationToken: ct));
        var applied = (await connection.QueryAsync<int>(new CommandDefinition(db.Sql["MigrationListApplied"], transaction: tx, cancellationToken: ct))).ToHashSet();
        var unknown = applied.Where(v => v > migrations.Count).ToList();
        if (unknown.Count > 0)
            throw new InvalidOperationException($"the database has migrations this build does not know ({string.Join(", ", unknown)}): it was migrated by a newer version");

        var done = new List<int>();
        foreach (var m in migrations.Where(m => !applied.Contains(m.Version)))
        {
            await connection.ExecuteAsync(new CommandDefinition(m.Sql, transaction: tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(db.Sql["MigrationRecord"],
                new { m.Version, m.Name, AppliedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds() }, tx, cancellationToken: ct));
            done.Add(m.Version);
        }
        await tx.CommitAsync(ct);
        StorageLog.Migrated(logger, db.Provider.ToString(), done.Count, migrations.Count);
        return done;
    }

    [GeneratedRegex(@"^(\d{4})_([a-z0-9_]+)\.sql$")]
    private static partial Regex FileName();
}

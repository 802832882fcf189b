namespace Payouts.Storage.Tests;

public sealed class SqlCatalogTests
{
    [Fact]
    public void SqlCatalogsOfBothDialectsHaveTheSameStatements()
    {
        var postgres = SqlCatalog.Load("Postgres");
        var sqlite = SqlCatalog.Load("Sqlite");

        SqlCatalog.EnsureSameNames(postgres, sqlite);

        Assert.Equal(postgres.Names.Order(), sqlite.Names.Order());
    }

    [Fact]
    public void EnsureSameNamesThrowsNamingTheMissingStatements()
    {
        // A catalogue with gaps, built without touching src: Load matches resources by name prefix, so the
        // "dialect" Sqlite.payouts loads only Sql/Sqlite/payouts.sql.
        var full = SqlCatalog.Load("Postgres");
        var partial = SqlCatalog.Load("Sqlite.payouts");
        Assert.Contains("PayoutTransition", partial.Names);
        Assert.DoesNotContain("StoreCreate", partial.Names);

        var error = Assert.Throws<InvalidOperationException>(() => SqlCatalog.EnsureSameNames(full, partial));

        Assert.Contains("StoreCreate", error.Message, StringComparison.Ordinal);
        Assert.Contains("ApiKeyCreateIfNone", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PayoutTransition", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => SqlCatalog.EnsureSameNames(partial, full));
    }

    [Fact]
    public void MigrationsOfBothDialectsHaveTheSameVersionsAndNames()
    {
        var postgres = Migrator.Embedded(DatabaseProvider.Postgres);
        var sqlite = Migrator.Embedded(DatabaseProvider.Sqlite);

        Assert.NotEmpty(postgres);
        Assert.Equal(postgres.Select(m => (m.Version, m.Name)), sqlite.Select(m => (m.Version, m.Name)));
    }
}

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;

namespace Payouts.Server.Tests.Support;

/// <summary>The real pipeline (Program) in-process, on its own SQLite file or PostgreSQL database.</summary>
public sealed class InProcessNode : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly string? _sqliteDirectory;

    public string Provider { get; }
    public string ConnectionString { get; }

    private InProcessNode(string provider, string connectionString, string? sqliteDirectory)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _sqliteDirectory = sqliteDirectory;
        _settings = new()
        {
            ["Payouts:Database:Provider"] = provider,
            ["Payouts:Database:ConnectionString"] = connectionString,
            ["Payouts:BootstrapAdminKey"] = AdminKey.Secret,
            ["Payouts:NodeId"] = "in-process",
            ["Logging:LogLevel:Default"] = "Warning",
        };
    }

    public static InProcessNode Sqlite()
    {
        var dir = Directory.CreateTempSubdirectory("payouts-test-").FullName;
        return new InProcessNode("sqlite", $"Data Source={Path.Combine(dir, "payouts.db")}", dir);
    }

    public static InProcessNode Postgres(string connectionString) => new("postgres", connectionString, null);

    public static async Task<InProcessNode> Create(string engine) =>
        engine == "sqlite" ? Sqlite() : Postgres(await TestPostgres.CreateDatabaseAsync());

    public HttpClient Admin()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("Authorization", $"token {AdminKey.Secret}");
        return client;
    }

    public DbProbe Probe() => new(Provider, ConnectionString);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_sqliteDirectory is not null)
        {
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(_sqliteDirectory, recursive: true); } catch (IOException) { }
        }
    }
}

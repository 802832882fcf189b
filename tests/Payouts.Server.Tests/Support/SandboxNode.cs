using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Payouts.Server.Tests.Support;

/// <summary>
/// Settings that make processors, the reconciler and the sandbox chain fast enough for tests: 100 ms polls,
/// 3 s leases, a reconcile pass every second, 0.2 s blocks and 3 s in flight for the 102 trigger.
/// Keys use ':' (in-process configuration); <see cref="AsEnvironment"/> turns them into variables for node processes.
/// </summary>
public static class SandboxSettings
{
    public static IReadOnlyDictionary<string, string> Fast { get; } = new Dictionary<string, string>
    {
        ["Payouts:Processors:PollIntervalMs"] = "100",
        ["Payouts:Processors:LeaseTtlSeconds"] = "3",
        ["Payouts:Processors:ReconcileIntervalSeconds"] = "1",
        ["Payouts:Sandbox:BlockIntervalSeconds"] = "0.2",
        ["Payouts:Sandbox:InFlightMinutes"] = "0.05",
    };

    /// <summary>The in-flight time of <see cref="Fast"/> (0.05 minutes).</summary>
    public static TimeSpan InFlight => TimeSpan.FromSeconds(3);

    public static Dictionary<string, string> AsEnvironment(IEnumerable<KeyValuePair<string, string>> settings) =>
        settings.ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value);
}

/// <summary>
/// The real pipeline in-process like <see cref="InProcessNode"/>, with any extra settings (processor timing, sandbox
/// balance, roles), and the processors' and reconciler's log lines captured for assertions.
/// </summary>
public sealed class SandboxNode : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly string? _sqliteDirectory;
    private readonly ConcurrentQueue<string> _logs = new();

    public string Provider { get; }
    public string ConnectionString { get; }

    /// <summary>Formatted log lines of categories under <c>Payouts.Server.Processing</c> (Information and up).</summary>
    public IReadOnlyList<string> ProcessingLog => _logs.ToList();

    private SandboxNode(string provider, string connectionString, string? sqliteDirectory, IReadOnlyDictionary<string, string>? extra)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _sqliteDirectory = sqliteDirectory;
        _settings = new()
        {
            ["Payouts:Database:Provider"] = provider,
            ["Payouts:Database:ConnectionString"] = connectionString,
            ["Payouts:BootstrapAdminKey"] = AdminKey.Secret,
            ["Payouts:NodeId"] = "sandbox-node",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        };
        foreach (var (k, v) in SandboxSettings.Fast) _settings[k] = v;
        foreach (var (k, v) in extra ?? new Dictionary<string, string>()) _settings[k] = v;
    }

    /// <param name="extra">Settings on top of <see cref="SandboxSettings.Fast"/>, e.g. <c>Payouts:Sandbox:InitialBalance</c>.</param>
    public static SandboxNode Sqlite(IReadOnlyDictionary<string, string>? extra = null)
    {
        var dir = Directory.CreateTempSubdirectory("payouts-sandbox-").FullName;
        return new SandboxNode("sqlite", $"Data Source={Path.Combine(dir, "payouts.db")}", dir, extra);
    }

    public static SandboxNode Postgres(string connectionString, IReadOnlyDictionary<string, string>? extra = null) =>
        new("postgres", connectionString, null, extra);

    public HttpClient Admin()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("Authorization", $"token {AdminKey.Secret}");
        return client;
    }

    public SandboxProbe Probe() => new(Provider, ConnectionString);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(new CapturingProvider(_logs));
            // A provider-specific rule wins over Logging:LogLevel:Default for this provider only.
            logging.AddFilter<CapturingProvider>("Payouts.Server.Processing", LogLevel.Information);
        });
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

    private sealed class CapturingProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Capturing(categoryName, sink);

        public void Dispose() { }
    }

    private sealed class Capturing(string category, ConcurrentQueue<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => category.StartsWith("Payouts.Server.Processing", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) sink.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
        }
    }
}

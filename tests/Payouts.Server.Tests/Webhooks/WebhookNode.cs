using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Payouts.Server.Tests.Support;

namespace Payouts.Server.Tests.Webhooks;

/// <summary>The wall clock moved forward on demand: a retry due in 10 minutes is due as soon as the test says so, with no sleeping.</summary>
public sealed class ShiftedTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}

/// <summary>
/// The real pipeline in-process on its own SQLite file with the fast sandbox settings, a webhook poll of 50 ms, and the
/// given clock in place of the system's.
/// </summary>
public sealed class WebhookNode : WebApplicationFactory<Program>
{
    private readonly string _directory = Directory.CreateTempSubdirectory("payouts-webhooks-").FullName;
    private readonly TimeProvider? _time;

    public WebhookNode(TimeProvider? time = null) => _time = time;

    public string ConnectionString => $"Data Source={Path.Combine(_directory, "payouts.db")}";

    public HttpClient Admin()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("Authorization", $"token {AdminKey.Secret}");
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string>(SandboxSettings.Fast)
        {
            ["Payouts:Database:Provider"] = "sqlite",
            ["Payouts:Database:ConnectionString"] = ConnectionString,
            ["Payouts:BootstrapAdminKey"] = AdminKey.Secret,
            ["Payouts:NodeId"] = "webhook-node",
            ["Payouts:Webhooks:PollIntervalMs"] = "50",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings) builder.UseSetting(k, v);
        if (_time is not null)
            builder.ConfigureTestServices(s => s.AddSingleton(_time));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

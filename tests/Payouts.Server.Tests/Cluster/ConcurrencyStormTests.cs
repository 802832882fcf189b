using Payouts.Server.Tests.Support;

namespace Payouts.Server.Tests.Cluster;

/// <summary>
/// Proves that concurrent commands on one payout are linearized by the database: exactly one outcome wins each
/// revision, with two real node processes on one PostgreSQL, and within one node on SQLite.
/// </summary>
public sealed class ConcurrencyStormTests
{
    private const int Requests = 64;

    [Fact]
    public async Task StormOnOneSqliteNodeHasOneWinnerPerRevision()
    {
        await using var node = InProcessNode.Sqlite();
        using var admin = node.Admin();
        var storeId = await Http.CreateStore(admin);
        for (var round = 0; round < 5; round++)
        {
            var payoutId = (await Http.CreatePayout(admin, storeId, Http.Address(100 + round)))["id"]!.GetValue<string>();
            var clients = Enumerable.Range(0, 4).Select(_ => node.Admin()).ToList();
            await CommandStorm.Run(clients, node.Probe(), storeId, payoutId, Requests, seed: round);
            clients.ForEach(c => c.Dispose());
        }
    }

    [PostgresFact]
    public async Task StormAcrossTwoNodeProcessesOnPostgresHasOneWinnerPerRevision()
    {
        var cs = await TestPostgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string>
        {
            ["Payouts__Database__Provider"] = "postgres",
            ["Payouts__Database__ConnectionString"] = cs,
            ["Payouts__BootstrapAdminKey"] = AdminKey.Secret,
        };
        var work = Directory.CreateTempSubdirectory("payouts-storm-").FullName;
        var nodes = await Task.WhenAll(
            NodeProcess.Start(new Dictionary<string, string>(settings) { ["Payouts__NodeId"] = "node-a" }, work),
            NodeProcess.Start(new Dictionary<string, string>(settings) { ["Payouts__NodeId"] = "node-b" }, work));
        try
        {
            var clients = nodes.Select(n => n.Client()).ToList();
            var storeId = await Http.CreateStore(clients[0]);
            var probe = new DbProbe("postgres", cs);
            for (var round = 0; round < 5; round++)
            {
                var payoutId = (await Http.CreatePayout(clients[round % 2], storeId, Http.Address(200 + round)))["id"]!.GetValue<string>();
                await CommandStorm.Run(clients, probe, storeId, payoutId, Requests, seed: 10 + round);
            }
            clients.ForEach(c => c.Dispose());
        }
        finally
        {
            foreach (var n in nodes) await n.DisposeAsync();
        }
    }
}

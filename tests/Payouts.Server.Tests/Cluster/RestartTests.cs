using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Payouts.Server.Tests.Support;

namespace Payouts.Server.Tests.Cluster;

/// <summary>
/// A node killed mid-run (SIGKILL, no shutdown) and started again on the same database loses nothing it
/// acknowledged, and its migrations are no-ops. Also: first start creates and prints one admin key, and
/// several nodes starting at once on an empty database migrate once and create one key.
/// </summary>
public sealed partial class RestartTests
{
    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task KilledNodeRestartsWithEveryAcknowledgedPayoutAndNoNewMigration(string engine)
    {
        var (settings, probe, work) = await Setup(engine, withAdminKey: true);
        var node = await NodeProcess.Start(settings, work);
        var acknowledged = new ConcurrentDictionary<string, string>();
        string storeId;
        using (var client = node.Client())
        {
            storeId = await Http.CreateStore(client);
            var migrationsBefore = await probe.Migrations();

            // Eight writers create and approve payouts until the node dies under them.
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var next = 0;
            var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                while (true)
                {
                    var n = Interlocked.Increment(ref next);
                    try
                    {
                        var created = await client.PostAsync($"/api/v1/stores/{storeId}/payouts", Http.Json(
                            $$"""{"destination":"{{Http.Address(1000 + n)}}","amount":"0.0001","payoutMethodId":"BTC-CHAIN","approved":{{(n % 2 == 0 ? "true" : "false")}}}"""));
                        if (created.StatusCode != HttpStatusCode.OK) return;
                        var body = await Http.Expect(created, HttpStatusCode.OK);
                        acknowledged[body["id"]!.GetValue<string>()] = body["state"]!.GetValue<string>();
                        if (acknowledged.Count >= 60) enough.TrySetResult();
                    }
                    catch (HttpRequestException) { return; } // the node is gone
                    catch (TaskCanceledException) { return; }
                }
            })).ToList();

            await enough.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await node.Kill();
            await Task.WhenAll(writers);

            await using var restarted = await NodeProcess.Start(settings, work);
            using var after = restarted.Client();
            foreach (var (id, state) in acknowledged)
            {
                var payout = await Http.Get(after, $"/api/v1/stores/{storeId}/payouts/{id}");
                Assert.Equal(state, payout["state"]!.GetValue<string>());
                var events = await Http.Events(after, storeId, id);
                Assert.Single(events);
            }
            Assert.Equal(migrationsBefore, await probe.Migrations());
            Assert.Contains("applied 0 migration(s)", restarted.Output);

            // The restarted node takes commands as before.
            var firstWaiting = acknowledged.First(kv => kv.Value == "AwaitingApproval").Key;
            await Http.Expect(await Http.Approve(after, storeId, firstWaiting, 0), HttpStatusCode.OK);
        }
        await node.DisposeAsync();
    }

    [Fact]
    public async Task GracefulStopExitsCleanly()
    {
        var (settings, _, work) = await Setup("sqlite", withAdminKey: true);
        await using var node = await NodeProcess.Start(settings, work);
        var exitCode = await node.Stop(TimeSpan.FromSeconds(30));
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task FirstStartPrintsAnAdminKeyOnceAndItWorks()
    {
        var (settings, _, work) = await Setup("sqlite", withAdminKey: false);
        string key;
        await using (var first = await NodeProcess.Start(settings, work))
        {
            var keys = AdminKeyLine().Matches(first.Output);
            Assert.Single(keys);
            key = keys[0].Groups[1].Value;
            using var client = first.Client(key);
            await Http.CreateStore(client);
            await first.Stop(TimeSpan.FromSeconds(30));
        }
        await using var second = await NodeProcess.Start(settings, work);
        Assert.Empty(AdminKeyLine().Matches(second.Output));
        using var again = second.Client(key);
        await Http.CreateStore(again);
        using var wrong = second.Client("0000000000000000000000000000000000000000");
        await Http.Expect(await wrong.PostAsync("/api/v1/stores", Http.Json("""{"name":"x"}""")), HttpStatusCode.Unauthorized);
    }

    [PostgresFact]
    public async Task NodesStartingTogetherOnAnEmptyDatabaseMigrateOnceAndCreateOneKey()
    {
        var (settings, probe, work) = await Setup("postgres", withAdminKey: false);
        var nodes = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            NodeProcess.Start(new Dictionary<string, string>(settings) { ["Payouts__NodeId"] = $"n{i}" }, work)));
        try
        {
            var keys = nodes.SelectMany(n => AdminKeyLine().Matches(n.Output)).ToList();
            Assert.Single(keys);
            var all = Payouts.Storage.Migrator.Embedded(Payouts.Storage.DatabaseProvider.Postgres).Count;
            Assert.Equal(all, (await probe.Migrations()).Count);
            Assert.Equal(1, nodes.Count(n => n.Output.Contains($"applied {all} migration(s)", StringComparison.Ordinal)));
            Assert.Equal(2, nodes.Count(n => n.Output.Contains("applied 0 migration(s)", StringComparison.Ordinal)));
            Assert.Equal(1, (await probe.CountAll()).ApiKeys);
        }
        finally
        {
            foreach (var n in nodes) await n.DisposeAsync();
        }
    }

    private static async Task<(Dictionary<string, string> Settings, DbProbe Probe, string Work)> Setup(string engine, bool withAdminKey)
    {
        var work = Directory.CreateTempSubdirectory("payouts-node-").FullName;
        var cs = engine == "sqlite" ? $"Data Source={Path.Combine(work, "payouts.db")}" : await TestPostgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string>
        {
            ["Payouts__Database__Provider"] = engine,
            ["Payouts__Database__ConnectionString"] = cs,
            ["Payouts__NodeId"] = "restart-node",
        };
        if (withAdminKey) settings["Payouts__BootstrapAdminKey"] = AdminKey.Secret;
        return (settings, new DbProbe(engine, cs), work);
    }

    [GeneratedRegex("Admin API key: ([0-9a-f]{64})")]
    private static partial Regex AdminKeyLine();
}

using Payouts.Core.Sending;
using Payouts.Server.Tests.Support;
using Payouts.Simulators.Bitcoind;
using static Payouts.Server.Tests.Bitcoin.OnChain;

namespace Payouts.Server.Tests.Bitcoin;

/// <summary>
/// DESIGN §4 with real node processes on PostgreSQL and a Bitcoin Core wallet (the simulator, which outlives the
/// nodes as a real bitcoind would): a node killed right after committing the signed batch (not broadcast), or right
/// after broadcasting it (not recorded), leaves a batch that the restarted node, or another node once the lease has
/// expired, finishes from the committed transaction. One transaction is ever built; each payout is paid once.
/// </summary>
public sealed class OnChainCrashTests
{
    private const string Restart = "restart the killed node";
    private const string TakeOver = "a second node takes over";
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    public static TheoryData<string, string> Cases => new()
    {
        { FailpointNames.AfterPrepare, Restart },
        { FailpointNames.AfterExecute, TakeOver },
    };

    private static Dictionary<string, string> Settings(string connectionString, string nodeId, string? failpoint)
    {
        var settings = CrashNodes.Settings("postgres", connectionString, nodeId, failpoint);
        // A cold process's first PSBT run must fit in half the lease; 6 s leaves 3 s and expires soon enough for a takeover.
        settings["Payouts__Processors__LeaseTtlSeconds"] = "6";
        return settings;
    }

    // Proves, for a kill after prepare (restart) and after execute (takeover): the killed node built and committed one
    // signed batch and died (after execute: it is in the mempool; after prepare: nothing was broadcast); the surviving
    // node broadcasts or finds that same transaction without building another; after one block every payout is
    // Completed with that txid as proof, errorCount 0, one attempt each, and the chain shows each destination paid once.
    [PostgresTheory, MemberData(nameof(Cases))]
    public async Task ANodeKilledMidSendLeavesABatchTheSurvivorFinishesWithoutASecondTransaction(string failpoint, string recovery)
    {
        var work = Directory.CreateTempSubdirectory("payouts-btc-crash-").FullName;
        await using var sim = await BitcoindSimulator.Start(new BitcoindSimulatorOptions { Wallets = [Wallet] });
        await sim.Fund(Wallet, 1m);
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var probe = new SandboxProbe("postgres", connectionString);
        try
        {
            string storeId;
            List<Planned> payouts;
            await using (var a = await NodeProcess.Start(Settings(connectionString, "node-a", failpoint), work))
            {
                using var client = a.Client();
                storeId = await Http.CreateStore(client);
                await ConfigureRail(client, storeId, sim);
                payouts = await CreateApproved(client, storeId, 1, 0.0011m, 0.0012m, 0.0013m);
                try
                {
                    await PutProcessor(client, storeId);
                }
                catch (HttpRequestException) when (a.HasExited)
                {
                    // The first run can reach the failpoint before the answer is written; the settings were committed.
                }
                await CrashNodes.WaitForExit(a, $"Failpoint {failpoint} hit", ExitTimeout);
            }

            Assert.Single(sim.CallsOf("walletcreatefundedpsbt"), c => c.Succeeded);
            string? broadcast = null;
            if (failpoint == FailpointNames.AfterPrepare)
            {
                Assert.Empty(sim.CallsOf("sendrawtransaction"));
                Assert.Empty(TransactionsPaying(sim, payouts));
            }
            else
            {
                broadcast = await WaitForMempoolTx(sim, payouts, TimeSpan.Zero);
            }
            foreach (var p in payouts)
                Assert.Equal(("prepared", true), ((await probe.Attempts(p.Id)).Single().AttemptState, (await probe.Attempts(p.Id)).Single().HasArtifact));

            await using var survivor = await NodeProcess.Start(Settings(connectionString, recovery == Restart ? "node-a" : "node-b", null), work);
            using var admin = survivor.Client();
            var txid = await WaitForMempoolTx(sim, payouts, Deadline);
            if (broadcast is not null) Assert.Equal(broadcast, txid);
            sim.Mine(1);
            await WaitForStates(admin, storeId, payouts, "Completed");

            AssertPaidOnce(sim, payouts, txid);
            Assert.Equal(new HashSet<string> { txid }, TransactionsPaying(sim, payouts));
            Assert.Single(sim.CallsOf("walletcreatefundedpsbt"), c => c.Succeeded);
            foreach (var p in payouts)
            {
                var payout = await SandboxHttp.Payout(admin, storeId, p.Id);
                Assert.Equal(txid, Proof(payout).TransactionId);
                Assert.Equal(0, SandboxHttp.ErrorCount(payout));
                Assert.Single(await probe.Attempts(p.Id));
            }
            Assert.DoesNotContain("Failpoint", survivor.Output, StringComparison.Ordinal);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}

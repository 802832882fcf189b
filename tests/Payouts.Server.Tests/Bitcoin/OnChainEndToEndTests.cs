using System.Text.Json.Nodes;
using Payouts.Server.Tests.Support;
using Payouts.Simulators.Bitcoind;
using static Payouts.Server.Tests.Bitcoin.OnChain;

namespace Payouts.Server.Tests.Bitcoin;

/// <summary>
/// DESIGN §4 and §6 end to end: a store's rail is a Bitcoin Core wallet (the simulator, over real HTTP JSON-RPC), its
/// on-chain processor batches approved payouts into one signed transaction, and the reconciler follows that
/// transaction through confirmation, reorg, conflict and fee bump. The checker is the chain itself: every destination
/// has exactly one viable payment of its exact amount, and no two viable transactions pay one destination.
/// </summary>
public sealed class OnChainEndToEndTests
{
    private static async Task<(BitcoindSimulator Sim, BitcoinNode Node, HttpClient Admin, string StoreId)> Start(decimal[] coins, int feeBumpAfterMinutes = 60)
    {
        var sim = await BitcoindSimulator.Start(new BitcoindSimulatorOptions { Wallets = [Wallet] });
        foreach (var coin in coins) await sim.Fund(Wallet, coin);
        var node = new BitcoinNode();
        var admin = node.Admin();
        var storeId = await Http.CreateStore(admin);
        await ConfigureRail(admin, storeId, sim, feeBumpAfterMinutes);
        return (sim, node, admin, storeId);
    }

    private static async Task Stop(BitcoindSimulator sim, BitcoinNode node, HttpClient admin)
    {
        admin.Dispose();
        await node.DisposeAsync();
        await sim.DisposeAsync();
    }

    // Proves: five approved payouts leave as ONE transaction paying each its exact amount; one block makes them
    // Completed with that txid as proof; a reorg that takes the block away makes them InProgress again (an event from
    // Completed says why) without any new transaction; re-mined they are Completed again, and once final the attempt is
    // no longer watched. No second transaction ever pays any of them.
    [Fact]
    public async Task FiveApprovedPayoutsLeaveInOneTransactionAndSurviveAReorg()
    {
        var (sim, node, admin, storeId) = await Start([1m]);
        try
        {
            // Approved before the processor exists, so its first run takes them as one batch.
            var payouts = await CreateApproved(admin, storeId, 1, 0.001m, 0.002m, 0.003m, 0.004m, 0.005m);
            await PutProcessor(admin, storeId);

            var txid = await WaitForMempoolTx(sim, payouts);
            await WaitForStates(admin, storeId, payouts, "InProgress");
            Assert.Equal(new HashSet<string> { txid }, TransactionsPaying(sim, payouts));

            sim.Mine(1);
            await WaitForStates(admin, storeId, payouts, "Completed");
            foreach (var p in payouts)
            {
                var (proofTxid, candidates) = Proof(await SandboxHttp.Payout(admin, storeId, p.Id));
                Assert.Equal(txid, proofTxid);
                Assert.Equal([txid], candidates);
            }
            AssertPaidOnce(sim, payouts, txid);

            // The block is gone: the transaction is back in the mempool, the payouts are moving again.
            sim.Reorg(1);
            Assert.True(sim.InMempool(txid));
            await WaitForStates(admin, storeId, payouts, "InProgress");
            foreach (var p in payouts)
            {
                var payout = await SandboxHttp.Payout(admin, storeId, p.Id);
                Assert.Null(payout["paymentProof"]);
                var last = (await Http.Events(admin, storeId, p.Id))[^1]!;
                Assert.Equal(("Completed", "InProgress"), (last["from"]!.GetValue<string>(), last["to"]!.GetValue<string>()));
                Assert.True(last["processorAuto"]!.GetValue<bool>());
                var detail = last["detail"]?.GetValue<string>() ?? "";
                Assert.Contains("unconfirmed", detail, StringComparison.Ordinal);
                Assert.Contains(txid, detail, StringComparison.Ordinal);
            }

            sim.Mine(1);
            await WaitForStates(admin, storeId, payouts, "Completed");
            foreach (var p in payouts)
            {
                var payout = await SandboxHttp.Payout(admin, storeId, p.Id);
                Assert.Equal(txid, Proof(payout).TransactionId);
                Assert.Equal(0, SandboxHttp.ErrorCount(payout));
                var states = (await Http.Events(admin, storeId, p.Id)).Select(e => e!["to"]!.GetValue<string>()).ToList();
                Assert.Equal(["AwaitingPayment", "InProgress", "Completed", "InProgress", "Completed"], states);
            }

            // Final depth: the attempt is no longer watched, and nothing else was ever sent.
            sim.Mine(5);
            var probe = node.Probe();
            await SandboxHttp.WaitUntil(async () => await probe.UnfinishedAttempts(storeId) == 0, Deadline,
                async () => $"{await probe.UnfinishedAttempts(storeId)} attempt(s) still watched at 6 confirmations");
            Assert.Single((await probe.Attempts(payouts[0].Id)).Select(a => a.AttemptId).Distinct());
            Assert.Equal(new HashSet<string> { txid }, TransactionsPaying(sim, payouts));
            Assert.All(sim.CallsOf("walletcreatefundedpsbt"), c => Assert.True(c.Succeeded));
            AssertPaidOnce(sim, payouts, txid);
            await WaitForStates(admin, storeId, payouts, "Completed");
        }
        finally
        {
            await Stop(sim, node, admin);
        }
    }

    // Proves: when the wallet can pay only the smallest payouts, those leave and the others wait in AwaitingPayment
    // without being counted as failures (errorCount 0), run after run; once the wallet is funded the next run pays them,
    // each once, in a second transaction.
    [Fact]
    public async Task PayoutsTheWalletCannotFundWaitWithoutErrorsAndLeaveOnceItIsFunded()
    {
        var (sim, node, admin, storeId) = await Start([0.005m]);
        try
        {
            var small = await CreateApproved(admin, storeId, 1, 0.001m, 0.002m);
            var large = await CreateApproved(admin, storeId, 3, 0.004m, 0.01m);
            await PutProcessor(admin, storeId);

            var first = await WaitForMempoolTx(sim, small);
            await WaitForStates(admin, storeId, small, "InProgress");
            // Later runs find the wallet still short ("insufficient funds"): wait for one to have tried and given up.
            await SandboxHttp.WaitUntil(() => Task.FromResult(sim.CallsOf("walletcreatefundedpsbt").Any(c => !c.Succeeded)), Deadline,
                () => Task.FromResult($"walletcreatefundedpsbt calls: {string.Join(", ", sim.CallsOf("walletcreatefundedpsbt"))}"));
            foreach (var p in large)
            {
                // A later run holds the payout (InProgress) for the moment it tries to fund it, then gives it back: read it waiting.
                System.Text.Json.Nodes.JsonNode payout = null!;
                await SandboxHttp.WaitUntil(async () => SandboxHttp.State(payout = await SandboxHttp.Payout(admin, storeId, p.Id)) == "AwaitingPayment",
                    Deadline, () => Task.FromResult($"{p.Id} is {SandboxHttp.State(payout)}"));
                Assert.Equal(0, SandboxHttp.ErrorCount(payout));
                Assert.Empty(sim.PaymentsTo(p.Address));
            }
            Assert.Equal(new HashSet<string> { first }, TransactionsPaying(sim, small.Concat(large)));

            await sim.Fund(Wallet, 1m);
            var second = await WaitForMempoolTx(sim, large);
            Assert.NotEqual(first, second);
            sim.Mine(1);
            await WaitForStates(admin, storeId, small.Concat(large), "Completed");

            AssertPaidOnce(sim, small, first);
            AssertPaidOnce(sim, large, second);
            foreach (var p in small) Assert.Equal(first, Proof(await SandboxHttp.Payout(admin, storeId, p.Id)).TransactionId);
            foreach (var p in large)
            {
                var payout = await SandboxHttp.Payout(admin, storeId, p.Id);
                Assert.Equal(second, Proof(payout).TransactionId);
                Assert.Equal(0, SandboxHttp.ErrorCount(payout));
            }
            Assert.Equal(new HashSet<string> { first, second }, TransactionsPaying(sim, small.Concat(large)));
        }
        finally
        {
            await Stop(sim, node, admin);
        }
    }

    // Proves: a batch whose input is spent by a mined transaction from elsewhere is proven dead; its payouts go back
    // to AwaitingPayment (an event says why) and are re-sent in a new transaction; that one confirms, and the dead one
    // can never: each destination is paid once.
    [Fact]
    public async Task ABatchKilledByAMinedDoubleSpendIsSentAgainAndPaysEachPayoutOnce()
    {
        var (sim, node, admin, storeId) = await Start([0.5m, 0.5m]);
        try
        {
            var payouts = await CreateApproved(admin, storeId, 1, 0.001m, 0.002m, 0.003m);
            await PutProcessor(admin, storeId);
            var victim = await WaitForMempoolTx(sim, payouts);
            await WaitForStates(admin, storeId, payouts, "InProgress");

            sim.DoubleSpend(victim, mine: true);

            var resent = await WaitForMempoolTx(sim, payouts, other: victim);
            Assert.NotEqual(victim, resent);
            foreach (var p in payouts)
            {
                var events = await Http.Events(admin, storeId, p.Id);
                var returned = Assert.Single(events, e => e!["from"]?.GetValue<string>() == "InProgress" && e["to"]!.GetValue<string>() == "AwaitingPayment")!;
                Assert.Contains(victim, returned["detail"]!.GetValue<string>(), StringComparison.Ordinal);
                Assert.Contains("can never confirm", returned["detail"]!.GetValue<string>(), StringComparison.Ordinal);
            }
            sim.Mine(1);
            await WaitForStates(admin, storeId, payouts, "Completed");

            AssertPaidOnce(sim, payouts, resent);
            foreach (var p in payouts)
            {
                Assert.Equal(resent, Proof(await SandboxHttp.Payout(admin, storeId, p.Id)).TransactionId);
                Assert.False(Assert.Single(sim.PaymentsTo(p.Address), x => x.Txid == victim).Viable);
            }
            Assert.Equal(new HashSet<string> { victim, resent }, TransactionsPaying(sim, payouts));
        }
        finally
        {
            await Stop(sim, node, admin);
        }
    }

    // Proves: a batch unconfirmed for feeBumpAfterMinutes (the node's clock moved forward) is replaced by a fee bump
    // that spends its inputs at a higher rate; the bump confirms, the proof names it with both candidates, and the
    // stuck version can never confirm: each destination is paid once.
    [Fact]
    public async Task AStuckBatchIsFeeBumpedAfterItsMinutesAndPaysEachPayoutOnce()
    {
        var (sim, node, admin, storeId) = await Start([1m], feeBumpAfterMinutes: 60);
        try
        {
            var payouts = await CreateApproved(admin, storeId, 1, 0.001m, 0.002m, 0.003m);
            await PutProcessor(admin, storeId);
            var stuck = await WaitForMempoolTx(sim, payouts);
            await WaitForStates(admin, storeId, payouts, "InProgress");
            Assert.Equal(new HashSet<string> { stuck }, TransactionsPaying(sim, payouts));

            node.Clock.Advance(TimeSpan.FromMinutes(61));
            var bump = await WaitForMempoolTx(sim, payouts, other: stuck);
            Assert.False(sim.InMempool(stuck));
            Assert.Single(sim.CallsOf("psbtbumpfee"), c => c.Succeeded);

            sim.Mine(1);
            await WaitForStates(admin, storeId, payouts, "Completed");
            AssertPaidOnce(sim, payouts, bump);
            foreach (var p in payouts)
            {
                var (txid, candidates) = Proof(await SandboxHttp.Payout(admin, storeId, p.Id));
                Assert.Equal(bump, txid);
                Assert.Equal([stuck, bump], candidates);
            }
            Assert.Equal(new HashSet<string> { stuck, bump }, TransactionsPaying(sim, payouts));
        }
        finally
        {
            await Stop(sim, node, admin);
        }
    }
}

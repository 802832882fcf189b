using Payouts.Core.Sending;
using Payouts.Server.Tests.Support;
using static Payouts.Server.Tests.Support.SandboxHttp;

namespace Payouts.Server.Tests.Cluster;

/// <summary>
/// DESIGN §4 and §9: a node killed at any step of the send protocol (claim → prepare → execute → record, and the
/// reconciler's own re-execution) loses no approved payout and pays none twice, whether it is restarted or another
/// node takes over its processors after the lease TTL. The failpoints (<c>Payouts:Failpoints</c>) end the process with
/// <c>Environment.FailFast</c> exactly after a step, as <c>kill -9</c> would; the checker is the sandbox ledger, which
/// the sandbox commits on its own like an external wallet, plus the attempts in the database.
/// </summary>
public sealed class CrashTests
{
    private const string Restart = "restart the killed node";
    private const string TakeOver = "a second node takes over";

    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CompleteTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Every failpoint the sandbox reaches, with both recoveries; the crashed method alternates so each failpoint meets
    /// both rails. The sandbox never bumps a fee, so after-replace is the Bitcoin Core rail's (tests/…/Bitcoin).
    /// </summary>
    public static TheoryData<string, string, string> Cases
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            var failpoints = FailpointNames.All.Where(f => f != FailpointNames.AfterReplace).ToList();
            for (var f = 0; f < failpoints.Count; f++)
            {
                data.Add(failpoints[f], f % 2 == 0 ? Chain : Lightning, Restart);
                data.Add(failpoints[f], f % 2 == 0 ? Lightning : Chain, TakeOver);
            }
            return data;
        }
    }

    // Proves, for each failpoint on PostgreSQL: node A dies right after that step while sending one batch of one
    // rail (the other rail's approved payouts wait untouched); a node without failpoints — A again, or B once A's
    // lease has expired — completes every payout; the ledger holds each payout exactly once under one reference with
    // its amount; and the only extra attempt is the one the protocol allows: a claim that never reached prepare is
    // abandoned (nothing was sent) and followed by exactly one new attempt. Every other step is finished from the
    // committed artifact without a second attempt.
    [PostgresTheory, MemberData(nameof(Cases))]
    public async Task NodeKilledAtFailpointLosesNoPayoutAndPaysNoneTwice(string failpoint, string crashedMethod, string recovery)
    {
        var work = Directory.CreateTempSubdirectory("payouts-crash-").FullName;
        try
        {
            await KillAtFailpointThenRecover("postgres", await TestPostgres.CreateDatabaseAsync(), failpoint, crashedMethod, recovery, work);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    // Proves the same on the embedded engine for the case where money left and the outcome was not recorded: the one
    // SQLite node, restarted on its file, learns from the rail that the broadcast transaction exists and completes
    // the batch from it instead of sending it again.
    [Fact]
    public async Task SqliteNodeKilledAfterExecuteRestartsAndPaysEachPayoutOnce()
    {
        var work = Directory.CreateTempSubdirectory("payouts-crash-").FullName;
        try
        {
            await KillAtFailpointThenRecover("sqlite", $"Data Source={Path.Combine(work, "payouts.db")}", FailpointNames.AfterExecute, Chain, Restart, work);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task KillAtFailpointThenRecover(string engine, string connectionString, string failpoint, string crashedMethod,
        string recovery, string work)
    {
        var probe = new SandboxProbe(engine, connectionString);
        var otherMethod = crashedMethod == Chain ? Lightning : Chain;
        // The reconciler re-executes only an artifact that was committed and never sent: a first node killed right
        // after prepare leaves one, and the node armed with after-reconcile-execute dies re-sending it.
        var firstFailpoint = failpoint == FailpointNames.AfterReconcileExecute ? FailpointNames.AfterPrepare : failpoint;

        string storeId;
        var payouts = new List<(string Id, string Method, string Destination, decimal Amount)>();
        var settingsA = CrashNodes.Settings(engine, connectionString, "node-a", firstFailpoint);
        if (failpoint == FailpointNames.AfterReconcileExecute)
            // Its own reconciler must not send the artifact in the moment FailFast takes: the next node has to find it unsent.
            settingsA["Payouts__Processors__ReconcileIntervalSeconds"] = "3600";
        await using (var a = await NodeProcess.Start(settingsA, work))
        {
            using var client = a.Client();
            storeId = await Http.CreateStore(client);
            // Approved before any processor exists, so no run starts early: the crashed rail's payouts are one batch.
            var n = 0;
            foreach (var (method, amount) in new[] { (Chain, 0.0011m), (Chain, 0.0012m), (Chain, 0.0013m), (Lightning, 0.00021m), (Lightning, 0.00022m) })
            {
                n++;
                var id = await CreateApproved(client, storeId, method, n, amount.ToString(System.Globalization.CultureInfo.InvariantCulture));
                payouts.Add((id, method, Destination(method, n), amount));
            }
            try
            {
                await PutProcessor(client, storeId, crashedMethod);
            }
            catch (HttpRequestException) when (a.HasExited)
            {
                // The first run can reach the failpoint before the answer is written; the settings were committed.
                Assert.NotNull(await probe.ProcessorLease(storeId, crashedMethod));
            }
            var output = await CrashNodes.WaitForExit(a, $"Failpoint {firstFailpoint} hit", ExitTimeout);
            Assert.Single(AllIndexesOf(output, "Failpoint "));
        }

        if (failpoint == FailpointNames.AfterReconcileExecute)
        {
            var (_, output) = await CrashNodes.RunUntilExit(CrashNodes.Settings(engine, connectionString, "node-a", failpoint), work, ExitTimeout);
            Assert.Contains($"Failpoint {failpoint} hit", output, StringComparison.Ordinal);
        }

        // Nothing of the other rail was touched: its payouts still wait, never claimed.
        foreach (var p in payouts.Where(p => p.Method == otherMethod))
            Assert.Empty(await probe.Attempts(p.Id));

        var nodeId = recovery == Restart ? "node-a" : "node-b";
        await using var survivor = await NodeProcess.Start(CrashNodes.Settings(engine, connectionString, nodeId, failpoints: null), work);
        using var admin = survivor.Client();
        await PutProcessor(admin, storeId, otherMethod);
        await WaitForStates(admin, storeId, payouts.Select(p => p.Id), "Completed", CompleteTimeout);

        // The ledger: each payout left the wallet exactly once, under one reference, with its amount and destination.
        var ledger = await Ledger(admin, storeId);
        foreach (var p in payouts)
        {
            var entries = ledger.Where(e => e.PayoutId == p.Id).ToList();
            Assert.True(entries.Count == 1, $"{p.Method} payout {p.Id} left the wallet {entries.Count} time(s): {string.Join(", ", entries.Select(e => e.Reference))}");
            var entry = entries[0];
            Assert.Equal(p.Amount, entry.Amount);
            Assert.Equal(p.Destination, entry.Destination);
            Assert.Equal(p.Method, entry.PayoutMethodId);
        }
        Assert.Equal(payouts.Count, ledger.Count);
        // The on-chain payouts went out as one transaction; each Lightning payout is its own payment.
        Assert.Single(ledger.Where(e => e.PayoutMethodId == Chain).Select(e => e.Reference).Distinct());
        Assert.Equal(2, ledger.Where(e => e.PayoutMethodId == Lightning).Select(e => e.Reference).Distinct().Count());

        // The attempts: one per payout, except that a claim killed before prepare is abandoned and retried once.
        foreach (var p in payouts)
        {
            var attempts = await probe.Attempts(p.Id);
            var last = attempts[^1];
            Assert.Equal(("done", "succeeded", true), (last.AttemptState, last.RowState, last.HasArtifact));
            Assert.Equal(Assert.Single(ledger, e => e.PayoutId == p.Id).Reference, last.Reference);
            if (failpoint == FailpointNames.AfterClaim && p.Method == crashedMethod)
            {
                Assert.Equal(2, attempts.Count);
                var abandoned = attempts[0];
                Assert.Equal(("done", "failed", false, (string?)null), (abandoned.AttemptState, abandoned.RowState, abandoned.HasArtifact, abandoned.Reference));
                Assert.Contains("nothing was sent", abandoned.Detail, StringComparison.Ordinal);
                Assert.Equal("node-a", abandoned.NodeId);
                Assert.True(last.Epoch > abandoned.Epoch, "the new attempt runs under a newer lease");
            }
            else
            {
                Assert.True(attempts.Count == 1, $"{p.Method} payout {p.Id} was in {attempts.Count} attempts: "
                    + string.Join("; ", attempts.Select(a => $"{a.AttemptState}/{a.RowState} {a.Detail}")));
            }

            var payout = await Payout(admin, storeId, p.Id);
            Assert.Equal(0, ErrorCount(payout)); // a crash is not the payout's failure
            var events = await probe.Events(p.Id);
            Assert.Equal(("Completed", true), (events[^1].ToState, events[^1].Actor.StartsWith("processor:", StringComparison.Ordinal)));
        }
        // The crashed rail's payouts went out in one attempt (one batch) after the crash, too.
        Assert.Single((await Task.WhenAll(payouts.Where(p => p.Method == crashedMethod)
            .Select(async p => (await probe.Attempts(p.Id))[^1].AttemptId))).Distinct());
        Assert.Equal(0, await probe.PayoutsInState(storeId, "InProgress"));
        Assert.Equal(0, await probe.UnfinishedAttempts(storeId));
        Assert.DoesNotContain("Failpoint", survivor.Output, StringComparison.Ordinal);
    }

    private static List<int> AllIndexesOf(string text, string value)
    {
        var found = new List<int>();
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
            found.Add(i);
        return found;
    }
}

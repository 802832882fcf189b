using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Payouts.Server.Tests.Support;
using Xunit.Abstractions;

namespace Payouts.Server.Tests.Cluster;

/// <summary>
/// Processor leases across node processes: a dead node's processor moves to another node within the TTL and a tick,
/// and a node whose lease ran out while it was stalled mid-run can neither commit the batch it had claimed nor claim
/// another (the fencing epoch).
/// </summary>
public sealed class LeaseTests(ITestOutputHelper output)
{
    private const int TtlSeconds = 3;
    private const int IntervalSeconds = 1;
    private const int ReconcileSeconds = 1;

    /// <summary>Long enough that the stalled node's own run timeout (TTL / 2) cannot end its run before the test does.</summary>
    private static readonly Dictionary<string, string> LongTtl = new() { ["Payouts__Processors__LeaseTtlSeconds"] = "30" };

    [PostgresFact]
    public async Task KilledNodesProcessorIsTakenOverWithinTtlPlusOneTick()
    {
        // Property: DESIGN §5, a dead node's processors are taken over within TTL + one tick, and what it had claimed is
        // sent by the survivor, once. How: two nodes run a Lightning processor (interval 1 s, TTL 3 s). The test holds
        // the store's sandbox wallet row, so whichever node next runs the processor stops inside Prepare with the lease
        // held and a batch claimed; that node (the processors.lease_owner) is killed with SIGKILL. New payouts are then
        // approved and timed from the kill until Completed by the survivor (events' actor processor:<survivor>).
        // Bounds: the survivor acquires the lease within one tick (the 1 s interval DESIGN's "TTL + one tick" grants; its
        // poll comes every 0.1–0.125 s) of the lease running out, which is at most TTL after the kill. The new payouts
        // are Completed within TTL + interval + 1 s: the margin covers the survivor's run (claim, prepare, five Lightning
        // sends, record: tens of ms on an idle machine, some hundreds when parallel test classes share the two cores) and
        // the test's 20 ms polling. The batch the dead node had claimed also needs a reconciler to prove it unsent (within
        // ReconcileIntervalSeconds = 1 s of the lease's end) before the next tick claims it, so its bound adds 1 s.
        await using var cluster = await TestCluster.Create();
        var ids = new[] { "kill-a", "kill-b" };
        var nodes = await cluster.StartAll(ids);
        var clients = nodes.Select(n => n.Client()).ToArray();
        var storeId = await Http.CreateStore(clients[0]);
        await Processors.Enable(clients[0], storeId, Processors.Ln);
        var warmUp = await CreateApproved(clients[0], storeId, Processors.Ln, 1, 0);
        await WaitCompleted(clients[0], storeId, warmUp, TimeSpan.FromSeconds(30));

        string holder;
        ClusterDb.Lease atKill;
        List<string> stranded;
        var sinceKill = new Stopwatch();
        await using (var wallet = await cluster.Db.LockWallet(storeId, Processors.Ln))
        {
            stranded = await CreateApproved(clients[1], storeId, Processors.Ln, 5, 100);
            holder = await Wait.Until(async () =>
            {
                var lease = await cluster.Db.LeaseOf(storeId, Processors.Ln);
                return lease?.Owner is { } owner && lease.HeldBy(owner) && (await cluster.Db.LockWaiters()).Contains(owner) ? owner : null;
            }, TimeSpan.FromSeconds(10), "a node holding the lease, stopped at the locked wallet", pollMs: 10);
            await nodes[Array.IndexOf(ids, holder)].Kill();
            sinceKill.Start();
            atKill = (await cluster.Db.LeaseOf(storeId, Processors.Ln))!;
            await wallet.Release();
        }
        Assert.True(atKill.HeldBy(holder), $"the node must die holding the lease: {atKill}");
        var survivor = ids.Single(id => id != holder);
        var client = clients[Array.IndexOf(ids, survivor)];
        Assert.Contains((await cluster.Db.Attempts(storeId)).Where(a => a.State == "claimed"), a => a.NodeId == holder && stranded.All(a.PayoutIds.Contains));

        var fresh = await CreateApproved(client, storeId, Processors.Ln, 5, 200);
        var takeover = Task.Run(async () =>
        {
            await Wait.Until(async () => (await cluster.Db.LeaseOf(storeId, Processors.Ln))!.Epoch > atKill.Epoch, TimeSpan.FromSeconds(30), "another acquisition", pollMs: 10);
            return sinceKill.Elapsed;
        });
        var freshDone = WaitCompleted(client, storeId, fresh, TimeSpan.FromSeconds(30), sinceKill, pollMs: 20);
        var strandedDone = WaitCompleted(client, storeId, stranded, TimeSpan.FromSeconds(30), sinceKill, pollMs: 20);
        await Task.WhenAll(takeover, freshDone, strandedDone);
        var remaining = TimeSpan.FromMilliseconds(atKill.UntilMs!.Value - atKill.NowMs);
        output.WriteLine($"{holder} killed with {remaining.TotalSeconds:0.00} s of lease left; {survivor} acquired after {takeover.Result.TotalSeconds:0.00} s; " +
            $"new payouts Completed after {freshDone.Result.TotalSeconds:0.00} s, the dead node's claimed batch after {strandedDone.Result.TotalSeconds:0.00} s");

        foreach (var id in fresh.Concat(stranded))
        {
            var events = await Http.Events(client, storeId, id);
            Assert.Equal(("InProgress", "Completed", $"processor:{survivor}"),
                (events[^1]!["from"]!.GetValue<string>(), events[^1]!["to"]!.GetValue<string>(), events[^1]!["actor"]!.GetValue<string>()));
            Assert.Equal($"processor:{survivor}", events[^2]!["actor"]!.GetValue<string>());
        }
        foreach (var id in stranded)
        {
            var events = (await Http.Events(client, storeId, id)).Select(e => (e!["to"]!.GetValue<string>(), e["actor"]!.GetValue<string>())).ToList();
            Assert.Equal([("AwaitingPayment", events[0].Item2), ("InProgress", $"processor:{holder}"), ("AwaitingPayment", $"processor:{survivor}"),
                ("InProgress", $"processor:{survivor}"), ("Completed", $"processor:{survivor}")], events);
        }
        await AssertPaidExactlyOnce(client, storeId);
        var tick = TimeSpan.FromSeconds(IntervalSeconds);
        Assert.True(takeover.Result <= remaining + tick, $"taken over {takeover.Result.TotalSeconds:0.00} s after the kill, " +
            $"{(takeover.Result - remaining).TotalSeconds:0.00} s after the lease ran out; bound: one tick ({tick.TotalSeconds} s)");
        var margin = TimeSpan.FromSeconds(1);
        Assert.True(freshDone.Result <= TimeSpan.FromSeconds(TtlSeconds) + tick + margin,
            $"new payouts Completed {freshDone.Result.TotalSeconds:0.00} s after the kill; bound TTL + interval + {margin.TotalSeconds} s");
        Assert.True(strandedDone.Result <= TimeSpan.FromSeconds(TtlSeconds + ReconcileSeconds) + tick + margin,
            $"the dead node's batch Completed {strandedDone.Result.TotalSeconds:0.00} s after the kill; bound TTL + reconcile + interval + {margin.TotalSeconds} s");
        foreach (var c in clients) c.Dispose();
    }

    [PostgresFact]
    public async Task PausedNodeWhoseLeaseExpiredCannotClaim()
    {
        // Property: a node frozen (SIGSTOP) while it holds a processor's lease, with a batch claimed and not yet sent,
        // cannot send or claim anything after it wakes: the lease expired by the database clock, another node took the
        // processor over with a higher epoch, proved the frozen node's batch unsent (its artifact was never committed) and
        // sent it itself. How: node A alone runs the on-chain processor; the test holds the sandbox wallet row so A's run
        // stops inside Prepare right after its claim; A is frozen there. Node B starts, more payouts are approved, and the
        // test waits until B's epoch is past A's and A's claimed attempt is abandoned; then the wallet is released and A
        // resumed. Checks: every payout left the wallet exactly once (ledger), A's attempt never got an artifact, A created
        // no attempt after it was frozen, A's epoch is below the processor's current one, and A's stale run ended through
        // a refusal (lease lost) or its own run timeout — never a send. The TTL is 10 s here, not 3 s: A must be frozen
        // before its run gives up on its own (TTL / 2), and on a machine shared with parallel test classes spotting the
        // stopped run and freezing it has taken over 3 s.
        await using var cluster = await TestCluster.Create(new Dictionary<string, string> { ["Payouts__Processors__LeaseTtlSeconds"] = "10" });
        var a = await cluster.Start("pause-a");
        using var ca = a.Client();
        var storeId = await Http.CreateStore(ca);
        await Processors.Enable(ca, storeId, Processors.Chain);
        var warmUp = await CreateApproved(ca, storeId, Processors.Chain, 1, 0);
        await WaitCompleted(ca, storeId, warmUp, TimeSpan.FromSeconds(30));

        ClusterDb.Lease stale;
        ClusterDb.Attempt claimed;
        List<string> first, second;
        NodeProcess b;
        IReadOnlyList<ClusterDb.Attempt> aAttemptsWhenFrozen;
        await using (var wallet = await cluster.Db.LockWallet(storeId, Processors.Chain))
        {
            first = await CreateApproved(ca, storeId, Processors.Chain, 10, 100);
            claimed = await Wait.Until(async () =>
            {
                var lease = await cluster.Db.LeaseOf(storeId, Processors.Chain);
                if (lease is null || !lease.HeldBy("pause-a") || !(await cluster.Db.LockWaiters()).Contains("pause-a")) return null;
                return (await cluster.Db.Attempts(storeId)).FirstOrDefault(x => x.State == "claimed" && x.NodeId == "pause-a" && first.All(x.PayoutIds.Contains));
            }, TimeSpan.FromSeconds(10), "A holding the lease, its batch claimed, stopped at the locked wallet", pollMs: 10);
            await a.Pause();
            stale = (await cluster.Db.LeaseOf(storeId, Processors.Chain))!;
            Assert.True(stale.HeldBy("pause-a") && stale.Epoch == claimed.Epoch, $"A must be frozen holding the lease of its claim: {stale}, {claimed}");
            aAttemptsWhenFrozen = (await cluster.Db.Attempts(storeId)).Where(x => x.NodeId == "pause-a").ToList();

            b = await cluster.Start("pause-b");
            using var cb = b.Client();
            second = await CreateApproved(cb, storeId, Processors.Chain, 10, 200);
            await Wait.Until(async () =>
            {
                var lease = await cluster.Db.LeaseOf(storeId, Processors.Chain);
                var attempt = (await cluster.Db.Attempts(storeId)).Single(x => x.Id == claimed.Id);
                return lease!.Epoch > stale.Epoch && attempt.State == "done";
            }, TimeSpan.FromSeconds(30), "B past A's epoch, A's claimed batch abandoned");
            // Release first, then wake A at once: A's backend may take the wallet lock and answer, so A's run gets as far
            // as it can (to the fence at Prepare) unless its own run timeout, long overdue, cancels it first.
            await wallet.Release();
            await a.Resume();
        }
        using var client = b.Client();
        await WaitCompleted(client, storeId, first.Concat(second).ToList(), TimeSpan.FromSeconds(30));
        var ending = await Wait.Until(() => Task.FromResult(
                a.Output.Contains($"epoch {stale.Epoch}: lease lost", StringComparison.Ordinal) ? "refused: lease lost"
                : a.Output.Contains($"epoch {stale.Epoch} failed", StringComparison.Ordinal) ? "ended by an error (its run timeout or a cancelled query)"
                : null),
            TimeSpan.FromSeconds(15), "A's stale run to end");
        // A keeps polling: a processor cycle later it still has created nothing.
        await WaitCompleted(client, storeId, await CreateApproved(client, storeId, Processors.Chain, 1, 300), TimeSpan.FromSeconds(30));

        var attempts = await cluster.Db.Attempts(storeId);
        var now = (await cluster.Db.LeaseOf(storeId, Processors.Chain))!;
        output.WriteLine($"A frozen at epoch {stale.Epoch}; processor now at epoch {now.Epoch}; A's stale run {ending}; " +
            $"attempts by node: {string.Join(", ", attempts.GroupBy(x => x.NodeId).Select(g => $"{g.Key} {g.Count()}"))}");
        Assert.True(stale.Epoch < now.Epoch, $"A's epoch {stale.Epoch} must be below the current {now.Epoch}");
        var abandoned = attempts.Single(x => x.Id == claimed.Id);
        Assert.Equal(("done", false), (abandoned.State, abandoned.HasArtifact));
        Assert.Equal(aAttemptsWhenFrozen.Select(x => x.Id), attempts.Where(x => x.NodeId == "pause-a" && x.Epoch <= stale.Epoch).Select(x => x.Id));
        Assert.DoesNotContain(attempts, x => x.NodeId == "pause-a" && x.Epoch == stale.Epoch && x.Id != claimed.Id);
        foreach (var id in first)
        {
            var events = (await Http.Events(client, storeId, id)).Select(e => (e!["to"]!.GetValue<string>(), e["actor"]!.GetValue<string>())).ToList();
            Assert.Equal(("InProgress", "processor:pause-a"), events[1]);
            Assert.Equal("AwaitingPayment", events[2].Item1);
            Assert.Equal("Completed", events[^1].Item1);
            Assert.StartsWith("processor:", events[^1].Item2, StringComparison.Ordinal);
        }
        await AssertPaidExactlyOnce(client, storeId);
    }

    [PostgresFact]
    public async Task NodeWhoseLeaseRanOutMidRunCannotCommitItsClaimedBatch()
    {
        // Property: the fence at Prepare. A node whose lease ran out after it claimed a batch cannot commit that batch's
        // artifact, so it never sends it — even though the batch has meanwhile been proven unsent, returned to
        // AwaitingPayment and claimed by the node that took the processor over (sending both would pay twice). How: two
        // nodes with a 30 s TTL (so the stalled node's own run timeout, TTL / 2, stays out of the way). The test holds the
        // wallet row, so the node that claims next stops inside Prepare with the lease; the test then makes that lease run
        // out by the database clock — what the database sees when a node stalls past its TTL while its own timers do not
        // notice, e.g. a pause between acquiring the lease and starting its run timer — and waits until the other node
        // holds a higher epoch and a reconciler has abandoned the stalled claim. Released, the stalled node must be
        // refused (lease lost). Checks: its attempt has no artifact, no other attempt carries its epoch, and the ledger
        // shows every payout once.
        await using var cluster = await TestCluster.Create(LongTtl);
        var ids = new[] { "fence-a", "fence-b" };
        var nodes = await cluster.StartAll(ids);
        using var client = nodes[0].Client();
        var storeId = await Http.CreateStore(client);
        await Processors.Enable(client, storeId, Processors.Chain);
        await WaitCompleted(client, storeId, await CreateApproved(client, storeId, Processors.Chain, 1, 0), TimeSpan.FromSeconds(30));

        ClusterDb.Attempt claimed;
        ClusterDb.Lease stale;
        List<string> batch;
        await using (var wallet = await cluster.Db.LockWallet(storeId, Processors.Chain))
        {
            batch = await CreateApproved(client, storeId, Processors.Chain, 10, 100);
            claimed = await Wait.Until(async () =>
            {
                var waiters = await cluster.Db.LockWaiters();
                return (await cluster.Db.Attempts(storeId)).FirstOrDefault(x => x.State == "claimed" && batch.All(x.PayoutIds.Contains) && waiters.Contains(x.NodeId));
            },
                TimeSpan.FromSeconds(10), "a batch claimed, its node stopped at the locked wallet", pollMs: 10);
            stale = (await cluster.Db.LeaseOf(storeId, Processors.Chain))!;
            Assert.True(stale.HeldBy(claimed.NodeId) && stale.Epoch == claimed.Epoch, $"{stale} / {claimed}");
            Assert.True(await cluster.Db.ExpireLease(storeId, Processors.Chain, stale.Epoch));
            await Wait.Until(async () =>
                (await cluster.Db.LeaseOf(storeId, Processors.Chain))!.Epoch > stale.Epoch
                && (await cluster.Db.Attempts(storeId)).Single(x => x.Id == claimed.Id).State == "done",
                TimeSpan.FromSeconds(10), "a higher epoch, and the stalled claim abandoned");
        }
        var staleNode = nodes[Array.IndexOf(ids, claimed.NodeId)];
        await WaitCompleted(client, storeId, batch, TimeSpan.FromSeconds(30));
        var refused = await Wait.For(() => staleNode.Output.Contains($"epoch {stale.Epoch}: lease lost", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        var attempts = await cluster.Db.Attempts(storeId);
        output.WriteLine($"{claimed.NodeId} stalled at epoch {stale.Epoch}; attempts: " +
            string.Join(", ", attempts.Select(x => $"{x.NodeId}@{x.Epoch} {x.State}{(x.HasArtifact ? "" : " (no artifact)")} ×{x.PayoutIds.Count}")));
        await AssertPaidExactlyOnce(client, storeId);
        Assert.Equal(("done", false), (attempts.Single(x => x.Id == claimed.Id).State, attempts.Single(x => x.Id == claimed.Id).HasArtifact));
        Assert.Equal([claimed.Id], attempts.Where(x => x.Epoch == stale.Epoch).Select(x => x.Id));
        Assert.True(refused, $"{claimed.NodeId} must be refused at epoch {stale.Epoch} (lease lost)");
        Assert.DoesNotContain("epoch " + stale.Epoch + " failed", staleNode.Output, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task NodeWhoseLeaseRanOutMidRunCannotClaimAnotherBatch()
    {
        // Property: the fence at Claim. A run whose lease runs out after it recorded its first batch cannot claim
        // another batch with that lease. How: one node, 30 s TTL, on-chain; a payout with the sandbox's "rejected for good"
        // trigger (…400 sats) gets its whole batch transaction rejected, so the run goes round again for its batch-mates.
        // The test walks the run to the moment between its record (step 4) and its next claim: it holds the sandbox
        // wallet until the first batch is claimed, then holds one payout of that batch, so the run's record transaction
        // stops on it (after that transaction's own lease check); the test then ends the lease in the database — an UPDATE that queues behind the
        // record's hold on the processor row and so lands as the record commits — and takes a snapshot right after. More
        // payouts are waiting by then. PostgreSQL lets a newcomer's FOR SHARE overtake a queued UPDATE, so the run's next
        // claim (and even its prepare) may still come first, under a lease that was valid then; the claim's own events,
        // seen or not in the snapshot, tell the two apart, and the test tries again on a fresh store (up to three times)
        // until the lease's end came first. Checks, every try: no attempt of the ended lease was claimed after its end,
        // the ledger shows each payout once, and when the end came first the run was refused (lease lost).
        // No webhooks role: the oracle reads the claim's events' xmin, and a webhook fan-out marks events (a new row version).
        await using var cluster = await TestCluster.Create(new Dictionary<string, string>(LongTtl) { ["Payouts__Roles"] = "api,processors" });
        var node = await cluster.Start("claim-a");
        using var client = node.Client();
        var tries = new List<string>();
        for (var round = 0; round < 3; round++)
        {
            var (refusedAtClaim, summary) = await StaleClaimTry(cluster, node, client, seed: 1_000 * round);
            tries.Add(summary);
            if (refusedAtClaim) break;
        }
        foreach (var t in tries) output.WriteLine(t);
    }

    /// <returns>Whether the lease's end came before the run's next claim (the fence was tested), and what happened.</returns>
    private static async Task<(bool RefusedAtClaim, string Summary)> StaleClaimTry(TestCluster cluster, NodeProcess node, HttpClient client, int seed)
    {
        var storeId = await Http.CreateStore(client);
        await Processors.Enable(client, storeId, Processors.Chain);
        await WaitCompleted(client, storeId, await CreateApproved(client, storeId, Processors.Chain, 1, seed), TimeSpan.FromSeconds(30));

        ClusterDb.Attempt roundOne;
        ClusterDb.Lease stale;
        List<string> first, later;
        Task<(bool Ended, string SnapshotAfter)> expire;
        await using (var wallet = await cluster.Db.LockWallet(storeId, Processors.Chain))
        {
            first = await CreateApproved(client, storeId, Processors.Chain, 5, seed + 100, culpritSats: 10_400);
            roundOne = await Wait.Until(async () =>
            {
                var waiters = await cluster.Db.LockWaiters();
                return (await cluster.Db.Attempts(storeId)).FirstOrDefault(x => x.State == "claimed" && first.All(x.PayoutIds.Contains) && waiters.Contains(x.NodeId));
            }, TimeSpan.FromSeconds(10), "round one claimed, its node stopped at the locked wallet", pollMs: 10);
            stale = (await cluster.Db.LeaseOf(storeId, Processors.Chain))!;
            Assert.True(stale.HeldBy("claim-a") && stale.Epoch == roundOne.Epoch, $"{stale} / {roundOne}");
            later = await CreateApproved(client, storeId, Processors.Chain, 5, seed + 200);
            await using var payout = await cluster.Db.LockPayout(first[0]);
            await wallet.Release();
            await Wait.Until(async () => (await cluster.Db.LockWaitingStatements()).Any(w => w.Node == "claim-a" && w.Statement.Contains("UPDATE payouts", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(10), "round one's record stopped at the held payout", pollMs: 10);
            expire = Task.Run(() => cluster.Db.ExpireLeaseAndSnapshot(storeId, Processors.Chain, stale.Epoch));
            await Wait.Until(async () => expire.IsCompleted || (await cluster.Db.LockWaiters()).Contains("test-probe"),
                TimeSpan.FromSeconds(10), "the lease's end applied, or queued behind the record", pollMs: 10);
        }
        // Not ended: the run overtook the UPDATE all the way to giving its lease back, so there was no stale lease to use.
        var (ended, snapshotAfter) = await expire;
        var culprit = first[^1];
        await WaitCompleted(client, storeId, first.Where(id => id != culprit).Concat(later).ToList(), TimeSpan.FromSeconds(30));
        var lostLine = $"{storeId}/{Processors.Chain} epoch {stale.Epoch}: lease lost";
        var lost = await Wait.For(() => node.Output.Contains(lostLine, StringComparison.Ordinal), TimeSpan.FromSeconds(5));

        var attempts = await cluster.Db.Attempts(storeId);
        var claimedBeforeEnd = await cluster.Db.AttemptsClaimedBefore(storeId, snapshotAfter);
        var roundTwo = attempts.Where(x => x.Epoch == stale.Epoch && x.Id != roundOne.Id).ToList();
        var endFirst = ended && roundTwo.Count == 0;
        var summary = $"stale epoch {stale.Epoch}: {(endFirst ? "the end came first, the next claim was refused" : ended ? "the next claim came first, under the valid lease" : "the run finished and gave the lease back first")}; " +
            $"lease lost logged: {lost}; attempts: " + string.Join(", ", attempts.Select(x =>
                $"{x.Epoch}{(x.Id == roundOne.Id ? " (round one)" : "")} {(x.HasArtifact ? "prepared" : "no artifact")} ×{x.PayoutIds.Count}{(claimedBeforeEnd.Contains(x.Id) ? "" : " claimed after the end")}"));
        await AssertPaidExactlyOnce(client, storeId);
        Assert.True(claimedBeforeEnd.Contains(roundOne.Id), summary);
        Assert.All(roundTwo, x => Assert.True(claimedBeforeEnd.Contains(x.Id), $"attempt {x.Id} was claimed with epoch {x.Epoch} after that lease ended; {summary}"));
        if (endFirst) Assert.True(lost, $"the run must be refused (lease lost); {summary}");
        return (endFirst, summary);
    }

    /// <summary>Bulk-creates <paramref name="count"/> approved payouts with distinct destinations; the last one gets
    /// <paramref name="culpritSats"/> when given (a sandbox fault trigger). Ordinary amounts end in 1 sat: no trigger.</summary>
    private static async Task<List<string>> CreateApproved(HttpClient client, string storeId, string method, int count, int seed, long? culpritSats = null)
    {
        var body = Enumerable.Range(seed, count).Select(n => new
        {
            destination = method == Processors.Chain ? Http.Address(n) : $"lease{n}@example.com",
            amount = Money.Btc(culpritSats is { } sats && n == seed + count - 1 ? sats : 10_000 + n * 10 + 1),
            payoutMethodId = method,
            approved = true,
        });
        using var response = await client.PostAsync($"/api/v1/stores/{storeId}/payouts/bulk", Http.Json(JsonSerializer.Serialize(body)));
        return (await Http.Expect(response, HttpStatusCode.OK)).AsArray().Select(p => p!["id"]!.GetValue<string>()).ToList();
    }

    /// <returns><paramref name="clock"/>'s reading when every payout was first seen Completed.</returns>
    private static async Task<TimeSpan> WaitCompleted(HttpClient client, string storeId, IReadOnlyList<string> ids, TimeSpan timeout,
        Stopwatch? clock = null, int pollMs = 50)
    {
        var pending = new HashSet<string>(ids);
        await Wait.Until(async () =>
        {
            foreach (var id in pending.ToList())
                if ((await Http.Get(client, $"/api/v1/stores/{storeId}/payouts/{id}"))["state"]!.GetValue<string>() == "Completed")
                    pending.Remove(id);
            return pending.Count == 0;
        }, timeout, $"{ids.Count} payouts Completed", pollMs);
        return clock?.Elapsed ?? TimeSpan.Zero;
    }

    private static async Task AssertPaidExactlyOnce(HttpClient client, string storeId)
    {
        var payouts = (await Http.Get(client, $"/api/v1/stores/{storeId}/payouts?includeCancelled=true&limit=1000")).AsArray()
            .Select(p => PayoutView.From(p!)).ToDictionary(p => p.Id);
        Ledger.AssertExactlyOnce(await Ledger.ReadAll(client, storeId, pageSize: 7), payouts, storeId);
    }
}

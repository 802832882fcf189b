using Payouts.Core.Processors;
using Payouts.Core.Sending;
using Payouts.Server.Tests.Support;
using static Payouts.Server.Tests.Support.SandboxHttp;

namespace Payouts.Server.Tests.Cluster;

/// <summary>
/// The sandbox rail's documented fault triggers (the payout amount's last three satoshi digits: 402 insufficient funds,
/// 400 rejected for good, 408 times out after the money left, 102 stays in flight) and a wallet that really runs out,
/// driven through a real node's processors and reconciler (in-process, SQLite). Each processor is saved with a one-day
/// interval and run exactly once per <see cref="SandboxHttp.RunProcessorOnce"/> (saving makes it due; the run is over
/// when its lease epoch is released), so "after one run" is an observable fact rather than a guess about timing.
/// </summary>
public sealed class FaultTriggerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Methods => new() { Chain, Lightning };

    // Proves 402 on either rail: the culprit is refused at prepare — never sent, back to AwaitingPayment with
    // errorCount 1 after one run — while its batch-mates of the same attempt go out and complete with errorCount 0.
    [Theory, MemberData(nameof(Methods))]
    public async Task InsufficientFundsTriggerReturnsOnlyTheCulpritWithOneErrorAndSendsItsBatchMates(string method)
    {
        await using var node = SandboxNode.Sqlite();
        using var admin = node.Admin();
        var probe = node.Probe();
        var storeId = await Http.CreateStore(admin);
        var culprit = await CreateApproved(admin, storeId, method, 1, "0.00012402");
        var mates = new[] { await CreateApproved(admin, storeId, method, 2, "0.0002"), await CreateApproved(admin, storeId, method, 3, "0.0003") };

        await RunProcessorOnce(admin, probe, storeId, method);

        var payout = await Payout(admin, storeId, culprit);
        Assert.Equal(("AwaitingPayment", 1), (State(payout), ErrorCount(payout)));
        var last = (await Http.Events(admin, storeId, culprit))[^1]!;
        Assert.Equal("AwaitingPayment", last["to"]!.GetValue<string>());
        Assert.Contains("trigger 402", last["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("(failure 1)", last["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        // Refused at prepare: it has no reference, and it was in the very attempt that sent its batch-mates.
        var refused = Assert.Single(await probe.Attempts(culprit));
        Assert.Equal(("failed", (string?)null), (refused.RowState, refused.Reference));
        foreach (var mate in mates)
            Assert.Equal(refused.AttemptId, Assert.Single(await probe.Attempts(mate)).AttemptId);

        await WaitForStates(admin, storeId, mates, "Completed", Deadline);
        foreach (var mate in mates)
            Assert.Equal(0, ErrorCount(await Payout(admin, storeId, mate)));
        var ledger = await Ledger(admin, storeId);
        Assert.Equal(mates.Order(), ledger.Select(e => e.PayoutId).Order());
    }

    // Proves the error limit on either rail: a payout that fails in every run is tried in exactly ten runs (errorCount
    // 1..10, one failure per run), its tenth failure event says processors stop sending it, and an eleventh run of the
    // processor leaves it AwaitingPayment without claiming it again.
    [Theory, MemberData(nameof(Methods))]
    public async Task ProcessorsStopClaimingAPayoutAfterTenFailures(string method)
    {
        await using var node = SandboxNode.Sqlite();
        using var admin = node.Admin();
        var probe = node.Probe();
        var storeId = await Http.CreateStore(admin);
        var culprit = await CreateApproved(admin, storeId, method, 1, "0.00012402");

        for (var run = 1; run <= BatchPlanner.ErrorCountMax; run++)
        {
            await RunProcessorOnce(admin, probe, storeId, method);
            var payout = await Payout(admin, storeId, culprit);
            Assert.Equal(("AwaitingPayment", run), (State(payout), ErrorCount(payout)));
            Assert.Equal(run, (await probe.Attempts(culprit)).Count);
        }
        var events = await Http.Events(admin, storeId, culprit);
        var detail = events[^1]!["detail"]!.GetValue<string>();
        Assert.Contains($"(failure {BatchPlanner.ErrorCountMax}; automated processors stop sending it)", detail, StringComparison.Ordinal);
        Assert.Single(events, e => e!["detail"]?.GetValue<string>().Contains("stop sending it", StringComparison.Ordinal) == true);

        await RunProcessorOnce(admin, probe, storeId, method);
        var after = await Payout(admin, storeId, culprit);
        Assert.Equal(("AwaitingPayment", BatchPlanner.ErrorCountMax), (State(after), ErrorCount(after)));
        Assert.Equal(events.Count, (await Http.Events(admin, storeId, culprit)).Count);
        Assert.Equal(BatchPlanner.ErrorCountMax, (await probe.Attempts(culprit)).Count);
        Assert.Empty(await Ledger(admin, storeId));
    }

    // Proves 400 on-chain: the node rejects the whole batch transaction, but only the culprit counts the failure
    // (errorCount 1); its batch-mates return without an error and are re-sent in a second attempt of the same run
    // (same lease epoch), then complete — paid once, under the second transaction.
    [Fact]
    public async Task RejectedTriggerOnChainFailsOnlyTheCulpritAndResendsItsBatchMatesInTheSameRun()
    {
        await using var node = SandboxNode.Sqlite();
        using var admin = node.Admin();
        var probe = node.Probe();
        var storeId = await Http.CreateStore(admin);
        var culprit = await CreateApproved(admin, storeId, Chain, 1, "0.00012400");
        var mates = new[] { await CreateApproved(admin, storeId, Chain, 2, "0.0002"), await CreateApproved(admin, storeId, Chain, 3, "0.0003") };

        await RunProcessorOnce(admin, probe, storeId, Chain);

        var payout = await Payout(admin, storeId, culprit);
        Assert.Equal(("AwaitingPayment", 1), (State(payout), ErrorCount(payout)));
        var rejected = Assert.Single(await probe.Attempts(culprit));
        Assert.Equal("failed", rejected.RowState);
        Assert.Contains("trigger 400", rejected.Detail, StringComparison.Ordinal);
        foreach (var mate in mates)
        {
            var attempts = await probe.Attempts(mate);
            Assert.Equal(2, attempts.Count);
            Assert.Equal((rejected.AttemptId, "failed"), (attempts[0].AttemptId, attempts[0].RowState));
            Assert.Equal(rejected.Epoch, attempts[1].Epoch); // the same run
            Assert.Equal(0, ErrorCount(await Payout(admin, storeId, mate)));
            var returned = (await probe.Events(mate)).Single(e => e.ToState == "AwaitingPayment" && e.FromState == "InProgress");
            Assert.DoesNotContain("failure", returned.Detail, StringComparison.Ordinal);
        }

        await WaitForStates(admin, storeId, mates, "Completed", Deadline);
        foreach (var mate in mates)
            Assert.Equal(0, ErrorCount(await Payout(admin, storeId, mate)));
        var ledger = await Ledger(admin, storeId);
        Assert.Equal(mates.Order(), ledger.Select(e => e.PayoutId).Order());
        Assert.Equal((await probe.Attempts(mates[0]))[1].Reference, Assert.Single(ledger.Select(e => e.Reference).Distinct()));
        Assert.Equal(("AwaitingPayment", 1), (State(await Payout(admin, storeId, culprit)), ErrorCount(await Payout(admin, storeId, culprit))));
    }

    // Proves 400 on Lightning: each payout is its own payment, so only the culprit's fails (errorCount 1, back to
    // AwaitingPayment) and its batch-mates of the same attempt complete in that run, without a second attempt.
    [Fact]
    public async Task RejectedTriggerOnLightningFailsOnlyThatPayment()
    {
        await using var node = SandboxNode.Sqlite();
        using var admin = node.Admin();
        var probe = node.Probe();
        var storeId = await Http.CreateStore(admin);
        var culprit = await CreateApproved(admin, storeId, Lightning, 1, "0.00012400");
        var mates = new[] { await CreateApproved(admin, storeId, Lightning, 2, "0.0002"), await CreateApproved(admin, storeId, Lightning, 3, "0.0003") };

        await RunProcessorOnce(admin, probe, storeId, Lightning);

        var payout = await Payout(admin, storeId, culprit);
        Assert.Equal(("AwaitingPayment", 1), (State(payout), ErrorCount(payout)));
        var failed = Assert.Single(await probe.Attempts(culprit));
        Assert.Equal("failed", failed.RowState);
        Assert.Contains("trigger 400", failed.Detail, StringComparison.Ordinal);
        foreach (var mate in mates)
        {
            var p = await Payout(admin, storeId, mate);
            Assert.Equal(("Completed", 0), (State(p), ErrorCount(p)));
            var sent = Assert.Single(await probe.Attempts(mate));
            Assert.Equal((failed.AttemptId, "succeeded"), (sent.AttemptId, sent.RowState));
        }
        var ledger = await Ledger(admin, storeId);
        Assert.Equal(mates.Order(), ledger.Select(e => e.PayoutId).Order());
        Assert.Equal(2, ledger.Select(e => e.Reference).Distinct().Count());
    }

    // Proves 408 on either rail: the money leaves but the rail's answer times out, so the run records Unknown (never
    // "failed", never retried as new); the reconciler later learns from the rail that it was sent and completes it.
    // The ledger holds exactly one entry per payout, every payout had one attempt, and nobody counts an error.
    [Theory, MemberData(nameof(Methods))]
    public async Task TimeoutTriggerCompletesThroughTheReconcilerWithOneLedgerEntry(string method)
    {
        await using var node = SandboxNode.Sqlite();
        using var admin = node.Admin();
        var probe = node.Probe();
        var storeId = await Http.CreateStore(admin);
        var culprit = await CreateApproved(admin, storeId, method, 1, "0.00012408");
        var mates = new[] { await CreateApproved(admin, storeId, method, 2, "0.0002"), await CreateApproved(admin, storeId, method, 3, "0.0003") };
        var all = mates.Prepend(culprit).ToList();

        await RunProcessorOnce(admin, probe, storeId, method);
        // The money left: taking the timeout for "not sent" would put the payout back in the queue to be paid again.
        foreach (var entry in await Ledger(admin, storeId))
            Assert.True(State(await Payout(admin, storeId, entry.PayoutId)) != "AwaitingPayment",
                $"payout {entry.PayoutId} left the wallet ({entry.Reference}) yet waits to be sent again");
        await WaitForStates(admin, storeId, all, "Completed", Deadline);

        // On-chain the one transaction timed out, so all three outcomes were unknown; on Lightning only the culprit's.
        var unknown = method == Chain ? 3 : 1;
        Assert.Single(node.ProcessingLog, l => l.Contains($"{storeId}/{method} epoch", StringComparison.Ordinal) && l.Contains($", {unknown} unknown", StringComparison.Ordinal));
        // The reconciler logs its pass just after committing it.
        await WaitUntil(
            () => Task.FromResult(node.ProcessingLog.Any(l => l.Contains("Reconciled", StringComparison.Ordinal) && !l.Contains(" 0 payouts completed", StringComparison.Ordinal))),
            Deadline, () => Task.FromResult(string.Join("\n", node.ProcessingLog)));
        var ledger = await Ledger(admin, storeId);
        Assert.Equal(all.Order(), ledger.Select(e => e.PayoutId).Order());
        foreach (var id in all)
        {
            var attempt = Assert.Single(await probe.Attempts(id));
            Assert.Equal(("succeeded", Assert.Single(ledger, e => e.PayoutId == id).Reference), (attempt.RowState, attempt.Reference));
            Assert.Equal(0, ErrorCount(await Payout(admin, storeId, id)));
        }
    }

    // Proves 102 on either rail: a payment that stays in flight keeps its payout InProgress for as long as the rail
    // says so (Payouts:Sandbox:InFlightMinutes, 3 s here) — every look before it settles sees InProgress although the
    // money has left — and the reconciler completes it only once it has settled. On Lightning its batch-mates are
    // separate payments and complete at once; on-chain they share its transaction and wait with it.
    [Theory, MemberData(nameof(Methods))]
    public async Task InFlightTriggerStaysInProgressUntilItSettles(string method)
    {
        await using var node = SandboxNode.Sqlite();
        using var admin = node.Admin();
        var probe = node.Probe();
        var storeId = await Http.CreateStore(admin);
        var culprit = await CreateApproved(admin, storeId, method, 1, "0.00012102");
        var mates = new[] { await CreateApproved(admin, storeId, method, 2, "0.0002"), await CreateApproved(admin, storeId, method, 3, "0.0003") };

        await RunProcessorOnce(admin, probe, storeId, method);

        var ledger = await Ledger(admin, storeId);
        Assert.Equal(mates.Prepend(culprit).Order(), ledger.Select(e => e.PayoutId).Order()); // the money left
        var reference = Assert.Single(ledger, e => e.PayoutId == culprit).Reference;
        var (sentAtMs, settlesAtMs) = (await probe.SandboxTransaction(reference))!.Value;
        Assert.True(settlesAtMs - sentAtMs >= (long)SandboxSettings.InFlight.TotalMilliseconds, $"settles {settlesAtMs - sentAtMs} ms after sending");
        var held = method == Chain ? mates.Prepend(culprit).ToList() : [culprit];
        if (method == Lightning)
            foreach (var mate in mates)
                Assert.Equal("Completed", State(await Payout(admin, storeId, mate)));

        var looksBeforeSettling = 0;
        await WaitUntil(async () =>
            {
                var states = new List<string>();
                foreach (var id in held) states.Add(State(await Payout(admin, storeId, id)));
                // Read first, then the clock: a read that ended before the settle time was made before it.
                if (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() < settlesAtMs)
                {
                    Assert.All(states, s => Assert.Equal("InProgress", s));
                    looksBeforeSettling++;
                }
                return states.All(s => s == "Completed");
            },
            Deadline, async () => $"settles at {settlesAtMs}; states {string.Join(", ", await Task.WhenAll(held.Select(async id => State(await Payout(admin, storeId, id)))))}");
        Assert.True(looksBeforeSettling > 0, "the payout was seen in flight at least once");
        foreach (var id in held)
        {
            var completed = (await probe.Events(id))[^1];
            Assert.Equal("Completed", completed.ToState);
            Assert.True(completed.AtMs >= settlesAtMs, $"completed at {completed.AtMs}, before it settled at {settlesAtMs}");
            Assert.Single(await probe.Attempts(id));
        }
        Assert.Equal(3, (await Ledger(admin, storeId)).Count);
    }

    // Proves a wallet that really runs out (Payouts:Sandbox:InitialBalance 0.01) on either rail: the payouts that fit
    // go, smallest first whatever their age, and the one that does not fit waits AwaitingPayment with errorCount 0 —
    // lack of funds is not the payout's fault — and never reaches the ledger.
    [Theory, MemberData(nameof(Methods))]
    public async Task RealInsufficientFundsSendsTheSmallestThatFitAndLeavesTheRestWaitingWithoutErrors(string method)
    {
        await using var node = SandboxNode.Sqlite(new Dictionary<string, string> { ["Payouts:Sandbox:InitialBalance"] = "0.01" });
        using var admin = node.Admin();
        var probe = node.Probe();
        var storeId = await Http.CreateStore(admin);
        // Oldest first: the largest. 0.002 + 0.003 + 0.004 (+ fees) fit in 0.01; adding 0.005 would not.
        var largest = await CreateApproved(admin, storeId, method, 1, "0.005");
        var fitting = new List<string>();
        foreach (var (amount, n) in new[] { ("0.004", 2), ("0.003", 3), ("0.002", 4) })
            fitting.Add(await CreateApproved(admin, storeId, method, n, amount));

        await RunProcessorOnce(admin, probe, storeId, method);
        await WaitForStates(admin, storeId, fitting, "Completed", Deadline);

        var waiting = await Payout(admin, storeId, largest);
        Assert.Equal(("AwaitingPayment", 0), (State(waiting), ErrorCount(waiting)));
        var returns = (await probe.Events(largest)).Where(e => e.FromState == "InProgress").ToList();
        Assert.NotEmpty(returns);
        Assert.All(returns, e =>
        {
            Assert.Equal("AwaitingPayment", e.ToState);
            Assert.Contains("cannot fund it", e.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain("failure", e.Detail, StringComparison.Ordinal);
        });
        // Each round of the run tried it again (nothing changed the balance meanwhile); none of them sent it.
        Assert.InRange((await probe.Attempts(largest)).Count, 1, ProcessorRun.RoundsMax);
        Assert.All(await probe.Attempts(largest), a => Assert.Equal(("failed", (string?)null), (a.RowState, a.Reference)));
        var ledger = await Ledger(admin, storeId);
        Assert.Equal(fitting.Order(), ledger.Select(e => e.PayoutId).Order());
        Assert.Equal(0.009m, ledger.Sum(e => e.Amount));
        Assert.Equal(0, ErrorCount(await Payout(admin, storeId, fitting[0])));
    }
}

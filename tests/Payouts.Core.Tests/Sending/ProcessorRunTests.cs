using Payouts.Contracts;
using Payouts.Core.Payouts;
using Payouts.Core.Processors;
using Payouts.Core.Sending;
using Payouts.Core.Tests.Support;

namespace Payouts.Core.Tests.Sending;

/// <summary>
/// One processor run (DESIGN §4 steps 1–4) against in-memory fakes that keep the real store's rules. The rule above
/// the others: nothing is sent unless its artifact was committed first, and an answer the run cannot interpret is
/// Unknown, never "failed" (which would let a second attempt pay again).
/// </summary>
public sealed class ProcessorRunTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task RunClaimsPreparesExecutesAndRecords()
    {
        var world = new SendingWorld();
        world.AddWaiting(0.001m, 0.002m);
        var lease = world.Store.Lease(SendingWorld.Settings());

        var summary = await world.Run().Run(lease, Ct);

        Assert.Equal(new ProcessorRun.Summary(Attempts: 1, Claimed: 2, Sent: 2, Succeeded: 0, Failed: 0, Unknown: 0, LeaseLost: false, null),
            summary);
        var attempt = Assert.Single(world.Store.Attempts.Values);
        Assert.Equal(AttemptState.Prepared, attempt.State);
        Assert.Equal(FakeRail.ArtifactOf(attempt.Id), attempt.Artifact);
        Assert.Equal(lease.Epoch, attempt.Epoch);
        Assert.Equal(SendingWorld.NodeId, attempt.NodeId);
        Assert.All(attempt.Payouts, row =>
        {
            Assert.Equal(AttemptPayoutState.Sent, row.State);
            Assert.Equal(FakeRail.ReferenceOf(attempt.Id, row.PayoutId), row.Reference);
        });
        // Sent is not arrived: the payouts stay InProgress until the reconciler sees a confirmation.
        Assert.Equal(PayoutState.InProgress, world.Payout("p1").State);
        Assert.Equal(PayoutState.InProgress, world.Payout("p2").State);
        // Exactly one broadcast per payout, of the committed artifact.
        Assert.Equal(1, world.Rail.Broadcasts[FakeRail.ReferenceOf(attempt.Id, "p1")]);
        Assert.Equal(1, world.Rail.Broadcasts[FakeRail.ReferenceOf(attempt.Id, "p2")]);
        Assert.Equal(2, world.Rail.Broadcasts.Count);
        var executed = Assert.Single(world.Rail.Executed);
        Assert.Equal(AttemptState.Prepared, executed.State);
    }

    [Fact]
    public async Task ClaimEventsNameTheProcessorAndCountAsAutomated()
    {
        var world = new SendingWorld();
        world.AddWaiting(0.001m);
        var lease = world.Store.Lease(SendingWorld.Settings());

        await world.Run().Run(lease, Ct);

        var claimed = Assert.Single(world.Store.EventsOf("p1"));
        Assert.Equal(PayoutState.AwaitingPayment, claimed.From);
        Assert.Equal(PayoutState.InProgress, claimed.To);
        Assert.Equal("processor:node-a", claimed.Actor);
        Assert.True(claimed.ProcessorAuto);
        Assert.Equal(TestData.Now, claimed.At);
        Assert.Equal(2, world.Payout("p1").Revision);
    }

    [Fact]
    public async Task SucceededAtExecuteCompletesThePayoutsWithTheirProof()
    {
        var world = new SendingWorld();
        world.AddWaiting(0.001m, 0.002m);
        world.Rail.ExecuteAnswer = (_, p) => new SendOutcome.Succeeded($"{{\"id\":\"{p.Reference}\"}}");
        var lease = world.Store.Lease(SendingWorld.Settings());

        var summary = await world.Run().Run(lease, Ct);

        Assert.Equal(2, summary.Succeeded);
        var attempt = Assert.Single(world.Store.Attempts.Values);
        Assert.Equal(AttemptState.Done, attempt.State);
        Assert.Equal(PayoutState.Completed, world.Payout("p1").State);
        Assert.Equal($"{{\"id\":\"{FakeRail.ReferenceOf(attempt.Id, "p1")}\"}}", world.Payout("p1").PaymentProofJson);
        Assert.Equal(PayoutState.Completed, world.Payout("p2").State);
    }

    [Fact]
    public async Task StepsAndFailpointsHappenInTheDocumentedOrder()
    {
        var world = new SendingWorld();
        world.AddWaiting(0.001m);
        var lease = world.Store.Lease(SendingWorld.Settings());

        await world.Run().Run(lease, Ct);

        Assert.Equal(
        [
            "store.claim", "failpoint:after-claim",
            "rail.prepare", "store.prepare", "failpoint:after-prepare",
            "rail.execute", "failpoint:after-execute",
            "store.record", "failpoint:after-record",
        ], world.CallLog);
        Assert.Equal([FailpointNames.AfterClaim, FailpointNames.AfterPrepare, FailpointNames.AfterExecute, FailpointNames.AfterRecord],
            world.Failpoints.Hits);
    }

    [Fact]
    public async Task LeaseLostAtClaimCallsNoRail()
    {
        var world = new SendingWorld();
        world.AddWaiting(0.001m);
        var lease = world.Store.Lease(SendingWorld.Settings());
        world.Store.KillLeases();

        var summary = await world.Run().Run(lease, Ct);

        Assert.True(summary.LeaseLost);
        Assert.Equal(0, summary.Attempts);
        Assert.Equal(["store.claim"], world.CallLog);
        Assert.Empty(world.Rail.Prepared);
        Assert.Empty(world.Rail.Executed);
        Assert.Empty(world.Store.Attempts);
        Assert.Equal(PayoutState.AwaitingPayment, world.Payout("p1").State);
        Assert.Equal(1, world.Payout("p1").Revision);
    }

    [Fact]
    public async Task AttemptAbandonedWhilePreparingIsNeverExecuted()
    {
        // A reconciler decided the node was dead (its lease had lapsed) and gave the payouts back while the rail was
        // still building. The run's prepare then finds the attempt no longer claimed: it must not send anything,
        // because the payouts may already be in another node's attempt.
        var world = new SendingWorld();
        world.AddWaiting(0.001m, 0.002m);
        var lease = world.Store.Lease(SendingWorld.Settings());
        var reconcilerContext = new TransitionContext(Actor.Processor("node-r"), true, TestData.Now);
        world.Rail.WhilePreparing = async attempt => Assert.True(await world.Store.AttemptAbandonClaimed(attempt.Id, reconcilerContext, Ct));

        var summary = await world.Run().Run(lease, Ct);

        Assert.True(summary.LeaseLost);
        Assert.Empty(world.Rail.Executed);
        Assert.Empty(world.Rail.Broadcasts);
        Assert.DoesNotContain("rail.execute", world.CallLog);
        Assert.DoesNotContain("store.record", world.CallLog);
        Assert.DoesNotContain(FailpointNames.AfterPrepare, world.Failpoints.Hits);
        var attempt = Assert.Single(world.Store.Attempts.Values);
        Assert.Equal(AttemptState.Done, attempt.State);
        Assert.Null(attempt.Artifact);
        // Returned without counting a failure: nothing about the payouts was wrong.
        Assert.All(world.Store.Payouts.Values, p =>
        {
            Assert.Equal(PayoutState.AwaitingPayment, p.State);
            Assert.Equal(0, p.ErrorCount);
        });
    }

    [Fact]
    public async Task AttemptFencedOutWhilePreparingIsNeverExecuted()
    {
        // The lease expired (or another node took it over) while the rail was building: the prepare step is fenced.
        var world = new SendingWorld();
        world.AddWaiting(0.001m);
        var lease = world.Store.Lease(SendingWorld.Settings());
        world.Rail.WhilePreparing = _ =>
        {
            world.Store.KillLeases();
            return Task.CompletedTask;
        };

        var summary = await world.Run().Run(lease, Ct);

        Assert.True(summary.LeaseLost);
        Assert.Empty(world.Rail.Executed);
        Assert.Empty(world.Rail.Broadcasts);
        // Nothing was committed: the attempt stays claimed, for a reconciler to give back once the lease is dead.
        var attempt = Assert.Single(world.Store.Attempts.Values);
        Assert.Equal(AttemptState.Claimed, attempt.State);
        Assert.Null(attempt.Artifact);
        Assert.Equal(PayoutState.InProgress, world.Payout("p1").State);
    }

    [Fact]
    public async Task ExecuteThrowingRecordsUnknownNotFailed()
    {
        var world = new SendingWorld();
        world.AddWaiting(0.001m, 0.002m);
        world.Rail.ExecuteWith = _ => throw new TimeoutException("the node did not answer");
        var lease = world.Store.Lease(SendingWorld.Settings());

        var summary = await world.Run().Run(lease, Ct);

        Assert.Equal(1, summary.Attempts);
        Assert.Equal(2, summary.Unknown);
        Assert.Equal(0, summary.Failed);
        var attempt = Assert.Single(world.Store.Attempts.Values);
        Assert.Equal(AttemptState.Prepared, attempt.State);
        Assert.All(attempt.Payouts, row =>
        {
            Assert.Equal(AttemptPayoutState.Unknown, row.State);
            Assert.Contains("TimeoutException", row.Detail, StringComparison.Ordinal);
        });
        // The payouts stay held: money may have left, so no second attempt may be made for them.
        Assert.All(world.Store.Payouts.Values, p =>
        {
            Assert.Equal(PayoutState.InProgress, p.State);
            Assert.Equal(0, p.ErrorCount);
        });
        Assert.Contains(FailpointNames.AfterExecute, world.Failpoints.Hits);
        Assert.Equal(1, world.Store.ClaimCalls); // no retry round for an Unknown
    }

    [Fact]
    public async Task ExecuteThrowingAnInvariantViolationStopsTheRun()
    {
        var world = new SendingWorld();
        world.AddWaiting(0.001m);
        world.Rail.ExecuteWith = _ => throw new InvariantViolationException("broken");
        var lease = world.Store.Lease(SendingWorld.Settings());

        await Assert.ThrowsAsync<InvariantViolationException>(() => world.Run().Run(lease, Ct));

        Assert.DoesNotContain("store.record", world.CallLog);
    }

    [Fact]
    public async Task CulpritIsExcludedAndTheNextRoundReclaimsTheRest()
    {
        // A batch fails because of one payout (say, the node rejects the transaction for one bad output). The run gives
        // the batch back, remembers the culprit, and sends the others in a second attempt of the same run.
        var world = new SendingWorld();
        world.AddWaiting(0.001m, 0.002m, 0.003m);
        world.Rail.ExecuteAnswer = (attempt, p) => attempt.Payouts.Any(x => x.PayoutId == "p2")
            ? new SendOutcome.NotSent("rejected", Culprit: p.PayoutId == "p2")
            : null;
        var lease = world.Store.Lease(SendingWorld.Settings());

        var summary = await world.Run().Run(lease, Ct);

        Assert.Equal(2, summary.Attempts);
        Assert.Equal(5, summary.Claimed);
        Assert.Equal(3, summary.Failed);
        Assert.Equal(2, summary.Sent);
        var attempts = world.Store.Attempts.Values.OrderBy(a => a.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(["p1", "p2", "p3"], attempts[0].Payouts.Select(p => p.PayoutId));
        Assert.All(attempts[0].Payouts, p => Assert.Equal(AttemptPayoutState.Failed, p.State));
        Assert.Equal(AttemptState.Done, attempts[0].State);
        Assert.Equal(["p1", "p3"], attempts[1].Payouts.Select(p => p.PayoutId));
        Assert.All(attempts[1].Payouts, p => Assert.Equal(AttemptPayoutState.Sent, p.State));

        Assert.Equal(PayoutState.AwaitingPayment, world.Payout("p2").State);
        Assert.Equal(1, world.Payout("p2").ErrorCount);
        Assert.Equal(PayoutState.InProgress, world.Payout("p1").State);
        Assert.Equal(0, world.Payout("p1").ErrorCount);
        Assert.Equal(0, world.Payout("p3").ErrorCount);
        // Each payout left the wallet once, in the second attempt; nothing of the first attempt did.
        Assert.Equal(2, world.Rail.Broadcasts.Count);
        Assert.All(world.Rail.Broadcasts, b => Assert.Equal(1, b.Value));
    }

    [Fact]
    public async Task CulpritRejectedAtPrepareIsExcludedFromLaterRounds()
    {
        var world = new SendingWorld();
        world.AddWaiting(0.001m, 0.002m);
        world.Rail.RejectAtPrepare["p1"] = new SendOutcome.NotSent("insufficient funds for this one", Culprit: true);
        var lease = world.Store.Lease(SendingWorld.Settings());

        var summary = await world.Run().Run(lease, Ct);

        // Round 2 finds p1 excluded and p2 already held: nothing to claim.
        Assert.Equal(1, summary.Attempts);
        Assert.Equal(1, summary.Failed);
        Assert.Equal(1, summary.Sent);
        Assert.Equal("the processor's policy selected nothing", summary.IdleReason);
        Assert.Single(world.Rail.Prepared);
        var attempt = Assert.Single(world.Store.Attempts.Values);
        Assert.Equal(AttemptPayoutState.Failed, attempt.Payouts.Single(p => p.PayoutId == "p1").State);
        Assert.Null(attempt.Payouts.Single(p => p.PayoutId == "p1").Reference);
        Assert.Equal(PayoutState.AwaitingPayment, world.Payout("p1").State);
        Assert.Equal(1, world.Payout("p1").ErrorCount);
        // The rejected payout was not part of what was sent.
        var executed = Assert.Single(world.Rail.Executed);
        Assert.Equal(["p2"], executed.Payouts.Where(p => p.IsLive).Select(p => p.PayoutId));
        Assert.False(world.Rail.Broadcasts.ContainsKey(FakeRail.ReferenceOf(attempt.Id, "p1")));
    }

    [Fact]
    public async Task PayoutTheWalletCannotFundWaitsForTheNextRunWithoutAnErrorCount()
    {
        var world = new SendingWorld();
        world.AddWaiting(0.001m, 0.002m);
        world.Rail.RejectAtPrepare["p2"] = new SendOutcome.NotSent("the wallet cannot fund it", Culprit: false);
        var lease = world.Store.Lease(SendingWorld.Settings());

        var summary = await world.Run().Run(lease, Ct);

        // Claiming it again in this run would only be refused again (and grow its event log): it waits for the next run.
        Assert.Equal(1, summary.Attempts);
        Assert.Equal(["p1", "p2"], Assert.Single(world.Rail.Prepared).Payouts.Select(p => p.PayoutId));
        Assert.Equal(PayoutState.AwaitingPayment, world.Payout("p2").State);
        Assert.Equal(0, world.Payout("p2").ErrorCount);
    }

    [Fact]
    public async Task RunStopsAfterRoundsMax()
    {
        // Every round has a culprit (so another round could help its batch-mates), yet a run claims at most RoundsMax times.
        var world = new SendingWorld();
        world.AddWaiting(0.001m, 0.002m, 0.003m, 0.004m, 0.005m);
        world.Rail.ExecuteAnswer = (_, _) => new SendOutcome.NotSent("rejected for good", Culprit: true);
        var lease = world.Store.Lease(SendingWorld.Settings(new ProcessorPolicy { BatchSizeMax = 1 }));

        var summary = await world.Run().Run(lease, Ct);

        Assert.Equal(ProcessorRun.RoundsMax, summary.Attempts);
        Assert.Equal(ProcessorRun.RoundsMax, world.Store.ClaimCalls);
        Assert.Empty(world.Rail.Broadcasts);
    }

    [Fact]
    public async Task FailureWithoutACulpritEndsTheRun()
    {
        var world = new SendingWorld();
        world.AddWaiting(0.001m);
        world.Rail.ExecuteAnswer = (_, _) => new SendOutcome.NotSent("the node refused the batch", Culprit: false);
        var lease = world.Store.Lease(SendingWorld.Settings());

        var summary = await world.Run().Run(lease, Ct);

        Assert.Equal(1, summary.Attempts);
        Assert.Equal(PayoutState.AwaitingPayment, world.Payout("p1").State);
        Assert.Equal(0, world.Payout("p1").ErrorCount);
        Assert.Empty(world.Rail.Broadcasts);
    }

    [Fact]
    public async Task NothingWaitingIsIdleAndCallsNoRail()
    {
        var world = new SendingWorld();
        var lease = world.Store.Lease(SendingWorld.Settings());

        var summary = await world.Run().Run(lease, Ct);

        Assert.Equal(new ProcessorRun.Summary(0, 0, 0, 0, 0, 0, false, "no payout is waiting"), summary);
        Assert.Empty(world.Rail.Prepared);
        Assert.Empty(world.Failpoints.Hits);
    }

    [Fact]
    public async Task RunChoosesWithTheLeasePolicy()
    {
        // The plan handed to the store is the lease's policy: batch size, error count and exclusions apply inside the claim.
        var world = new SendingWorld();
        world.Store.Add(
            SendingWorld.Waiting("old-failing", 0.001m, TestData.CreatedAt, errorCount: BatchPlanner.ErrorCountMax),
            SendingWorld.Waiting("a", 0.001m, TestData.CreatedAt.AddMinutes(1)),
            SendingWorld.Waiting("b", 0.001m, TestData.CreatedAt.AddMinutes(2)),
            SendingWorld.Waiting("c", 0.001m, TestData.CreatedAt.AddMinutes(3)));
        var lease = world.Store.Lease(SendingWorld.Settings(new ProcessorPolicy { BatchSizeMax = 2 }));

        var summary = await world.Run().Run(lease, Ct);

        Assert.Equal(1, summary.Attempts);
        Assert.Equal(["a", "b"], Assert.Single(world.Store.Attempts.Values).Payouts.Select(p => p.PayoutId));
        Assert.Equal(PayoutState.AwaitingPayment, world.Payout("old-failing").State);
        Assert.Equal(PayoutState.AwaitingPayment, world.Payout("c").State);
    }

    [Fact]
    public async Task DailyCapCountsWhatEarlierAttemptsOfTheDayClaimed()
    {
        var world = new SendingWorld();
        world.AddWaiting(0.4m, 0.4m, 0.4m);
        var lease = world.Store.Lease(SendingWorld.Settings(new ProcessorPolicy { DailyAmountMax = 1m, BatchSizeMax = 1 }));

        await world.Run().Run(lease, Ct); // one payout (batch of 1), then nothing to retry
        await world.Run().Run(lease, Ct); // 0.8 today
        var third = await world.Run().Run(lease, Ct); // 1.2 would pass the cap

        Assert.Equal(0, third.Attempts);
        Assert.Equal("the processor's policy selected nothing", third.IdleReason);
        Assert.Equal(2, world.Store.Attempts.Count);
        Assert.Equal(PayoutState.AwaitingPayment, world.Payout("p3").State);
    }

    [Fact]
    public async Task CrashAfterPrepareLeavesACommittedArtifactAndSendsNothing()
    {
        var world = new SendingWorld();
        world.AddWaiting(0.001m);
        world.Failpoints.CrashAt = FailpointNames.AfterPrepare;
        var lease = world.Store.Lease(SendingWorld.Settings());

        await Assert.ThrowsAsync<SimulatedCrashException>(() => world.Run().Run(lease, Ct));

        var attempt = Assert.Single(world.Store.Attempts.Values);
        Assert.Equal(AttemptState.Prepared, attempt.State);
        Assert.Equal(FakeRail.ArtifactOf(attempt.Id), attempt.Artifact);
        Assert.Empty(world.Rail.Broadcasts);
        Assert.Equal(PayoutState.InProgress, world.Payout("p1").State);
    }

    [Fact]
    public async Task RunAsksTheRailOfTheLeaseStoreAndMethod()
    {
        var world = new SendingWorld();
        world.Store.Add(SendingWorld.Waiting("p1", 0.001m, TestData.CreatedAt) with { MethodId = PayoutMethodId.BtcLightning, Destination = "payee@example.com" });
        var lease = world.Store.Lease(SendingWorld.Settings(method: PayoutMethodId.BtcLightning));

        await world.Run().Run(lease, Ct);

        Assert.Equal([(TestData.StoreId, PayoutMethodId.BtcLightning)], world.Rails.Asked);
    }
}

using Payouts.Contracts;
using Payouts.Core.Payouts;
using Payouts.Core.Sending;
using Payouts.Core.Tests.Support;

namespace Payouts.Core.Tests.Sending;

/// <summary>
/// Step 5 of the send protocol: every unfinished attempt is driven forward from what the rail says, and the
/// reconciler never creates an attempt. Attempts are made by a real <see cref="ProcessorRun"/> stopped at a failpoint
/// (a simulated crash), so each test starts from a state a crash can really leave behind.
/// </summary>
public sealed class ReconcilerTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    /// <summary>Runs a processor over <paramref name="amounts"/> until it "crashes" at <paramref name="failpoint"/>.</summary>
    private static async Task<SendAttempt> CrashedRunAsync(SendingWorld world, string failpoint, params decimal[] amounts)
    {
        world.AddWaiting(amounts);
        var lease = world.Store.Lease(SendingWorld.Settings());
        world.Failpoints.CrashAt = failpoint;
        await Assert.ThrowsAsync<SimulatedCrashException>(() => world.Run().Run(lease, Ct));
        world.Failpoints.CrashAt = null;
        // The crashed node's lease runs out (claimed-attempt tests decide that themselves).
        if (failpoint != FailpointNames.AfterClaim) world.Store.KillLeases();
        world.CallLog.Clear();
        return Assert.Single(world.Store.Attempts.Values);
    }

    [Fact]
    public async Task ClaimedAttemptWithALiveLeaseIsLeftAlone()
    {
        // Its node may still be building the artifact; giving the payouts back now could let them be sent twice.
        var world = new SendingWorld();
        var attempt = await CrashedRunAsync(world, FailpointNames.AfterClaim, 0.001m, 0.002m);

        var summary = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(new Reconciler.Summary(Checked: 1, Abandoned: 0, Completed: 0, Returned: 0, Reexecuted: 0), summary);
        Assert.Equal(AttemptState.Claimed, world.Store.Attempts[attempt.Id].State);
        Assert.All(world.Store.Payouts.Values, p => Assert.Equal(PayoutState.InProgress, p.State));
        Assert.DoesNotContain("store.abandon", world.CallLog);
        Assert.Empty(world.Rails.Asked.Skip(1)); // only the crashed run asked for a rail
        Assert.DoesNotContain("rail.status", world.CallLog);
    }

    [Fact]
    public async Task ClaimedAttemptWithADeadLeaseIsAbandonedWithoutAnErrorCount()
    {
        var world = new SendingWorld();
        var attempt = await CrashedRunAsync(world, FailpointNames.AfterClaim, 0.001m, 0.002m);
        world.Store.KillLeases();

        var summary = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(new Reconciler.Summary(Checked: 1, Abandoned: 1, Completed: 0, Returned: 0, Reexecuted: 0), summary);
        var after = world.Store.Attempts[attempt.Id];
        Assert.Equal(AttemptState.Done, after.State);
        Assert.All(after.Payouts, row => Assert.Equal(AttemptPayoutState.Failed, row.State));
        Assert.All(world.Store.Payouts.Values, p =>
        {
            Assert.Equal(PayoutState.AwaitingPayment, p.State);
            Assert.Equal(0, p.ErrorCount);
            var returned = world.Store.EventsOf(p.Id).Last();
            Assert.Equal("processor:node-r", returned.Actor);
            Assert.True(returned.ProcessorAuto);
        });
        // Nothing was built, so nothing may be asked of or sent through the rail.
        Assert.DoesNotContain("rail.status", world.CallLog);
        Assert.DoesNotContain("rail.execute", world.CallLog);
        Assert.Empty(world.Rail.Broadcasts);
    }

    [Fact]
    public async Task LeaseOfAnotherEpochDoesNotKeepAClaimedAttemptAlive()
    {
        // The processor was taken over (a new epoch is live); the attempt's own epoch is dead.
        var world = new SendingWorld();
        var attempt = await CrashedRunAsync(world, FailpointNames.AfterClaim, 0.001m);
        world.Store.KillLeases();
        world.Store.Lease(SendingWorld.Settings(), nodeId: "node-b", epoch: attempt.Epoch + 1);

        var summary = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(1, summary.Abandoned);
        Assert.Equal(PayoutState.AwaitingPayment, world.Payout("p1").State);
    }

    [Fact]
    public async Task PreparedAttemptNeverSeenIsExecutedAgainWithTheSameArtifact()
    {
        // Killed after committing the artifact, before sending it: sending that same artifact is the only safe move.
        var world = new SendingWorld();
        var attempt = await CrashedRunAsync(world, FailpointNames.AfterPrepare, 0.001m, 0.002m);
        world.Store.KillLeases();

        var summary = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(new Reconciler.Summary(Checked: 1, Abandoned: 0, Completed: 0, Returned: 0, Reexecuted: 2), summary);
        var executed = Assert.Single(world.Rail.Executed);
        Assert.Equal(attempt.Id, executed.Id);
        Assert.Equal(FakeRail.ArtifactOf(attempt.Id), executed.Artifact);
        Assert.Equal(["p1", "p2"], executed.Payouts.Select(p => p.PayoutId));
        Assert.All(executed.Payouts, p => Assert.Equal(FakeRail.ReferenceOf(attempt.Id, p.PayoutId), p.Reference));
        Assert.Equal(2, world.Rail.Broadcasts.Count);
        Assert.All(world.Rail.Broadcasts, b => Assert.Equal(1, b.Value));
        Assert.All(world.Store.Attempts[attempt.Id].Payouts, row => Assert.Equal(AttemptPayoutState.Sent, row.State));
        Assert.Single(world.Store.Attempts); // no new attempt
        Assert.Equal(["store.list-unfinished", "store.lease-is-live", "rail.status", "rail.execute", "failpoint:after-reconcile-execute", "store.record"],
            world.CallLog);
    }

    [Fact]
    public async Task PreparedAttemptIsLeftToItsRunWhileTheLeaseIsLive()
    {
        // The run that prepared it may be executing it right now; a "not sent" from that run and a success from a
        // re-send here could cross (a Lightning hash retried after a failure) and pay twice. Wait for the lease to die.
        var world = new SendingWorld();
        world.AddWaiting(0.001m);
        var lease = world.Store.Lease(SendingWorld.Settings());
        world.Failpoints.CrashAt = FailpointNames.AfterPrepare;
        await Assert.ThrowsAsync<SimulatedCrashException>(() => world.Run().Run(lease, Ct));
        world.Failpoints.CrashAt = null;
        world.CallLog.Clear();

        var summary = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(0, summary.Reexecuted);
        Assert.Contains("store.lease-is-live", world.CallLog);
        Assert.DoesNotContain("rail.status", world.CallLog);
        Assert.DoesNotContain("rail.execute", world.CallLog);

        world.Store.KillLeases();
        Assert.Equal(1, (await world.Reconciler().RunOnce(Ct)).Reexecuted);
    }

    [Fact]
    public async Task OnlyThePayoutsTheRailNeverSawAreExecutedAgain()
    {
        var world = new SendingWorld();
        var attempt = await CrashedRunAsync(world, FailpointNames.AfterPrepare, 0.001m, 0.002m);
        world.Rail.StatusWith = a => a.Payouts.ToDictionary(p => p.PayoutId,
            p => p.PayoutId == "p1" ? new SendOutcome.InFlight("routing") : (SendOutcome)new SendOutcome.NotFound());

        var summary = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(1, summary.Reexecuted);
        Assert.Equal(["p2"], Assert.Single(world.Rail.Executed).Payouts.Select(p => p.PayoutId));
        var rows = world.Store.Attempts[attempt.Id].Payouts.ToDictionary(p => p.PayoutId);
        Assert.Equal(AttemptPayoutState.InFlight, rows["p1"].State);
        Assert.Equal(AttemptPayoutState.Sent, rows["p2"].State);
    }

    [Fact]
    public async Task SentIsRecordedWithoutSendingAgain()
    {
        // Killed after the money left, before the outcome was recorded.
        var world = new SendingWorld();
        var attempt = await CrashedRunAsync(world, FailpointNames.AfterExecute, 0.001m, 0.002m);
        Assert.All(attempt.Payouts, row => Assert.Equal(AttemptPayoutState.Prepared, row.State));

        var summary = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(new Reconciler.Summary(Checked: 1, Abandoned: 0, Completed: 0, Returned: 0, Reexecuted: 0), summary);
        Assert.DoesNotContain("rail.execute", world.CallLog);
        Assert.All(world.Rail.Broadcasts, b => Assert.Equal(1, b.Value));
        Assert.All(world.Store.Attempts[attempt.Id].Payouts, row => Assert.Equal(AttemptPayoutState.Sent, row.State));
        Assert.All(world.Store.Payouts.Values, p => Assert.Equal(PayoutState.InProgress, p.State));
    }

    [Fact]
    public async Task SucceededCompletesThePayoutsAndFinishesTheAttempt()
    {
        var world = new SendingWorld();
        var attempt = await CrashedRunAsync(world, FailpointNames.AfterRecord, 0.001m, 0.002m);
        world.Rail.StatusWith = a => a.Payouts.Where(p => p.IsLive)
            .ToDictionary(p => p.PayoutId, p => (SendOutcome)new SendOutcome.Succeeded($"{{\"txid\":\"{p.Reference}\"}}"));

        var summary = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(new Reconciler.Summary(Checked: 1, Abandoned: 0, Completed: 2, Returned: 0, Reexecuted: 0), summary);
        Assert.Equal(AttemptState.Done, world.Store.Attempts[attempt.Id].State);
        Assert.All(world.Store.Payouts.Values, p =>
        {
            Assert.Equal(PayoutState.Completed, p.State);
            Assert.Equal($"{{\"txid\":\"{FakeRail.ReferenceOf(attempt.Id, p.Id)}\"}}", p.PaymentProofJson);
        });
        Assert.Empty(await world.Store.AttemptListUnfinished(10, Ct));
    }

    [Fact]
    public async Task NotSentReturnsThePayoutsCountingOnlyTheCulprit()
    {
        var world = new SendingWorld();
        var attempt = await CrashedRunAsync(world, FailpointNames.AfterRecord, 0.001m, 0.002m);
        world.Rail.StatusWith = a => a.Payouts.ToDictionary(p => p.PayoutId,
            p => (SendOutcome)new SendOutcome.NotSent("the transaction was replaced by a conflicting one", Culprit: p.PayoutId == "p1"));

        var summary = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(new Reconciler.Summary(Checked: 1, Abandoned: 0, Completed: 0, Returned: 2, Reexecuted: 0), summary);
        Assert.DoesNotContain("rail.execute", world.CallLog);
        Assert.Equal(AttemptState.Done, world.Store.Attempts[attempt.Id].State);
        Assert.Equal(PayoutState.AwaitingPayment, world.Payout("p1").State);
        Assert.Equal(1, world.Payout("p1").ErrorCount);
        Assert.Equal(PayoutState.AwaitingPayment, world.Payout("p2").State);
        Assert.Equal(0, world.Payout("p2").ErrorCount);
    }

    [Fact]
    public async Task UnknownAndInFlightKeepWaiting()
    {
        var world = new SendingWorld();
        var attempt = await CrashedRunAsync(world, FailpointNames.AfterRecord, 0.001m, 0.002m);
        world.Rail.StatusWith = a => a.Payouts.ToDictionary(p => p.PayoutId,
            p => p.PayoutId == "p1" ? new SendOutcome.InFlight("routing") : (SendOutcome)new SendOutcome.Unknown("the node timed out"));

        var summary = await world.Reconciler().RunOnce(Ct);
        var again = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(new Reconciler.Summary(Checked: 1, Abandoned: 0, Completed: 0, Returned: 0, Reexecuted: 0), summary);
        Assert.Equal(summary, again);
        Assert.DoesNotContain("rail.execute", world.CallLog);
        Assert.Equal(AttemptState.Prepared, world.Store.Attempts[attempt.Id].State);
        Assert.All(world.Store.Payouts.Values, p => Assert.Equal(PayoutState.InProgress, p.State));
        var rows = world.Store.Attempts[attempt.Id].Payouts.ToDictionary(p => p.PayoutId);
        Assert.Equal(AttemptPayoutState.InFlight, rows["p1"].State);
        Assert.Equal(AttemptPayoutState.Unknown, rows["p2"].State);
    }

    [Fact]
    public async Task NeverReexecutesAPayoutWhoseRowAlreadyEnded()
    {
        // Goal: a payout proven not sent (its row Failed) went back to AwaitingPayment and may be in a new attempt by
        // now; executing its old reference again would pay it twice. How: the first payout fails definitively, the
        // second stays in flight, so the attempt is still unfinished; the rail then answers NotFound for every
        // payout that has a reference — which is what IPayoutRail.Status may do, and what a Lightning node says of a
        // payment it failed and forgot. Only the live payout may be executed again.
        var world = new SendingWorld();
        world.AddWaiting(0.001m, 0.002m);
        world.Rail.ExecuteAnswer = (_, p) => p.PayoutId == "p1"
            ? new SendOutcome.NotSent("no route", Culprit: true)
            : new SendOutcome.InFlight("routing");
        var lease = world.Store.Lease(SendingWorld.Settings());
        await world.Run().Run(lease, Ct);
        var attempt = world.Store.Attempts.Values.Single(a => a.State != AttemptState.Done);
        Assert.Equal(AttemptPayoutState.Failed, attempt.Payouts.Single(p => p.PayoutId == "p1").State);
        world.Rail.ExecuteAnswer = null;
        world.Rail.Executed.Clear();
        world.Rail.StatusWith = a => a.Payouts.Where(p => p.Reference is not null)
            .ToDictionary(p => p.PayoutId, _ => (SendOutcome)new SendOutcome.NotFound());

        await world.Reconciler().RunOnce(Ct);

        Assert.All(world.Rail.Executed, e => Assert.DoesNotContain(e.Payouts, p => p.PayoutId == "p1"));
        Assert.False(world.Rail.Broadcasts.ContainsKey(FakeRail.ReferenceOf(attempt.Id, "p1")));
    }

    [Fact]
    public async Task NeverCreatesAnAttempt()
    {
        // Every kind of unfinished attempt at once: claimed (dead lease), prepared never seen, sent, and failed at prepare.
        var world = new SendingWorld();
        await CrashedRunAsync(world, FailpointNames.AfterClaim, 0.001m);
        world.Store.KillLeases();
        world.AddWaiting(0.002m, 0.003m);
        var lease = world.Store.Lease(SendingWorld.Settings(), epoch: 8);
        world.Failpoints.CrashAt = FailpointNames.AfterPrepare;
        await Assert.ThrowsAsync<SimulatedCrashException>(() => world.Run().Run(lease, Ct));
        world.Failpoints.CrashAt = null;
        world.Store.KillLeases();
        var attemptsBefore = world.Store.Attempts.Keys.ToHashSet();
        var claimsBefore = world.Store.ClaimCalls;

        var first = await world.Reconciler().RunOnce(Ct);
        var second = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(1, first.Abandoned);
        Assert.Equal(2, first.Reexecuted);
        Assert.Equal(0, second.Reexecuted);
        Assert.Equal(attemptsBefore, world.Store.Attempts.Keys.ToHashSet());
        Assert.Equal(claimsBefore, world.Store.ClaimCalls);
        Assert.All(world.Rail.Broadcasts, b => Assert.Equal(1, b.Value));
    }

    [Fact]
    public async Task ReplacementIsCommittedBeforeItIsSent()
    {
        // A stuck batch gets a fee bump: the new artifact must be durable before the rail broadcasts it.
        var world = new SendingWorld();
        var attempt = await CrashedRunAsync(world, FailpointNames.AfterExecute, 0.001m, 0.002m);
        var bumped = FakeRail.ArtifactOf(attempt.Id) + "/bump-1";
        world.Rail.ReplacementWith = _ => bumped;
        string? committedWhenSent = null;
        world.Rail.ExecuteAnswer = (a, _) =>
        {
            committedWhenSent = world.Store.Attempts[a.Id].Artifact;
            return null;
        };

        var summary = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(1, summary.Replaced);
        Assert.Equal(bumped, world.Store.Attempts[attempt.Id].Artifact);
        Assert.Equal(bumped, world.Rail.Executed[^1].Artifact);
        Assert.Equal(bumped, committedWhenSent);
        var log = world.CallLog;
        Assert.True(log.IndexOf("store.replace") < log.IndexOf("rail.execute"), string.Join(", ", log));
    }

    [Fact]
    public async Task ReplacementLostToAnotherReconcilerIsNeverSent()
    {
        var world = new SendingWorld();
        var attempt = await CrashedRunAsync(world, FailpointNames.AfterExecute, 0.001m);
        world.Rail.ReplacementWith = a =>
        {
            // Another node commits its own bump first.
            world.Store.Attempts[a.Id] = world.Store.Attempts[a.Id] with { Artifact = FakeRail.ArtifactOf(a.Id) + "/other-node" };
            return FakeRail.ArtifactOf(a.Id) + "/mine";
        };

        var summary = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(0, summary.Replaced);
        Assert.DoesNotContain("rail.execute", world.CallLog);
        Assert.Equal(FakeRail.ArtifactOf(attempt.Id) + "/other-node", world.Store.Attempts[attempt.Id].Artifact);
    }

    [Fact]
    public async Task NoReplacementIsAskedWhileThePayoutsAreNotSent()
    {
        // Only a send the rail reports as sent-but-unconfirmed can be stuck; unknown, in-flight or confirmed ones cannot be bumped.
        var world = new SendingWorld();
        await CrashedRunAsync(world, FailpointNames.AfterExecute, 0.001m);
        world.Rail.StatusWith = a => a.Payouts.ToDictionary(p => p.PayoutId, SendOutcome (_) => new SendOutcome.Unknown("timeout"));

        await world.Reconciler().RunOnce(Ct);

        Assert.DoesNotContain("rail.replacement", world.CallLog);
    }

    [Fact]
    public async Task OneAttemptsUnreachableRailDoesNotStopTheOthers()
    {
        var world = new SendingWorld();
        await CrashedRunAsync(world, FailpointNames.AfterExecute, 0.001m);
        world.AddWaiting(0.002m);
        var lease = world.Store.Lease(SendingWorld.Settings(), epoch: 8);
        world.Failpoints.CrashAt = FailpointNames.AfterExecute;
        await Assert.ThrowsAsync<SimulatedCrashException>(() => world.Run().Run(lease, Ct));
        world.Failpoints.CrashAt = null;
        world.Store.KillLeases();
        var first = world.Store.Attempts.Values.OrderBy(a => a.CreatedAt).ThenBy(a => a.Id, StringComparer.Ordinal).First().Id;
        world.Rail.StatusWith = a => a.Id == first
            ? throw new HttpRequestException("connection refused")
            : a.Payouts.ToDictionary(p => p.PayoutId, SendOutcome (_) => new SendOutcome.Succeeded("{}"));

        var summary = await world.Reconciler().RunOnce(Ct);

        Assert.Equal(2, summary.Checked);
        Assert.Equal(1, summary.Failed);
        Assert.Contains("connection refused", summary.LastFailure, StringComparison.Ordinal);
        Assert.Equal(1, summary.Completed);
        Assert.Single(world.Store.Payouts.Values, p => p.State == PayoutState.Completed);
    }
}

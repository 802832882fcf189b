using Payouts.Core.Payouts;
using Payouts.Core.Telemetry;

namespace Payouts.Core.Sending;

/// <summary>
/// Step 5 (DESIGN §4): drives every unfinished attempt forward from what its rail says. Runs at start-up and
/// periodically on every processors node. It never creates an attempt: confirmed → Completed; in flight or unknown
/// → wait; never seen by the rail → execute the same committed artifact again; stuck → a committed replacement that
/// conflicts with every earlier version (fee bump); proven not sent → payouts wait again; unconfirmed by a reorg →
/// InProgress again.
/// </summary>
public sealed class Reconciler(ISendStore store, IRailRegistry rails, IFailpoints failpoints, TimeProvider time, string nodeId,
    ITelemetryReads? telemetry = null)
{
    public const int BatchMax = 500;

    /// <param name="Failed">Attempts whose rail could not be asked (unreachable node, …); retried on the next pass.</param>
    public sealed record Summary(int Checked, int Abandoned, int Completed, int Returned, int Reexecuted, int Replaced = 0,
        int Failed = 0, string? LastFailure = null);

    public async Task<Summary> RunOnce(CancellationToken ct)
    {
        var s = new Summary(0, 0, 0, 0, 0);
        // One rail lookup per store and method per pass, not one per attempt.
        var railsOfPass = new Dictionary<(string, Contracts.PayoutMethodId), IPayoutRail>();
        var unfinished = await store.AttemptListUnfinished(BatchMax, ct);
        // A pass with nothing to do is no span: the reconciler runs every few seconds on every node.
        using var pass = unfinished.Count > 0 ? PayoutsTelemetry.Start("reconcile.pass", nodeId) : null;
        pass?.SetTag(TelemetryTags.BatchSize, unfinished.Count);
        var traceParents = await ReconcileTelemetry.TraceParentsOfPass(unfinished, telemetry, ct);
        foreach (var attempt in unfinished)
        {
            s = s with { Checked = s.Checked + 1 };
            using var span = ReconcileTelemetry.StartAttempt(attempt, nodeId, traceParents);
            try
            {
                s = await Reconcile(attempt, railsOfPass, s, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not InvariantViolationException)
            {
                PayoutsTelemetry.Fail(span, ex);
                // One store's unreachable node must not stall every other store's attempts behind it.
                s = s with { Failed = s.Failed + 1, LastFailure = $"attempt {attempt.Id}: {ex.GetType().Name}: {ex.Message}" };
            }
        }
        return s;
    }

    private async Task<Summary> Reconcile(SendAttempt attempt, Dictionary<(string, Contracts.PayoutMethodId), IPayoutRail> railsOfPass,
        Summary s, CancellationToken ct)
    {
        var context = new TransitionContext(Actor.Processor(nodeId), ProcessorActive: true, time.GetUtcNow());
        // While the run that made the attempt still holds its lease, that run owns it: re-sending or recording beside
        // it could let a stale "not sent" and a fresh success cross (a Lightning hash retried after a failure).
        if (await store.ProcessorLeaseIsLive(attempt.StoreId, attempt.MethodId, attempt.Epoch, ct)) return s;
        if (attempt.State == AttemptState.Claimed)
        {
            // The lease is dead and no artifact was committed: nothing can have been sent.
            return await store.AttemptAbandonClaimed(attempt.Id, context, ct) ? s with { Abandoned = s.Abandoned + 1 } : s;
        }

        var key = (attempt.StoreId, attempt.MethodId);
        if (!railsOfPass.TryGetValue(key, out var rail))
            railsOfPass[key] = rail = await rails.For(attempt.StoreId, attempt.MethodId, ct);
        var status = await rail.Status(attempt, ct);
        // Only live rows: a payout whose row ended (proven not sent) may be in a newer attempt already, and sending
        // its old artifact again would pay it twice, whatever the rail answers about it.
        var live = attempt.Payouts.Where(p => p.IsLive).Select(p => p.PayoutId).ToHashSet(StringComparer.Ordinal);
        var neverSeen = status.Where(o => o.Value is SendOutcome.NotFound && live.Contains(o.Key)).Select(o => o.Key)
            .ToHashSet(StringComparer.Ordinal);
        var outcomes = status.Where(o => o.Value is not SendOutcome.NotFound).ToDictionary(o => o.Key, o => o.Value);
        if (neverSeen.Count > 0)
        {
            // Killed between committing the artifact and sending it (or the send was lost): sending the same
            // artifact is harmless — same txid, same payment hash — and moves it on without a second attempt.
            var again = await rail.Execute(attempt with { Payouts = attempt.Payouts.Where(p => neverSeen.Contains(p.PayoutId)).ToList() }, ct);
            failpoints.Hit(FailpointNames.AfterReconcileExecute);
            s = s with { Reexecuted = s.Reexecuted + again.Count };
            foreach (var (id, outcome) in again) outcomes[id] = outcome;
        }
        else if (outcomes.Any(o => o.Value is SendOutcome.Sent && live.Contains(o.Key))
            && await rail.Replacement(attempt, ct) is { } replacement
            && await store.AttemptReplaceArtifact(attempt.Id, attempt.Artifact!, replacement, time.GetUtcNow(), ct))
        {
            // A stuck send gets a replacement that conflicts with every earlier version, committed before it leaves.
            failpoints.Hit(FailpointNames.AfterReplace);
            s = s with { Replaced = s.Replaced + 1 };
            foreach (var (id, outcome) in await rail.Execute(attempt with { Artifact = replacement }, ct))
                outcomes[id] = outcome;
        }
        if (outcomes.Count == 0) return s;
        await store.AttemptRecord(attempt.Id, fence: null, outcomes, context with { Now = time.GetUtcNow() }, ct);
        return s with
        {
            Completed = s.Completed + outcomes.Values.Count(o => o is SendOutcome.Succeeded),
            Returned = s.Returned + outcomes.Values.Count(o => o is SendOutcome.NotSent),
        };
    }
}

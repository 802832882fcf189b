using Payouts.Core.Payouts;

namespace Payouts.Core.Sending;

/// <summary>
/// Step 5 (DESIGN §4): drives every unfinished attempt forward from what its rail says. Runs at start-up and
/// periodically on every processors node. It never creates an attempt: confirmed → Completed; in flight or unknown
/// → wait; never seen by the rail → execute the same committed artifact again; proven not sent → payouts wait again.
/// </summary>
public sealed class Reconciler(ISendStore store, IRailRegistry rails, IFailpoints failpoints, TimeProvider time, string nodeId)
{
    public const int BatchMax = 500;

    public sealed record Summary(int Checked, int Abandoned, int Completed, int Returned, int Reexecuted);

    public async Task<Summary> RunOnce(CancellationToken ct)
    {
        var actor = Actor.Processor(nodeId);
        int checkedCount = 0, abandoned = 0, completed = 0, returned = 0, reexecuted = 0;
        foreach (var attempt in await store.AttemptListUnfinished(BatchMax, ct))
        {
            checkedCount++;
            var context = new TransitionContext(actor, ProcessorActive: true, time.GetUtcNow());
            // While the run that made the attempt still holds its lease, that run owns it: re-sending or recording beside
            // it could let a stale "not sent" and a fresh success cross (a Lightning hash retried after a failure).
            if (await store.ProcessorLeaseIsLive(attempt.StoreId, attempt.MethodId, attempt.Epoch, ct)) continue;
            if (attempt.State == AttemptState.Claimed)
            {
                // The lease is dead and no artifact was committed: nothing can have been sent.
                if (await store.AttemptAbandonClaimed(attempt.Id, context, ct)) abandoned++;
                continue;
            }

            var rail = rails.For(attempt.StoreId, attempt.MethodId);
            var status = await rail.Status(attempt, ct);
            // Only live rows: a payout whose row ended (proven not sent) may be in a newer attempt already, and sending
            // its old artifact again would pay it twice, whatever the rail answers about it.
            var live = attempt.Payouts.Where(p => p.IsLive).Select(p => p.PayoutId).ToHashSet(StringComparer.Ordinal);
            var neverSeen = status.Where(s => s.Value is SendOutcome.NotFound && live.Contains(s.Key)).Select(s => s.Key)
                .ToHashSet(StringComparer.Ordinal);
            var outcomes = status.Where(s => s.Value is not SendOutcome.NotFound).ToDictionary(s => s.Key, s => s.Value);
            if (neverSeen.Count > 0)
            {
                // Killed between committing the artifact and sending it (or the send was lost): sending the same
                // artifact is harmless — same txid, same payment hash — and moves it on without a second attempt.
                var again = await rail.Execute(attempt with { Payouts = attempt.Payouts.Where(p => neverSeen.Contains(p.PayoutId)).ToList() }, ct);
                failpoints.Hit(FailpointNames.AfterReconcileExecute);
                reexecuted += again.Count;
                foreach (var (id, outcome) in again) outcomes[id] = outcome;
            }
            if (outcomes.Count == 0) continue;
            await store.AttemptRecord(attempt.Id, fence: null, outcomes, context with { Now = time.GetUtcNow() }, ct);
            completed += outcomes.Values.Count(o => o is SendOutcome.Succeeded);
            returned += outcomes.Values.Count(o => o is SendOutcome.NotSent);
        }
        return new Summary(checkedCount, abandoned, completed, returned, reexecuted);
    }
}

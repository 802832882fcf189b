using Payouts.Core.Payouts;
using Payouts.Core.Processors;
using Payouts.Core.Telemetry;

namespace Payouts.Core.Sending;

/// <summary>
/// One run of a processor under its lease: claim → prepare (artifact committed) → execute → record, repeated for a
/// few rounds so that payouts that failed only because of a batch-mate go out in the same run (DESIGN §4).
/// Each step is a span linked to the creating traces of the payouts it moves (<paramref name="telemetry"/> reads them).
/// </summary>
public sealed class ProcessorRun(ISendStore store, IRailRegistry rails, IFailpoints failpoints, TimeProvider time,
    ITelemetryReads? telemetry = null)
{
    /// <summary>Claims per run; each round excludes the payouts that caused the previous round's failure.</summary>
    public const int RoundsMax = 3;

    /// <summary>Candidates locked per claim: the batch plus room for the policy to skip some.</summary>
    public const int CandidatesMax = 2 * ProcessorPolicy.BatchSizeLimit;

    public sealed record Summary(int Attempts, int Claimed, int Sent, int Succeeded, int Failed, int Unknown, bool LeaseLost, string? IdleReason);

    public async Task<Summary> Run(ProcessorLease lease, CancellationToken ct)
    {
        using var span = RunTelemetry.StartRun(lease);
        var summary = await RunRounds(lease, ct);
        RunTelemetry.Ended(span, summary);
        return summary;
    }

    private async Task<Summary> RunRounds(ProcessorLease lease, CancellationToken ct)
    {
        var actor = Actor.Processor(lease.NodeId);
        var exclude = new HashSet<string>(StringComparer.Ordinal);
        int attempts = 0, claimed = 0, sent = 0, succeeded = 0, failed = 0, unknown = 0;
        string? idle = null;
        for (var round = 0; round < RoundsMax; round++)
        {
            var context = new TransitionContext(actor, ProcessorActive: true, time.GetUtcNow());
            var claimedAt = time.GetTimestamp();
            using var claimSpan = RunTelemetry.StartStep("processor.claim", lease, links: []);
            var claim = await store.AttemptClaim(lease, exclude, CandidatesMax,
                c => BatchPlanner.Choose(new ClaimInput(c.Waiting, lease.Settings, lease.Settings.Policy, c.SentTodayTotal, exclude)).Selected,
                context, ct);
            var links = await RunTelemetry.Claimed(claimSpan, claim, lease, telemetry, ct);
            claimSpan?.Dispose();
            if (claim is ClaimResult.LeaseLost)
                return new Summary(attempts, claimed, sent, succeeded, failed, unknown, LeaseLost: true, null);
            if (claim is ClaimResult.Nothing nothing) { idle = nothing.Reason; break; }
            var attempt = ((ClaimResult.Claimed)claim).Attempt;
            attempts++;
            claimed += attempt.Payouts.Count;
            failpoints.Hit(FailpointNames.AfterClaim);

            // The rail is read after the claim: a rail change commits only while no attempt is unfinished, so an
            // attempt claimed after it is prepared by the new rail, never by one the store has left.
            IPayoutRail rail;
            SendAttempt? committed;
            PrepareResult prepared;
            using (RunTelemetry.StartStep("processor.prepare", lease, links, attempt))
            {
                rail = await rails.For(lease.StoreId, lease.MethodId, ct);
                prepared = await rail.Prepare(attempt, lease.Settings, ct);
                committed = await store.AttemptPrepare(lease, attempt.Id, prepared,
                    context with { Now = time.GetUtcNow() }, ct);
            }
            if (committed is null)
                // Fenced out or abandoned by a reconciler before the artifact was committed: nothing was sent.
                return new Summary(attempts, claimed, sent, succeeded, failed, unknown, LeaseLost: true, null);
            failpoints.Hit(FailpointNames.AfterPrepare);
            // Another round helps only payouts that failed because of someone else (a culprit's rejected batch);
            // one the rail refused up front, or that the wallet cannot fund, would only be refused again in this run.
            var culprits = false;
            foreach (var (payoutId, rejected) in prepared.Rejected)
            {
                failed++;
                exclude.Add(payoutId);
                culprits |= rejected.Culprit;
            }

            IReadOnlyDictionary<string, SendOutcome> outcomes;
            using var executeSpan = RunTelemetry.StartStep("processor.execute", lease, links, committed);
            try
            {
                outcomes = await rail.Execute(committed, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not InvariantViolationException)
            {
                PayoutsTelemetry.Fail(executeSpan, ex);
                // The request may have left: Unknown, never "failed". The reconciler asks the rail later.
                outcomes = committed.Payouts.Where(p => p.IsLive)
                    .ToDictionary(p => p.PayoutId, SendOutcome (_) => new SendOutcome.Unknown($"execute threw {ex.GetType().Name}: {ex.Message}"));
            }
            executeSpan?.Dispose();
            failpoints.Hit(FailpointNames.AfterExecute);
            using (var recordSpan = RunTelemetry.StartStep("processor.record", lease, links, committed))
            {
                var recorded = await store.AttemptRecord(attempt.Id, lease, outcomes, context with { Now = time.GetUtcNow() }, ct);
                RunTelemetry.Recorded(recordSpan, lease, outcomes, recorded is not null, time.GetElapsedTime(claimedAt));
                if (recorded is null)
                    // Lease lost after sending: the reconciler records what the rail says, once this lease is dead.
                    return new Summary(attempts, claimed, sent, succeeded, failed, unknown, LeaseLost: true, null);
            }
            failpoints.Hit(FailpointNames.AfterRecord);

            foreach (var (payoutId, outcome) in outcomes)
            {
                switch (outcome)
                {
                    case SendOutcome.Sent or SendOutcome.InFlight: sent++; break;
                    case SendOutcome.Succeeded: succeeded++; break;
                    case SendOutcome.Unknown or SendOutcome.NotFound: unknown++; break;
                    case SendOutcome.NotSent n:
                        failed++;
                        if (n.Culprit)
                        {
                            exclude.Add(payoutId);
                            culprits = true;
                        }
                        break;
                }
            }
            if (!culprits) break;
        }
        return new Summary(attempts, claimed, sent, succeeded, failed, unknown, LeaseLost: false, idle);
    }
}

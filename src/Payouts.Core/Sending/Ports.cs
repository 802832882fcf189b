using Payouts.Contracts;
using Payouts.Core.Payouts;

namespace Payouts.Core.Sending;

/// <summary>
/// One payout method's way of moving money, split at the line that makes crashes safe: <see cref="Prepare"/>
/// builds the artifact without sending; <see cref="Execute"/> sends an artifact that is already committed and
/// must be harmless to repeat; <see cref="Status"/> asks what became of it.
/// </summary>
public interface IPayoutRail
{
    /// <param name="settings">The processor's settings at claim time (fee target, fee caps).</param>
    Task<PrepareResult> Prepare(SendAttempt attempt, Processors.ProcessorSettings settings, CancellationToken ct);

    /// <returns>An outcome for every live payout of the attempt that has a reference.</returns>
    Task<IReadOnlyDictionary<string, SendOutcome>> Execute(SendAttempt attempt, CancellationToken ct);

    /// <returns>An outcome for every watched payout (<see cref="AttemptPayout.IsWatched"/>) that has a reference.</returns>
    Task<IReadOnlyDictionary<string, SendOutcome>> Status(SendAttempt attempt, CancellationToken ct);

    /// <summary>
    /// A new artifact that replaces a sent but stuck one (an on-chain fee bump), or null when none is due. It must
    /// conflict with every earlier version so that at most one can ever confirm. Like any artifact, the reconciler
    /// commits it before executing it.
    /// </summary>
    Task<string?> Replacement(SendAttempt attempt, CancellationToken ct);
}

public interface IRailRegistry
{
    /// <summary>The rail a store has configured for <paramref name="method"/>, or the sandbox when it has none.</summary>
    Task<IPayoutRail> For(string storeId, PayoutMethodId method, CancellationToken ct);
}

/// <summary>Crash-test hooks (<c>Payouts:Failpoints</c>): a named failpoint that is on kills the process.</summary>
public interface IFailpoints
{
    void Hit(string name);
}

public static class FailpointNames
{
    public const string AfterClaim = "after-claim";
    public const string AfterPrepare = "after-prepare";
    /// <summary>The money left (broadcast / paid) and the outcome is not recorded yet.</summary>
    public const string AfterExecute = "after-execute";
    public const string AfterRecord = "after-record";
    public const string AfterReconcileExecute = "after-reconcile-execute";
    /// <summary>A replacement (fee bump) is committed and not sent yet.</summary>
    public const string AfterReplace = "after-replace";

    public static IReadOnlyList<string> All { get; } = [AfterClaim, AfterPrepare, AfterExecute, AfterRecord, AfterReconcileExecute, AfterReplace];

    /// <summary>A webhook receiver answered and the outcome is not recorded yet (not a send-protocol step, so not in <see cref="All"/>).</summary>
    public const string WebhookAfterSend = "webhook-after-send";

    /// <summary>Every name <c>Payouts:Failpoints</c> accepts.</summary>
    public static IReadOnlyList<string> Known { get; } = [.. All, WebhookAfterSend];
}

public abstract record ClaimResult
{
    private ClaimResult() { }
    /// <summary>The lease is gone (expired or taken over): claim nothing.</summary>
    public sealed record LeaseLost : ClaimResult;
    public sealed record Nothing(string Reason) : ClaimResult;
    public sealed record Claimed(SendAttempt Attempt) : ClaimResult;
}

/// <summary>Payouts waiting to be sent, as the claim sees them under its locks.</summary>
/// <param name="SentTodayTotal">Amount of the store's payouts of this method in attempts since the start of the UTC day, not failed.</param>
public sealed record ClaimCandidates(IReadOnlyList<Payout> Waiting, decimal SentTodayTotal);

/// <summary>Durable state of the send protocol. Each method is one transaction.</summary>
public interface ISendStore
{
    /// <summary>Leases due processors this node may take (free, expired, or already its own), bumping each epoch.</summary>
    Task<IReadOnlyList<ProcessorLease>> ProcessorLeaseAcquire(string nodeId, TimeSpan ttl, int limit, CancellationToken ct);

    /// <summary>Gives the lease back and schedules the next run, if the lease is still this epoch's.</summary>
    Task<bool> ProcessorLeaseRelease(ProcessorLease lease, TimeSpan nextRunIn, CancellationToken ct);

    /// <summary>True when a node holds the processor's lease at <paramref name="epoch"/> and it has not expired.</summary>
    Task<bool> ProcessorLeaseIsLive(string storeId, PayoutMethodId method, long epoch, CancellationToken ct);

    /// <summary>Makes a processor with processNewPayoutsInstantly due now.</summary>
    Task ProcessorNudge(string storeId, PayoutMethodId method, CancellationToken ct);

    Task<bool> ProcessorIsEnabled(string storeId, PayoutMethodId method, CancellationToken ct);

    /// <summary>True while a live attempt row holds the payout.</summary>
    Task<bool> AttemptHoldsPayout(string payoutId, CancellationToken ct);

    /// <summary>
    /// Step 1: under the lease's fence, locks waiting payouts (skipping ones other nodes hold), lets
    /// <paramref name="plan"/> choose, moves them to InProgress with events and records the attempt.
    /// </summary>
    Task<ClaimResult> AttemptClaim(ProcessorLease lease, IReadOnlySet<string> exclude, int candidatesMax,
        Func<ClaimCandidates, IReadOnlyList<Payout>> plan, TransitionContext context, CancellationToken ct);

    /// <summary>
    /// Step 2: commits the artifact. Rejected payouts leave the attempt (back to AwaitingPayment). Null when the
    /// attempt is no longer claimed (abandoned by a reconciler) or the lease was lost: nothing may be sent then.
    /// </summary>
    Task<SendAttempt?> AttemptPrepare(ProcessorLease lease, string attemptId, PrepareResult prepared, TransitionContext context, CancellationToken ct);

    /// <summary>
    /// Step 4: stores each payout's outcome, completing or returning payouts; finishes the attempt when none is live.
    /// With <paramref name="fence"/> (the run that sent it) nothing is written once that lease is lost: an outcome
    /// that old must not overwrite what a reconciler learned since. Null for the reconciler, which only acts on
    /// attempts whose lease is dead.
    /// </summary>
    Task<SendAttempt?> AttemptRecord(string attemptId, ProcessorLease? fence, IReadOnlyDictionary<string, SendOutcome> outcomes,
        TransitionContext context, CancellationToken ct);

    /// <summary>
    /// Commits a replacement artifact (fee bump) if the attempt still has <paramref name="expected"/>: of two reconcilers
    /// bumping one attempt, one wins and the other's artifact, never committed, is never sent.
    /// </summary>
    Task<bool> AttemptReplaceArtifact(string attemptId, string expected, string replacement, DateTimeOffset now, CancellationToken ct);

    /// <summary>A claimed attempt whose node died before preparing: nothing was sent, so its payouts wait again.</summary>
    Task<bool> AttemptAbandonClaimed(string attemptId, TransitionContext context, CancellationToken ct);

    Task<IReadOnlyList<SendAttempt>> AttemptListUnfinished(int limit, CancellationToken ct);

    Task<SendAttempt?> AttemptGetById(string attemptId, CancellationToken ct);
}

using Payouts.Contracts;

namespace Payouts.Core.Sending;

/// <summary>An attempt's life: claimed (payouts InProgress, nothing built) → prepared (artifact committed) → done.</summary>
public enum AttemptState
{
    Claimed,
    Prepared,
    Done,
}

/// <summary>
/// One payout's part of an attempt. Live states hold the payout; only Succeeded and Failed end it. Confirmed is in
/// between: the payout is Completed, but a reorg could still undo the transaction, so the rail keeps watching it.
/// </summary>
public enum AttemptPayoutState
{
    Claimed,
    Prepared,
    Sent,
    InFlight,
    Unknown,
    Confirmed,
    Succeeded,
    Failed,
}

public sealed record AttemptPayout(string PayoutId, string Destination, decimal Amount, AttemptPayoutState State, string? Reference, string? Detail)
{
    public bool IsLive => State is not (AttemptPayoutState.Confirmed or AttemptPayoutState.Succeeded or AttemptPayoutState.Failed);

    /// <summary>Still asked about: live, or confirmed but not yet beyond reorg depth.</summary>
    public bool IsWatched => State is not (AttemptPayoutState.Succeeded or AttemptPayoutState.Failed);
}

/// <summary>One batch sent through a rail (DESIGN §4). <see cref="Artifact"/> is committed before any network send.</summary>
public sealed record SendAttempt(
    string Id,
    string StoreId,
    PayoutMethodId MethodId,
    long Epoch,
    string NodeId,
    AttemptState State,
    string? Artifact,
    IReadOnlyList<AttemptPayout> Payouts,
    DateTimeOffset CreatedAt);

/// <summary>A node's hold on a processor row until <see cref="LeaseUntil"/>; <see cref="Epoch"/> fences every claim.</summary>
public sealed record ProcessorLease(
    string StoreId,
    PayoutMethodId MethodId,
    long Epoch,
    string NodeId,
    DateTimeOffset LeaseUntil,
    Processors.ProcessorSettings Settings);

/// <summary>What a rail answers for one payout of an attempt. Every protocol error maps to one of these; the fallback is Unknown.</summary>
public abstract record SendOutcome
{
    private SendOutcome() { }

    /// <summary>Left the wallet; waiting for confirmation.</summary>
    public sealed record Sent(string? Detail) : SendOutcome;

    /// <summary>A payment the network is still routing.</summary>
    public sealed record InFlight(string? Detail) : SendOutcome;

    /// <summary>
    /// Arrived: confirmed on chain, or the payment settled (proof: txid, preimage). Not <paramref name="Final"/>: confirmed
    /// but shallow enough that a reorg could undo it, so the attempt stays watched.
    /// </summary>
    public sealed record Succeeded(string ProofJson, bool Final = true) : SendOutcome;

    /// <summary>Proven not sent. <paramref name="Culprit"/>: this payout caused it (counts toward disabling it).</summary>
    public sealed record NotSent(string Reason, bool Culprit) : SendOutcome;

    /// <summary>We cannot tell (timeout after the request left): never retried as new, only re-checked.</summary>
    public sealed record Unknown(string Reason) : SendOutcome;

    /// <summary>The rail has never seen this artifact: executing it (again) is safe.</summary>
    public sealed record NotFound : SendOutcome;
}

/// <summary>The artifact of a prepared attempt, its per-payout references, and the payouts the rail refused up front.</summary>
public sealed record PrepareResult(
    string Artifact,
    IReadOnlyDictionary<string, string> References,
    IReadOnlyDictionary<string, SendOutcome.NotSent> Rejected);

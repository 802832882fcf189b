using Payouts.Contracts;
using Payouts.Core.Sending;

namespace Payouts.Core.Tests.Support;

/// <summary>
/// A rail that remembers what it broadcast, as a wallet or node would: <see cref="Execute"/> "sends" each live
/// payout's reference (counted in <see cref="Broadcasts"/>, so a second send of one reference is visible), and
/// <see cref="Status"/> answers Sent for a reference it has seen and NotFound otherwise. Each step can be overridden.
/// Artifacts are deterministic per attempt, as real ones are (same txid, same payment hash).
/// </summary>
internal sealed class FakeRail(List<string> callLog) : IPayoutRail
{
    public List<string> CallLog { get; } = callLog;

    /// <summary>Payouts the rail refuses up front, by payout id.</summary>
    public Dictionary<string, SendOutcome.NotSent> RejectAtPrepare { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs inside <see cref="Prepare"/>, before it returns: what happens elsewhere while the rail builds.</summary>
    public Func<SendAttempt, Task>? WhilePreparing { get; set; }

    /// <summary>Replaces the answer of <see cref="Execute"/> for one payout (called after the default send unless it returns null).</summary>
    public Func<SendAttempt, AttemptPayout, SendOutcome?>? ExecuteAnswer { get; set; }

    /// <summary>Replaces <see cref="Execute"/> entirely (to throw, for example).</summary>
    public Func<SendAttempt, IReadOnlyDictionary<string, SendOutcome>>? ExecuteWith { get; set; }

    /// <summary>Answers <see cref="Replacement"/> (a fee bump's artifact); none by default.</summary>
    public Func<SendAttempt, string?>? ReplacementWith { get; set; }

    /// <summary>Replaces <see cref="Status"/> entirely.</summary>
    public Func<SendAttempt, IReadOnlyDictionary<string, SendOutcome>>? StatusWith { get; set; }

    public List<SendAttempt> Prepared { get; } = [];
    public List<SendAttempt> Executed { get; } = [];
    public List<SendAttempt> StatusAsked { get; } = [];

    /// <summary>How many times each reference left the wallet.</summary>
    public Dictionary<string, int> Broadcasts { get; } = new(StringComparer.Ordinal);

    public static string ArtifactOf(string attemptId) => $"artifact-of-{attemptId}";

    public static string ReferenceOf(string attemptId, string payoutId) => $"ref-{attemptId}-{payoutId}";

    public async Task<PrepareResult> Prepare(SendAttempt attempt, Core.Processors.ProcessorSettings settings, CancellationToken ct)
    {
        CallLog.Add("rail.prepare");
        Prepared.Add(attempt);
        if (WhilePreparing is not null)
            await WhilePreparing(attempt);
        var rejected = attempt.Payouts.Where(p => RejectAtPrepare.ContainsKey(p.PayoutId))
            .ToDictionary(p => p.PayoutId, p => RejectAtPrepare[p.PayoutId], StringComparer.Ordinal);
        var references = attempt.Payouts.Where(p => !rejected.ContainsKey(p.PayoutId))
            .ToDictionary(p => p.PayoutId, p => ReferenceOf(attempt.Id, p.PayoutId), StringComparer.Ordinal);
        return new PrepareResult(ArtifactOf(attempt.Id), references, rejected);
    }

    public Task<IReadOnlyDictionary<string, SendOutcome>> Execute(SendAttempt attempt, CancellationToken ct)
    {
        CallLog.Add("rail.execute");
        Executed.Add(attempt);
        // The crash-safety rule, checked where the money would leave: only a committed artifact is ever sent. An
        // invariant violation, because a run treats any other exception from Execute as "the request may have left".
        Invariant.Ensure(attempt.State is AttemptState.Prepared or AttemptState.Done);
        Invariant.Ensure(attempt.Artifact is not null && attempt.Artifact.StartsWith(ArtifactOf(attempt.Id), StringComparison.Ordinal));
        if (ExecuteWith is not null)
            return Task.FromResult(ExecuteWith(attempt));
        var results = new Dictionary<string, SendOutcome>(StringComparer.Ordinal);
        foreach (var p in attempt.Payouts.Where(p => p.IsLive && p.Reference is not null))
        {
            var answer = ExecuteAnswer?.Invoke(attempt, p);
            if (answer is null or SendOutcome.Sent or SendOutcome.InFlight or SendOutcome.Succeeded or SendOutcome.Unknown)
                Broadcasts[p.Reference!] = Broadcasts.GetValueOrDefault(p.Reference!) + 1;
            results[p.PayoutId] = answer ?? new SendOutcome.Sent($"broadcast {p.Reference}");
        }
        return Task.FromResult<IReadOnlyDictionary<string, SendOutcome>>(results);
    }

    public Task<IReadOnlyDictionary<string, SendOutcome>> Status(SendAttempt attempt, CancellationToken ct)
    {
        CallLog.Add("rail.status");
        StatusAsked.Add(attempt);
        if (StatusWith is not null)
            return Task.FromResult(StatusWith(attempt));
        var results = attempt.Payouts.Where(p => p.IsLive && p.Reference is not null).ToDictionary(p => p.PayoutId,
            p => Broadcasts.ContainsKey(p.Reference!) ? new SendOutcome.Sent("in the mempool") : (SendOutcome)new SendOutcome.NotFound(),
            StringComparer.Ordinal);
        return Task.FromResult<IReadOnlyDictionary<string, SendOutcome>>(results);
    }

    public Task<string?> Replacement(SendAttempt attempt, CancellationToken ct)
    {
        CallLog.Add("rail.replacement");
        return Task.FromResult(ReplacementWith?.Invoke(attempt));
    }
}

internal sealed class FakeRailRegistry(IPayoutRail rail) : IRailRegistry
{
    public List<(string StoreId, PayoutMethodId Method)> Asked { get; } = [];

    public Task<IPayoutRail> For(string storeId, PayoutMethodId method, CancellationToken ct)
    {
        Asked.Add((storeId, method));
        return Task.FromResult(rail);
    }
}

/// <summary>Records every failpoint hit; the one named in <see cref="CrashAt"/> "kills the process" by throwing.</summary>
internal sealed class FakeFailpoints(List<string> callLog) : IFailpoints
{
    public string? CrashAt { get; set; }
    public List<string> Hits { get; } = [];

    public void Hit(string name)
    {
        callLog.Add($"failpoint:{name}");
        Hits.Add(name);
        if (name == CrashAt)
            throw new SimulatedCrashException(name);
    }
}

internal sealed class SimulatedCrashException(string failpoint) : Exception($"simulated crash at {failpoint}");

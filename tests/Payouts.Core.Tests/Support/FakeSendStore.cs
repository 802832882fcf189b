using Payouts.Contracts;
using Payouts.Core.Payouts;
using Payouts.Core.Sending;

namespace Payouts.Core.Tests.Support;

/// <summary>
/// An in-memory <see cref="ISendStore"/> with the real store's rules: the lease fence on claim and prepare, prepare
/// only from claimed, terminal attempt rows never change, at most one live attempt row per payout, and every payout
/// change decided by Core's <see cref="PayoutLifecycle"/> and written only if the revision is still the one read.
/// <see cref="CallLog"/> is shared with the rail and failpoint fakes so that tests can check the order of steps.
/// </summary>
internal sealed class FakeSendStore(List<string> callLog) : ISendStore
{
    public FakeSendStore() : this([]) { }

    public List<string> CallLog { get; } = callLog;
    public Dictionary<string, Payout> Payouts { get; } = new(StringComparer.Ordinal);
    public List<PayoutEvent> Events { get; } = [];
    public Dictionary<string, SendAttempt> Attempts { get; } = new(StringComparer.Ordinal);

    /// <summary>Leases that are held and unexpired, as (store, method, epoch, node).</summary>
    public HashSet<(string StoreId, PayoutMethodId Method, long Epoch, string NodeId)> LiveLeases { get; } = [];

    /// <summary>Payouts another transaction holds locked: a claim skips them (SKIP LOCKED).</summary>
    public HashSet<string> Locked { get; } = new(StringComparer.Ordinal);

    public int ClaimCalls { get; private set; }
    private int _attemptSequence;

    public ProcessorLease Lease(Core.Processors.ProcessorSettings settings, string nodeId = "node-a", long epoch = 7)
    {
        LiveLeases.Add((settings.StoreId, settings.MethodId, epoch, nodeId));
        return new ProcessorLease(settings.StoreId, settings.MethodId, epoch, nodeId, TestData.Now.AddSeconds(30), settings);
    }

    public void KillLeases() => LiveLeases.Clear();

    public void Add(params Payout[] payouts)
    {
        foreach (var p in payouts) Payouts.Add(p.Id, p);
    }

    public IEnumerable<PayoutEvent> EventsOf(string payoutId) => Events.Where(e => e.PayoutId == payoutId);

    // ---------------------------------------------------------------- leases (the runs under test receive theirs)

    public Task<IReadOnlyList<ProcessorLease>> ProcessorLeaseAcquire(string nodeId, TimeSpan ttl, int limit, CancellationToken ct) =>
        throw new NotSupportedException("runs and reconcilers never acquire leases");

    public Task<bool> ProcessorLeaseRelease(ProcessorLease lease, TimeSpan nextRunIn, CancellationToken ct) =>
        throw new NotSupportedException("runs and reconcilers never release leases");

    public Task<bool> ProcessorLeaseIsLive(string storeId, PayoutMethodId method, long epoch, CancellationToken ct)
    {
        CallLog.Add("store.lease-is-live");
        return Task.FromResult(LiveLeases.Any(l => l.StoreId == storeId && l.Method == method && l.Epoch == epoch));
    }

    public Task ProcessorNudge(string storeId, PayoutMethodId method, CancellationToken ct) => throw new NotSupportedException();

    public Task<bool> ProcessorIsEnabled(string storeId, PayoutMethodId method, CancellationToken ct) => throw new NotSupportedException();

    public Task<bool> AttemptHoldsPayout(string payoutId, CancellationToken ct) =>
        Task.FromResult(Attempts.Values.Any(a => a.Payouts.Any(p => p.PayoutId == payoutId && p.IsLive)));

    // ---------------------------------------------------------------- the protocol steps

    public Task<ClaimResult> AttemptClaim(ProcessorLease lease, IReadOnlySet<string> exclude, int candidatesMax,
        Func<ClaimCandidates, IReadOnlyList<Payout>> plan, TransitionContext context, CancellationToken ct)
    {
        CallLog.Add("store.claim");
        ClaimCalls++;
        if (!Fenced(lease))
            return Task.FromResult<ClaimResult>(new ClaimResult.LeaseLost());
        var waiting = Payouts.Values
            .Where(p => p.StoreId == lease.StoreId && p.MethodId == lease.MethodId && p.State == PayoutState.AwaitingPayment
                && !Locked.Contains(p.Id))
            .OrderBy(p => p.CreatedAt).ThenBy(p => p.Id, StringComparer.Ordinal)
            .Take(candidatesMax)
            .ToList();
        if (waiting.Count == 0)
            return Task.FromResult<ClaimResult>(new ClaimResult.Nothing("no payout is waiting"));
        var dayStart = new DateTimeOffset(context.Now.UtcDateTime.Date, TimeSpan.Zero);
        var sentToday = Attempts.Values
            .Where(a => a.StoreId == lease.StoreId && a.MethodId == lease.MethodId && a.CreatedAt >= dayStart)
            .SelectMany(a => a.Payouts).Where(p => p.State != AttemptPayoutState.Failed).Sum(p => p.Amount);
        var selected = plan(new ClaimCandidates(waiting, sentToday));
        if (selected.Count == 0)
            return Task.FromResult<ClaimResult>(new ClaimResult.Nothing("the processor's policy selected nothing"));
        Assert.All(selected, p => Assert.Contains(p, waiting));

        var attemptId = $"attempt-{++_attemptSequence}";
        var parts = new List<AttemptPayout>();
        foreach (var payout in selected)
        {
            Assert.False(HasLiveRow(payout.Id), $"payout {payout.Id} already has a live attempt row (unique index)");
            Assert.True(Apply(payout.Id, new PayoutCommand.BeginSend(attemptId), context));
            parts.Add(new AttemptPayout(payout.Id, payout.Destination, payout.PayoutAmount!.Value, AttemptPayoutState.Claimed, null, null));
        }
        var attempt = new SendAttempt(attemptId, lease.StoreId, lease.MethodId, lease.Epoch, lease.NodeId, AttemptState.Claimed, null, parts,
            context.Now);
        Attempts.Add(attemptId, attempt);
        return Task.FromResult<ClaimResult>(new ClaimResult.Claimed(attempt));
    }

    public Task<SendAttempt?> AttemptPrepare(ProcessorLease lease, string attemptId, PrepareResult prepared, TransitionContext context,
        CancellationToken ct)
    {
        CallLog.Add("store.prepare");
        if (!Fenced(lease) || Attempts[attemptId].State != AttemptState.Claimed)
            return Task.FromResult<SendAttempt?>(null);
        var attempt = Attempts[attemptId];
        var rows = new List<AttemptPayout>();
        foreach (var row in attempt.Payouts)
        {
            if (prepared.Rejected.TryGetValue(row.PayoutId, out var rejected))
            {
                rows.Add(row with { State = AttemptPayoutState.Failed, Detail = rejected.Reason });
                Apply(row.PayoutId, new PayoutCommand.AbandonSend(attemptId, rejected.Reason, rejected.Culprit), context);
            }
            else
            {
                Assert.True(prepared.References.ContainsKey(row.PayoutId), $"the rail gave payout {row.PayoutId} no reference");
                rows.Add(row with { State = AttemptPayoutState.Prepared, Reference = prepared.References[row.PayoutId] });
            }
        }
        Attempts[attemptId] = Settle(attempt with { State = AttemptState.Prepared, Artifact = prepared.Artifact, Payouts = rows });
        return Task.FromResult<SendAttempt?>(Attempts[attemptId]);
    }

    public Task<SendAttempt?> AttemptRecord(string attemptId, ProcessorLease? fence, IReadOnlyDictionary<string, SendOutcome> outcomes,
        TransitionContext context, CancellationToken ct)
    {
        CallLog.Add("store.record");
        if (fence is not null && !Fenced(fence))
            return Task.FromResult<SendAttempt?>(null);
        if (!Attempts.TryGetValue(attemptId, out var attempt))
            return Task.FromResult<SendAttempt?>(null);
        var rows = attempt.Payouts.ToList();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (!outcomes.TryGetValue(row.PayoutId, out var outcome) || !row.IsLive) continue;
            switch (outcome)
            {
                case SendOutcome.Sent sent:
                    rows[i] = row with { State = AttemptPayoutState.Sent, Detail = sent.Detail };
                    break;
                case SendOutcome.InFlight flight:
                    rows[i] = row with { State = AttemptPayoutState.InFlight, Detail = flight.Detail };
                    break;
                case SendOutcome.Unknown unknown:
                    rows[i] = row with { State = AttemptPayoutState.Unknown, Detail = unknown.Reason };
                    break;
                case SendOutcome.NotFound:
                    break;
                case SendOutcome.Succeeded done:
                    rows[i] = row with { State = AttemptPayoutState.Succeeded, Detail = null };
                    Apply(row.PayoutId, new PayoutCommand.ConfirmSend(attemptId, done.ProofJson), context);
                    break;
                case SendOutcome.NotSent notSent:
                    rows[i] = row with { State = AttemptPayoutState.Failed, Detail = notSent.Reason };
                    Apply(row.PayoutId, new PayoutCommand.AbandonSend(attemptId, notSent.Reason, notSent.Culprit), context);
                    break;
            }
        }
        Attempts[attemptId] = Settle(attempt with { Payouts = rows });
        return Task.FromResult<SendAttempt?>(Attempts[attemptId]);
    }

    public Task<bool> AttemptReplaceArtifact(string attemptId, string expected, string replacement, DateTimeOffset now, CancellationToken ct)
    {
        CallLog.Add("store.replace");
        if (!Attempts.TryGetValue(attemptId, out var attempt) || attempt.State != AttemptState.Prepared || attempt.Artifact != expected)
            return Task.FromResult(false);
        Attempts[attemptId] = attempt with { Artifact = replacement };
        return Task.FromResult(true);
    }

    public Task<bool> AttemptAbandonClaimed(string attemptId, TransitionContext context, CancellationToken ct)
    {
        CallLog.Add("store.abandon");
        var attempt = Attempts[attemptId];
        if (attempt.State != AttemptState.Claimed)
            return Task.FromResult(false);
        const string Reason = "its node stopped before building the send; nothing was sent";
        var rows = new List<AttemptPayout>();
        foreach (var row in attempt.Payouts)
        {
            if (row.IsLive)
                Apply(row.PayoutId, new PayoutCommand.AbandonSend(attemptId, Reason, CountsAsFailure: false), context);
            rows.Add(row.IsLive ? row with { State = AttemptPayoutState.Failed, Detail = Reason } : row);
        }
        Attempts[attemptId] = attempt with { State = AttemptState.Done, Payouts = rows };
        return Task.FromResult(true);
    }

    public Task<IReadOnlyList<SendAttempt>> AttemptListUnfinished(int limit, CancellationToken ct)
    {
        CallLog.Add("store.list-unfinished");
        return Task.FromResult<IReadOnlyList<SendAttempt>>(Attempts.Values.Where(a => a.State != AttemptState.Done)
            .OrderBy(a => a.CreatedAt).ThenBy(a => a.Id, StringComparer.Ordinal).Take(limit).ToList());
    }

    public Task<SendAttempt?> AttemptGetById(string attemptId, CancellationToken ct) =>
        Task.FromResult(Attempts.GetValueOrDefault(attemptId));

    // ---------------------------------------------------------------- helpers

    private bool Fenced(ProcessorLease lease) => LiveLeases.Contains((lease.StoreId, lease.MethodId, lease.Epoch, lease.NodeId));

    private bool HasLiveRow(string payoutId) => Attempts.Values.SelectMany(a => a.Payouts).Any(p => p.PayoutId == payoutId && p.IsLive);

    private static SendAttempt Settle(SendAttempt attempt) =>
        attempt.State == AttemptState.Prepared && attempt.Payouts.All(p => !p.IsLive) ? attempt with { State = AttemptState.Done } : attempt;

    /// <summary>The real store's conditional write: Core decides, and only a Changed outcome is written.</summary>
    private bool Apply(string payoutId, PayoutCommand command, TransitionContext context)
    {
        if (PayoutLifecycle.Transition(Payouts[payoutId], command, context) is not TransitionOutcome.Changed changed)
            return false;
        Payouts[payoutId] = changed.Next;
        Events.Add(changed.Event);
        return true;
    }
}

using System.Data.Common;
using Dapper;
using Npgsql;
using Payouts.Contracts;
using Payouts.Core;
using Payouts.Core.Payouts;
using Payouts.Core.Processors;
using Payouts.Core.Sending;
using Payouts.Storage.Tests.Support;

namespace Payouts.Storage.Tests;

/// <summary>
/// The durable side of the send protocol (DESIGN §4), written once and run on both engines: leases and their fencing
/// epochs, claim, prepare (only from claimed), record, abandon. Lease expiry is judged by the database clock, which
/// the store does not let a caller move, so an expired lease is made by acquiring it with a TTL that already ended.
/// PostgreSQL-only behaviour (row locks, SKIP LOCKED) is in <see cref="PostgresSendStoreTests"/>.
/// </summary>
public abstract partial class SendStoreTests : EngineTestBase
{
    protected const string NodeA = "node-a";
    protected const string NodeB = "node-b";
    protected static readonly PayoutMethodId Chain = PayoutMethodId.BtcChain;
    protected static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    /// <summary>A lease whose end is already behind the database clock: expired the moment it is taken.</summary>
    protected static readonly TimeSpan TtlAlreadyOver = TimeSpan.FromMinutes(-1);

    protected static readonly TransitionContext ByNodeA = new(Actor.Processor(NodeA), ProcessorActive: true, T0);

    protected static readonly Func<ClaimCandidates, IReadOnlyList<Payout>> TakeAll = c => c.Waiting;

    protected sealed record World(Database Db, string ConnectionString, SqlPayoutsStore Payouts, SqlSendStore Send);

    /// <summary>A database with stores s1… and an on-chain processor for each, due now.</summary>
    protected async Task<World> NewWorldAsync(bool instantly = false, int stores = 1)
    {
        var (db, connectionString) = await NewDatabaseAsync();
        var payouts = new SqlPayoutsStore(db);
        for (var i = 1; i <= stores; i++)
        {
            await payouts.StoreCreate(new Core.Stores.Store($"s{i}", $"Store {i}", T0), null, Ct);
            await payouts.ProcessorUpsert(Settings($"s{i}", instantly), Ct);
        }
        return new World(db, connectionString, payouts, new SqlSendStore(db));
    }

    protected static ProcessorSettings Settings(string storeId, bool instantly = false) => new()
    {
        StoreId = storeId,
        MethodId = Chain,
        Type = ProcessorType.OnChain,
        IntervalSeconds = 3600,
        ProcessNewPayoutsInstantly = instantly,
        Threshold = 0m,
        CreatedAt = T0,
        UpdatedAt = T0,
    };

    /// <summary>Approved payouts p1, p2, … (p1 oldest) of <paramref name="storeId"/>, each to its own address.</summary>
    protected async Task<IReadOnlyList<Payout>> AddWaitingAsync(World w, string storeId, params decimal[] amounts)
    {
        var added = new List<Payout>();
        foreach (var amount in amounts)
        {
            var n = added.Count + 1;
            var payout = new Payout
            {
                Id = $"{storeId}-p{n}",
                StoreId = storeId,
                MethodId = Chain,
                Destination = Addresses.For($"{storeId}dest{n}"),
                OriginalAmount = amount,
                OriginalCurrency = "BTC",
                PayoutCurrency = "BTC",
                PayoutAmount = amount,
                Rate = 1m,
                State = PayoutState.AwaitingPayment,
                Revision = 0,
                CreatedAt = T0.AddMinutes(n),
                UpdatedAt = T0.AddMinutes(n),
            };
            var created = new PayoutEvent(payout.Id, storeId, 0, null, payout.State, "api-key:t", false, payout.CreatedAt, "created");
            Assert.Equal(Core.Ports.PayoutInsertResult.Inserted, await w.Payouts.PayoutCreate(payout, created, null, Ct));
            added.Add(payout);
        }
        return added;
    }

    protected async Task<ProcessorLease> AcquireAsync(World w, string node = NodeA, TimeSpan? ttl = null) =>
        Assert.Single(await w.Send.ProcessorLeaseAcquire(node, ttl ?? Ttl, 10, Ct));

    protected async Task<SendAttempt> ClaimAsync(World w, ProcessorLease lease, Func<ClaimCandidates, IReadOnlyList<Payout>>? plan = null) =>
        Assert.IsType<ClaimResult.Claimed>(await w.Send.AttemptClaim(lease, new HashSet<string>(), ProcessorRun.CandidatesMax,
            plan ?? TakeAll, ByNodeA, Ct)).Attempt;

    /// <summary>Commits an artifact: references r-&lt;payout&gt;, minus the rejected ones.</summary>
    protected static PrepareResult Prepared(SendAttempt attempt, Dictionary<string, SendOutcome.NotSent>? rejected = null)
    {
        rejected ??= [];
        return new PrepareResult($"artifact-{attempt.Id}",
            attempt.Payouts.Where(p => !rejected.ContainsKey(p.PayoutId)).ToDictionary(p => p.PayoutId, p => $"r-{p.PayoutId}"), rejected);
    }

    protected async Task<SendAttempt> ClaimAndPrepareAsync(World w, ProcessorLease lease)
    {
        var attempt = await ClaimAsync(w, lease);
        return Assert.IsType<SendAttempt>(await w.Send.AttemptPrepare(lease, attempt.Id, Prepared(attempt), ByNodeA, Ct));
    }

    protected async Task<Payout> PayoutAsync(World w, string id) => Assert.IsType<Payout>(await w.Payouts.PayoutGetById(id, Ct));

    protected sealed class ProcessorState
    {
        public string? LeaseOwner { get; set; }
        public long? LeaseUntilMs { get; set; }
        public long Epoch { get; set; }
        public long NextRunAtMs { get; set; }
    }

    protected async Task<ProcessorState> ProcessorStateAsync(World w, string storeId)
    {
        await using var c = await w.Db.Open(Ct);
        return await c.QuerySingleAsync<ProcessorState>(new CommandDefinition(
            "SELECT lease_owner AS LeaseOwner, lease_until_ms AS LeaseUntilMs, epoch AS Epoch, next_run_at_ms AS NextRunAtMs FROM processors WHERE store_id = @s",
            new { s = storeId }, cancellationToken: Ct));
    }

    /// <summary>Reads the machine clock around <paramref name="action"/>: what the database clock said in between.</summary>
    protected static async Task<(DateTimeOffset Before, DateTimeOffset After)> Bracket(Func<Task> action)
    {
        var before = DateTimeOffset.UtcNow;
        await action();
        return (before, DateTimeOffset.UtcNow);
    }

    private static void AssertWithin(DateTimeOffset actual, DateTimeOffset from, DateTimeOffset to)
    {
        // The database and the test read the same machine clock; a second either way absorbs millisecond rounding.
        Assert.InRange(actual, from.AddSeconds(-1), to.AddSeconds(1));
    }

    // ---------------------------------------------------------------- leases

    [StoreFact]
    public async Task LeaseAcquireBumpsTheEpochAndSetsTheOwner()
    {
        var w = await NewWorldAsync();
        // A processor starts at its creation time in ms, so a recreated one never reuses an old epoch.
        var created = (await ProcessorStateAsync(w, "s1")).Epoch;
        Assert.True(created > 0);

        ProcessorLease lease = null!;
        var (before, after) = await Bracket(async () => lease = await AcquireAsync(w));

        Assert.Equal("s1", lease.StoreId);
        Assert.Equal(Chain, lease.MethodId);
        Assert.Equal(created + 1, lease.Epoch);
        Assert.Equal(NodeA, lease.NodeId);
        AssertWithin(lease.LeaseUntil, before + Ttl, after + Ttl);
        // Records compare lists by reference: the policy's lists are checked apart.
        Assert.Equal(Settings("s1") with { Policy = lease.Settings.Policy }, lease.Settings);
        Assert.Equal(ProcessorPolicy.BatchSizeDefault, lease.Settings.Policy.BatchSizeMax);
        Assert.Empty(lease.Settings.Policy.DeniedDestinations);
        var state = await ProcessorStateAsync(w, "s1");
        Assert.Equal(NodeA, state.LeaseOwner);
        Assert.Equal(created + 1, state.Epoch);
        Assert.Equal(lease.LeaseUntil.ToUnixTimeMilliseconds(), state.LeaseUntilMs);
        Assert.True(await w.Send.ProcessorLeaseIsLive("s1", Chain, created + 1, Ct));
    }

    [StoreFact]
    public async Task OwnerReacquiringItsDueLeaseGetsANewEpochAndFencesTheOldOne()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var first = await AcquireAsync(w);

        var second = await AcquireAsync(w);

        Assert.Equal(first.Epoch + 1, second.Epoch);
        Assert.False(await w.Send.ProcessorLeaseIsLive("s1", Chain, first.Epoch, Ct));
        Assert.IsType<ClaimResult.LeaseLost>(await w.Send.AttemptClaim(first, new HashSet<string>(), 10, TakeAll, ByNodeA, Ct));
    }

    [StoreFact]
    public async Task SecondNodeCannotAcquireAnUnexpiredLease()
    {
        var w = await NewWorldAsync();
        var lease = await AcquireAsync(w, NodeA);

        Assert.Empty(await w.Send.ProcessorLeaseAcquire(NodeB, Ttl, 10, Ct));

        var state = await ProcessorStateAsync(w, "s1");
        Assert.Equal(NodeA, state.LeaseOwner);
        Assert.Equal(lease.Epoch, state.Epoch);
    }

    [StoreFact]
    public async Task ExpiredLeaseIsTakenOverWithAHigherEpoch()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var dead = await AcquireAsync(w, NodeA, TtlAlreadyOver);
        Assert.False(await w.Send.ProcessorLeaseIsLive("s1", Chain, dead.Epoch, Ct));

        var taken = await AcquireAsync(w, NodeB);

        Assert.Equal(NodeB, taken.NodeId);
        Assert.True(taken.Epoch > dead.Epoch);
        Assert.True(await w.Send.ProcessorLeaseIsLive("s1", Chain, taken.Epoch, Ct));
        Assert.False(await w.Send.ProcessorLeaseIsLive("s1", Chain, dead.Epoch, Ct));
        // The old holder is fenced out of every write: claim, prepare and release.
        Assert.IsType<ClaimResult.LeaseLost>(await w.Send.AttemptClaim(dead, new HashSet<string>(), 10, TakeAll, ByNodeA, Ct));
        Assert.False(await w.Send.ProcessorLeaseRelease(dead, TimeSpan.FromHours(1), Ct));
        Assert.Equal(NodeB, (await ProcessorStateAsync(w, "s1")).LeaseOwner);
        Assert.IsType<ClaimResult.Claimed>(await w.Send.AttemptClaim(taken, new HashSet<string>(), 10, TakeAll, ByNodeA, Ct));
    }

    [StoreFact]
    public async Task ExpiredLeaseFencesItsOwnHolderToo()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w, NodeA, TtlAlreadyOver);

        Assert.IsType<ClaimResult.LeaseLost>(await w.Send.AttemptClaim(lease, new HashSet<string>(), 10, TakeAll, ByNodeA, Ct));

        Assert.Equal(PayoutState.AwaitingPayment, (await PayoutAsync(w, "s1-p1")).State);
    }

    [StoreFact]
    public async Task ReleaseSchedulesTheNextRunAfterTheInterval()
    {
        var w = await NewWorldAsync();
        var lease = await AcquireAsync(w);
        var interval = TimeSpan.FromSeconds(lease.Settings.IntervalSeconds);

        var released = false;
        var (before, after) = await Bracket(async () => released = await w.Send.ProcessorLeaseRelease(lease, interval, Ct));

        Assert.True(released);
        var state = await ProcessorStateAsync(w, "s1");
        Assert.Null(state.LeaseOwner);
        Assert.Null(state.LeaseUntilMs);
        AssertWithin(DateTimeOffset.FromUnixTimeMilliseconds(state.NextRunAtMs), before + interval, after + interval);
        Assert.False(await w.Send.ProcessorLeaseIsLive("s1", Chain, lease.Epoch, Ct));
        // Not due again until then, for any node.
        Assert.Empty(await w.Send.ProcessorLeaseAcquire(NodeA, Ttl, 10, Ct));
        Assert.Empty(await w.Send.ProcessorLeaseAcquire(NodeB, Ttl, 10, Ct));
        // Releasing twice does nothing the second time.
        Assert.False(await w.Send.ProcessorLeaseRelease(lease, TimeSpan.Zero, Ct));
        Assert.Equal(state.NextRunAtMs, (await ProcessorStateAsync(w, "s1")).NextRunAtMs);
    }

    [StoreFact]
    public async Task NudgeDuringARunMakesTheNextRunDueAtOnce()
    {
        var w = await NewWorldAsync(instantly: true);
        var lease = await AcquireAsync(w);

        await w.Send.ProcessorNudge("s1", Chain, Ct);
        var (before, after) = await Bracket(() => w.Send.ProcessorLeaseRelease(lease, TimeSpan.FromHours(1), Ct));

        var state = await ProcessorStateAsync(w, "s1");
        AssertWithin(DateTimeOffset.FromUnixTimeMilliseconds(state.NextRunAtMs), before, after);
        var next = await AcquireAsync(w, NodeB);
        Assert.Equal(lease.Epoch + 1, next.Epoch);
    }

    [StoreFact]
    public async Task NudgeOfAnIdleProcessorMakesItDueNow()
    {
        var w = await NewWorldAsync(instantly: true);
        Assert.True(await w.Send.ProcessorLeaseRelease(await AcquireAsync(w), TimeSpan.FromHours(1), Ct));
        Assert.Empty(await w.Send.ProcessorLeaseAcquire(NodeA, Ttl, 10, Ct));

        await w.Send.ProcessorNudge("s1", Chain, Ct);

        Assert.Single(await w.Send.ProcessorLeaseAcquire(NodeA, Ttl, 10, Ct));
    }

    [StoreFact]
    public async Task NudgeIsIgnoredWithoutProcessNewPayoutsInstantly()
    {
        var w = await NewWorldAsync(instantly: false);
        var lease = await AcquireAsync(w);

        await w.Send.ProcessorNudge("s1", Chain, Ct);
        var (before, after) = await Bracket(() => w.Send.ProcessorLeaseRelease(lease, TimeSpan.FromHours(1), Ct));

        var state = await ProcessorStateAsync(w, "s1");
        AssertWithin(DateTimeOffset.FromUnixTimeMilliseconds(state.NextRunAtMs), before.AddHours(1), after.AddHours(1));
        await w.Send.ProcessorNudge("s1", Chain, Ct);
        Assert.Empty(await w.Send.ProcessorLeaseAcquire(NodeA, Ttl, 10, Ct));
    }

    [StoreFact]
    public async Task NudgeBeforeTheRunStartsDoesNotScheduleAnExtraRun()
    {
        // The acquisition clears the nudge: the run that starts sees those payouts anyway.
        var w = await NewWorldAsync(instantly: true);
        await w.Send.ProcessorNudge("s1", Chain, Ct);
        var lease = await AcquireAsync(w);

        Assert.True(await w.Send.ProcessorLeaseRelease(lease, TimeSpan.FromHours(1), Ct));

        Assert.Empty(await w.Send.ProcessorLeaseAcquire(NodeA, Ttl, 10, Ct));
    }

    [StoreFact]
    public async Task LeaseAcquireTakesAtMostTheLimit()
    {
        var w = await NewWorldAsync(stores: 3);

        var leases = await w.Send.ProcessorLeaseAcquire(NodeA, Ttl, 2, Ct);
        var rest = await w.Send.ProcessorLeaseAcquire(NodeB, Ttl, 2, Ct);

        Assert.Equal(2, leases.Count);
        Assert.Single(rest);
        Assert.Equal(["s1", "s2", "s3"], leases.Concat(rest).Select(l => l.StoreId).Order(StringComparer.Ordinal));
    }

    [StoreFact]
    public async Task ProcessorIsEnabledOnlyWhereOneIsConfigured()
    {
        var w = await NewWorldAsync();

        Assert.True(await w.Send.ProcessorIsEnabled("s1", Chain, Ct));
        Assert.False(await w.Send.ProcessorIsEnabled("s1", PayoutMethodId.BtcLightning, Ct));
        Assert.False(await w.Send.ProcessorIsEnabled("s2", Chain, Ct));
    }

    // ---------------------------------------------------------------- claim

    [StoreFact]
    public async Task ClaimWithAStaleEpochIsLeaseLostAndChangesNothing()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m);
        var stale = await AcquireAsync(w, NodeA, TtlAlreadyOver);
        await AcquireAsync(w, NodeB);
        var planCalled = false;

        var result = await w.Send.AttemptClaim(stale, new HashSet<string>(), 10, c =>
        {
            planCalled = true;
            return c.Waiting;
        }, ByNodeA, Ct);

        Assert.IsType<ClaimResult.LeaseLost>(result);
        Assert.False(planCalled);
        Assert.Empty(await w.Send.AttemptListUnfinished(10, Ct));
        foreach (var id in new[] { "s1-p1", "s1-p2" })
        {
            var payout = await PayoutAsync(w, id);
            Assert.Equal(PayoutState.AwaitingPayment, payout.State);
            Assert.Equal(0, payout.Revision);
            Assert.Single(await w.Payouts.PayoutEventList(id, Ct));
        }
    }

    [StoreFact]
    public async Task ClaimMovesTheChosenPayoutsToInProgressWithEventsAndAttemptRows()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m, 0.003m);
        var lease = await AcquireAsync(w);
        ClaimCandidates? seen = null;

        var attempt = await ClaimAsync(w, lease, c =>
        {
            seen = c;
            return [c.Waiting[0], c.Waiting[2]];
        });

        // The plan saw every waiting payout, oldest first, and nothing sent today.
        Assert.NotNull(seen);
        Assert.Equal(["s1-p1", "s1-p2", "s1-p3"], seen.Waiting.Select(p => p.Id));
        Assert.Equal(0m, seen.SentTodayTotal);

        Assert.Equal(AttemptState.Claimed, attempt.State);
        Assert.Equal(lease.Epoch, attempt.Epoch);
        Assert.Equal(NodeA, attempt.NodeId);
        Assert.Null(attempt.Artifact);
        Assert.Equal(
            [
                new AttemptPayout("s1-p1", Addresses.For("s1dest1"), 0.001m, AttemptPayoutState.Claimed, null, null),
                new AttemptPayout("s1-p3", Addresses.For("s1dest3"), 0.003m, AttemptPayoutState.Claimed, null, null),
            ],
            attempt.Payouts);
        var stored = Assert.IsType<SendAttempt>(await w.Send.AttemptGetById(attempt.Id, Ct));
        Assert.Equal(attempt.Payouts, stored.Payouts);
        Assert.Equal(attempt with { Payouts = stored.Payouts }, stored);
        Assert.Equal([attempt.Id], (await w.Send.AttemptListUnfinished(10, Ct)).Select(a => a.Id));

        foreach (var id in new[] { "s1-p1", "s1-p3" })
        {
            var payout = await PayoutAsync(w, id);
            Assert.Equal(PayoutState.InProgress, payout.State);
            Assert.Equal(1, payout.Revision);
            var claimed = (await w.Payouts.PayoutEventList(id, Ct)).Last();
            Assert.Equal(PayoutState.AwaitingPayment, claimed.From);
            Assert.Equal(PayoutState.InProgress, claimed.To);
            Assert.Equal("processor:node-a", claimed.Actor);
            Assert.True(claimed.ProcessorAuto);
            Assert.Equal(1, claimed.Revision);
            Assert.Contains(attempt.Id, claimed.Detail, StringComparison.Ordinal);
        }
        Assert.Equal(PayoutState.AwaitingPayment, (await PayoutAsync(w, "s1-p2")).State);
    }

    [StoreFact]
    public async Task ClaimWithNothingWaitingOrNothingChosenClaimsNothing()
    {
        var w = await NewWorldAsync();
        var lease = await AcquireAsync(w);

        Assert.IsType<ClaimResult.Nothing>(await w.Send.AttemptClaim(lease, new HashSet<string>(), 10, TakeAll, ByNodeA, Ct));
        await AddWaitingAsync(w, "s1", 0.001m);
        Assert.IsType<ClaimResult.Nothing>(await w.Send.AttemptClaim(lease, new HashSet<string>(), 10, _ => [], ByNodeA, Ct));

        Assert.Empty(await w.Send.AttemptListUnfinished(10, Ct));
        Assert.Equal(PayoutState.AwaitingPayment, (await PayoutAsync(w, "s1-p1")).State);
    }

    [StoreFact]
    public async Task ClaimSeesOnlyItsStoreAndMethodAndAtMostTheCandidateLimit()
    {
        var w = await NewWorldAsync(stores: 2);
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m, 0.003m);
        await AddWaitingAsync(w, "s2", 0.004m);
        var lease = (await w.Send.ProcessorLeaseAcquire(NodeA, Ttl, 10, Ct)).Single(l => l.StoreId == "s1");
        ClaimCandidates? seen = null;

        await w.Send.AttemptClaim(lease, new HashSet<string>(), 2, c =>
        {
            seen = c;
            return c.Waiting;
        }, ByNodeA, Ct);

        Assert.Equal(["s1-p1", "s1-p2"], seen!.Waiting.Select(p => p.Id));
    }

    [StoreFact]
    public async Task SentTodayCountsEarlierAttemptsButNotFailedPayouts()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.1m, 0.2m, 0.4m);
        var lease = await AcquireAsync(w);
        var first = await ClaimAsync(w, lease, c => [c.Waiting[0], c.Waiting[1]]);
        await w.Send.AttemptPrepare(lease, first.Id, Prepared(first), ByNodeA, Ct);
        await w.Send.AttemptRecord(first.Id, fence: null, new Dictionary<string, SendOutcome>
        {
            ["s1-p1"] = new SendOutcome.Sent(null),
            ["s1-p2"] = new SendOutcome.NotSent("refused", Culprit: false),
        }, ByNodeA, Ct);
        ClaimCandidates? seen = null;

        await w.Send.AttemptClaim(lease, new HashSet<string>(), 10, c =>
        {
            seen = c;
            return [];
        }, ByNodeA, Ct);

        Assert.Equal(0.1m, seen!.SentTodayTotal);
        Assert.Equal(["s1-p2", "s1-p3"], seen.Waiting.Select(p => p.Id));
    }

    [StoreFact]
    public async Task UniqueIndexRefusesASecondLiveAttemptRowForOnePayout()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        await ClaimAsync(w, lease);
        await using var c = await w.Db.Open(Ct);
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO send_attempts (id, store_id, payout_method_id, epoch, node_id, state, artifact, created_at_ms, updated_at_ms) " +
            "VALUES ('other', 's1', 'BTC-CHAIN', 1, 'node-x', 'claimed', NULL, 0, 0)", cancellationToken: Ct));
        const string InsertRow = "INSERT INTO send_attempt_payouts (attempt_id, payout_id, destination, amount, state, reference, detail, updated_at_ms) " +
            "VALUES ('other', 's1-p1', 'x', 1, @State, NULL, NULL, 0)";

        foreach (var live in new[] { "claimed", "prepared", "sent", "in_flight", "unknown" })
        {
            var refused = await Assert.ThrowsAnyAsync<DbException>(() =>
                c.ExecuteAsync(new CommandDefinition(InsertRow, new { State = live }, cancellationToken: Ct)));
            Assert.Contains("send_attempt_payouts", refused.Message, StringComparison.Ordinal);
        }
        // An ended row does not hold the payout.
        Assert.Equal(1, await c.ExecuteAsync(new CommandDefinition(InsertRow, new { State = "failed" }, cancellationToken: Ct)));
    }

    [StoreFact]
    public async Task ClaimOfAPayoutThatStillHasALiveAttemptFailsAndWritesNothing()
    {
        // Goal: even if a payout is put back to AwaitingPayment while its attempt is live (by hand, with the processor
        // switched off), no second attempt can hold it. How: move it back behind the store's back, then claim.
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m);
        var lease = await AcquireAsync(w);
        var first = await ClaimAsync(w, lease, c => [c.Waiting[0]]);
        await using (var c = await w.Db.Open(Ct))
            await c.ExecuteAsync(new CommandDefinition("UPDATE payouts SET state = 'AwaitingPayment', revision = 2 WHERE id = 's1-p1'",
                cancellationToken: Ct));

        await Assert.ThrowsAnyAsync<DbException>(() => w.Send.AttemptClaim(lease, new HashSet<string>(), 10, TakeAll, ByNodeA, Ct));

        Assert.Equal([first.Id], (await w.Send.AttemptListUnfinished(10, Ct)).Select(a => a.Id));
        Assert.Equal(PayoutState.AwaitingPayment, (await PayoutAsync(w, "s1-p2")).State);
        Assert.Equal(0, (await PayoutAsync(w, "s1-p2")).Revision);
    }

    // ---------------------------------------------------------------- prepare and abandon

    [StoreFact]
    public async Task PrepareCommitsTheArtifactAndReturnsTheRejectedPayouts()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m, 0.003m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAsync(w, lease);
        var prepared = Prepared(attempt, new Dictionary<string, SendOutcome.NotSent>
        {
            ["s1-p1"] = new("insufficient funds for this payout", Culprit: true),
            ["s1-p2"] = new("the wallet cannot fund it", Culprit: false),
        });

        var committed = Assert.IsType<SendAttempt>(await w.Send.AttemptPrepare(lease, attempt.Id, prepared, ByNodeA, Ct));

        Assert.Equal(AttemptState.Prepared, committed.State);
        Assert.Equal($"artifact-{attempt.Id}", committed.Artifact);
        Assert.Equal(
            [
                new AttemptPayout("s1-p1", Addresses.For("s1dest1"), 0.001m, AttemptPayoutState.Failed, null, "insufficient funds for this payout"),
                new AttemptPayout("s1-p2", Addresses.For("s1dest2"), 0.002m, AttemptPayoutState.Failed, null, "the wallet cannot fund it"),
                new AttemptPayout("s1-p3", Addresses.For("s1dest3"), 0.003m, AttemptPayoutState.Prepared, "r-s1-p3", null),
            ],
            committed.Payouts);
        Assert.Equal(committed.Payouts, (await w.Send.AttemptGetById(attempt.Id, Ct))!.Payouts);
        var culprit = await PayoutAsync(w, "s1-p1");
        Assert.Equal((PayoutState.AwaitingPayment, 1, 2), (culprit.State, culprit.ErrorCount, culprit.Revision));
        var mate = await PayoutAsync(w, "s1-p2");
        Assert.Equal((PayoutState.AwaitingPayment, 0, 2), (mate.State, mate.ErrorCount, mate.Revision));
        Assert.Equal(PayoutState.InProgress, (await PayoutAsync(w, "s1-p3")).State);
        var returned = (await w.Payouts.PayoutEventList("s1-p1", Ct)).Last();
        Assert.Equal((PayoutState.InProgress, PayoutState.AwaitingPayment, "processor:node-a", true),
            (returned.From!.Value, returned.To, returned.Actor, returned.ProcessorAuto));
    }

    [StoreFact]
    public async Task PrepareWithEverythingRejectedFinishesTheAttempt()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAsync(w, lease);

        var committed = await w.Send.AttemptPrepare(lease, attempt.Id,
            Prepared(attempt, new Dictionary<string, SendOutcome.NotSent> { ["s1-p1"] = new("no", Culprit: true) }), ByNodeA, Ct);

        Assert.Equal(AttemptState.Done, committed!.State);
        Assert.Empty(await w.Send.AttemptListUnfinished(10, Ct));
    }

    [StoreFact]
    public async Task PrepareAfterTheAttemptWasAbandonedReturnsNullAndChangesNothing()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAsync(w, lease);
        var byReconciler = new TransitionContext(Actor.Processor("node-r"), true, T0);

        Assert.True(await w.Send.AttemptAbandonClaimed(attempt.Id, byReconciler, Ct));
        var afterAbandon = await w.Send.AttemptGetById(attempt.Id, Ct);
        var prepared = await w.Send.AttemptPrepare(lease, attempt.Id, Prepared(attempt), ByNodeA, Ct);

        Assert.Null(prepared);
        var stored = Assert.IsType<SendAttempt>(await w.Send.AttemptGetById(attempt.Id, Ct));
        Assert.Equal(AttemptState.Done, stored.State);
        Assert.Null(stored.Artifact);
        Assert.Equal(afterAbandon!.Payouts, stored.Payouts);
        Assert.All(stored.Payouts, p => Assert.Equal((AttemptPayoutState.Failed, (string?)null), (p.State, p.Reference)));
        foreach (var id in new[] { "s1-p1", "s1-p2" })
        {
            var payout = await PayoutAsync(w, id);
            // Back to waiting without a failure counted: nothing about the payout was wrong.
            Assert.Equal((PayoutState.AwaitingPayment, 0, 2), (payout.State, payout.ErrorCount, payout.Revision));
            var events = await w.Payouts.PayoutEventList(id, Ct);
            Assert.Equal(3, events.Count);
            Assert.Equal(("processor:node-r", true), (events[^1].Actor, events[^1].ProcessorAuto));
        }
        Assert.Empty(await w.Send.AttemptListUnfinished(10, Ct));
    }

    [StoreFact]
    public async Task PrepareWithALostLeaseReturnsNullAndLeavesTheAttemptClaimed()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAsync(w, lease);
        await AcquireAsync(w, NodeA); // a new epoch

        Assert.Null(await w.Send.AttemptPrepare(lease, attempt.Id, Prepared(attempt), ByNodeA, Ct));

        var stored = await w.Send.AttemptGetById(attempt.Id, Ct);
        Assert.Equal(AttemptState.Claimed, stored!.State);
        Assert.Null(stored.Artifact);
        Assert.All(stored.Payouts, p => Assert.Equal(AttemptPayoutState.Claimed, p.State));
        Assert.False(await w.Send.ProcessorLeaseIsLive("s1", Chain, attempt.Epoch, Ct));
    }

    [StoreFact]
    public async Task AbandonAfterPrepareDoesNothing()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAndPrepareAsync(w, lease);

        Assert.False(await w.Send.AttemptAbandonClaimed(attempt.Id, ByNodeA, Ct));
        Assert.False(await w.Send.AttemptAbandonClaimed(attempt.Id, ByNodeA, Ct));

        var stored = Assert.IsType<SendAttempt>(await w.Send.AttemptGetById(attempt.Id, Ct));
        Assert.Equal(attempt with { Payouts = stored.Payouts }, stored);
        Assert.Equal(attempt.Payouts, stored.Payouts);
        Assert.All(stored.Payouts, p => Assert.Equal(AttemptPayoutState.Prepared, p.State));
        Assert.Equal(PayoutState.InProgress, (await PayoutAsync(w, "s1-p1")).State);
    }

    [StoreFact]
    public async Task AbandonTwiceReturnsThePayoutsOnce()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAsync(w, lease);

        var results = await RunTogether(Enumerable.Range(0, 4).Select<int, Func<Task<bool>>>(_ => () =>
            w.Send.AttemptAbandonClaimed(attempt.Id, ByNodeA, Ct)));

        Assert.Single(results, r => r);
        Assert.Equal(2, (await PayoutAsync(w, "s1-p1")).Revision);
    }

    // ---------------------------------------------------------------- record

    [StoreFact]
    public async Task RecordSucceededCompletesThePayoutWithItsProof()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAndPrepareAsync(w, lease);
        const string Proof = "{\"proofType\":\"PayoutTransactionOnChainBlob\",\"transactionId\":\"abc\"}";

        var recorded = await w.Send.AttemptRecord(attempt.Id, fence: null,
            new Dictionary<string, SendOutcome> { ["s1-p1"] = new SendOutcome.Succeeded(Proof) }, ByNodeA, Ct);

        Assert.Equal(AttemptState.Done, recorded!.State);
        var row = Assert.Single(recorded.Payouts);
        Assert.Equal(AttemptPayoutState.Succeeded, row.State);
        Assert.Equal("r-s1-p1", row.Reference); // an outcome never erases the reference
        var payout = await PayoutAsync(w, "s1-p1");
        Assert.Equal(PayoutState.Completed, payout.State);
        Assert.Equal(Proof, payout.PaymentProofJson);
        var completed = (await w.Payouts.PayoutEventList("s1-p1", Ct)).Last();
        Assert.Equal((PayoutState.InProgress, PayoutState.Completed, "processor:node-a", true),
            (completed.From!.Value, completed.To, completed.Actor, completed.ProcessorAuto));
        Assert.Empty(await w.Send.AttemptListUnfinished(10, Ct));
    }

    [StoreFact]
    public async Task RecordNotSentReturnsThePayoutCountingOnlyTheCulprit()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAndPrepareAsync(w, lease);

        var recorded = await w.Send.AttemptRecord(attempt.Id, fence: null, new Dictionary<string, SendOutcome>
        {
            ["s1-p1"] = new SendOutcome.NotSent("rejected (trigger 400)", Culprit: true),
            ["s1-p2"] = new SendOutcome.NotSent("rejected (trigger 400)", Culprit: false),
        }, ByNodeA, Ct);

        Assert.Equal(AttemptState.Done, recorded!.State);
        Assert.All(recorded.Payouts, p => Assert.Equal(AttemptPayoutState.Failed, p.State));
        var culprit = await PayoutAsync(w, "s1-p1");
        Assert.Equal((PayoutState.AwaitingPayment, 1), (culprit.State, culprit.ErrorCount));
        var mate = await PayoutAsync(w, "s1-p2");
        Assert.Equal((PayoutState.AwaitingPayment, 0), (mate.State, mate.ErrorCount));
        Assert.Contains("rejected (trigger 400)", (await w.Payouts.PayoutEventList("s1-p1", Ct)).Last().Detail, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task TheProcessorsCancelPayoutAfterFailuresCancelsTheCulpritOnly()
    {
        // Goal: Greenfield's cancelPayoutAfterFailures is applied where the failure is recorded, in the same transaction.
        var w = await NewWorldAsync();
        await w.Payouts.ProcessorUpsert(Settings("s1") with { CancelPayoutAfterFailures = 1 }, Ct);
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAndPrepareAsync(w, lease);

        await w.Send.AttemptRecord(attempt.Id, fence: null, new Dictionary<string, SendOutcome>
        {
            ["s1-p1"] = new SendOutcome.NotSent("no route", Culprit: true),
            ["s1-p2"] = new SendOutcome.NotSent("node unreachable", Culprit: false),
        }, ByNodeA, Ct);

        var culprit = await PayoutAsync(w, "s1-p1");
        Assert.Equal((PayoutState.Cancelled, 1), (culprit.State, culprit.ErrorCount));
        Assert.Contains("cancelPayoutAfterFailures is 1", (await w.Payouts.PayoutEventList("s1-p1", Ct)).Last().Detail, StringComparison.Ordinal);
        var mate = await PayoutAsync(w, "s1-p2");
        Assert.Equal((PayoutState.AwaitingPayment, 0), (mate.State, mate.ErrorCount));
    }

    [StoreFact]
    public async Task RecordKeepsWaitingOutcomesLiveAndThePayoutsInProgress()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m, 0.003m, 0.004m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAndPrepareAsync(w, lease);

        var recorded = await w.Send.AttemptRecord(attempt.Id, fence: null, new Dictionary<string, SendOutcome>
        {
            ["s1-p1"] = new SendOutcome.Sent("broadcast"),
            ["s1-p2"] = new SendOutcome.InFlight("routing"),
            ["s1-p3"] = new SendOutcome.Unknown("timed out"),
            ["s1-p4"] = new SendOutcome.NotFound(),
        }, ByNodeA, Ct);

        Assert.Equal(AttemptState.Prepared, recorded!.State);
        Assert.Equal(
            [
                (AttemptPayoutState.Sent, "r-s1-p1", "broadcast"),
                (AttemptPayoutState.InFlight, "r-s1-p2", "routing"),
                (AttemptPayoutState.Unknown, "r-s1-p3", "timed out"),
                (AttemptPayoutState.Prepared, "r-s1-p4", null),
            ],
            recorded.Payouts.Select(p => (p.State, p.Reference, p.Detail)));
        for (var i = 1; i <= 4; i++)
        {
            var payout = await PayoutAsync(w, $"s1-p{i}");
            Assert.Equal((PayoutState.InProgress, 0, 1), (payout.State, payout.ErrorCount, payout.Revision));
        }
        Assert.Equal([attempt.Id], (await w.Send.AttemptListUnfinished(10, Ct)).Select(a => a.Id));
    }

    [StoreFact]
    public async Task TerminalRowsIgnoreLaterOutcomes()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAndPrepareAsync(w, lease);
        await w.Send.AttemptRecord(attempt.Id, fence: null, new Dictionary<string, SendOutcome>
        {
            ["s1-p1"] = new SendOutcome.Succeeded("{\"first\":true}"),
            ["s1-p2"] = new SendOutcome.NotSent("refused", Culprit: true),
        }, ByNodeA, Ct);
        var p1 = await PayoutAsync(w, "s1-p1");
        var p2 = await PayoutAsync(w, "s1-p2");

        // A late, contradicting answer (say, from a second reconciler) changes nothing.
        var again = await w.Send.AttemptRecord(attempt.Id, fence: null, new Dictionary<string, SendOutcome>
        {
            ["s1-p1"] = new SendOutcome.NotSent("late", Culprit: true),
            ["s1-p2"] = new SendOutcome.Succeeded("{\"late\":true}"),
        }, ByNodeA, Ct);

        Assert.Equal(p1, await PayoutAsync(w, "s1-p1"));
        Assert.Equal(p2, await PayoutAsync(w, "s1-p2"));
        Assert.Equal(PayoutState.Completed, p1.State);
        Assert.Equal(PayoutState.AwaitingPayment, p2.State);
        Assert.Equal(1, p2.ErrorCount);
        Assert.Equal([(AttemptPayoutState.Succeeded, (string?)null), (AttemptPayoutState.Failed, "refused")],
            again!.Payouts.Select(p => (p.State, p.Detail)));
        Assert.Equal(3, (await w.Payouts.PayoutEventList("s1-p1", Ct)).Count);
        Assert.Equal(3, (await w.Payouts.PayoutEventList("s1-p2", Ct)).Count);
    }

    [StoreFact]
    public async Task AttemptIsDoneOnlyWhenNoRowIsLive()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAndPrepareAsync(w, lease);

        var half = await w.Send.AttemptRecord(attempt.Id, fence: null,
            new Dictionary<string, SendOutcome> { ["s1-p1"] = new SendOutcome.Succeeded("{}"), ["s1-p2"] = new SendOutcome.Sent(null) }, ByNodeA, Ct);
        Assert.Equal(AttemptState.Prepared, half!.State);
        Assert.Single(await w.Send.AttemptListUnfinished(10, Ct));

        var done = await w.Send.AttemptRecord(attempt.Id, fence: null,
            new Dictionary<string, SendOutcome> { ["s1-p2"] = new SendOutcome.Succeeded("{}") }, ByNodeA, Ct);

        Assert.Equal(AttemptState.Done, done!.State);
        Assert.Empty(await w.Send.AttemptListUnfinished(10, Ct));
        Assert.Equal(PayoutState.Completed, (await PayoutAsync(w, "s1-p2")).State);
    }

    [StoreFact]
    public async Task RecordIgnoresPayoutsThatAreNotInTheAttempt()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAsync(w, lease, c => [c.Waiting[0]]);
        await w.Send.AttemptPrepare(lease, attempt.Id, Prepared(attempt), ByNodeA, Ct);

        await w.Send.AttemptRecord(attempt.Id, fence: null,
            new Dictionary<string, SendOutcome> { ["s1-p2"] = new SendOutcome.Succeeded("{}") }, ByNodeA, Ct);

        Assert.Equal(PayoutState.AwaitingPayment, (await PayoutAsync(w, "s1-p2")).State);
    }

    [StoreFact]
    public async Task ConcurrentRecordsOfOneOutcomeCompleteThePayoutOnce()
    {
        // The run and one reconciler per node may all record the same confirmation at once.
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAndPrepareAsync(w, lease);
        var nodes = Enumerable.Range(0, 4).Select(_ => new SqlSendStore(Connect(w.ConnectionString))).ToList();

        await RunTogether(nodes.Select<SqlSendStore, Func<Task<SendAttempt?>>>(store => () => store.AttemptRecord(attempt.Id, fence: null,
            new Dictionary<string, SendOutcome> { ["s1-p1"] = new SendOutcome.Succeeded("{}"), ["s1-p2"] = new SendOutcome.NotSent("x", true) },
            ByNodeA, Ct)));

        Assert.Equal(3, (await w.Payouts.PayoutEventList("s1-p1", Ct)).Count);
        Assert.Equal(3, (await w.Payouts.PayoutEventList("s1-p2", Ct)).Count);
        Assert.Equal(1, (await PayoutAsync(w, "s1-p2")).ErrorCount);
    }
}

/// <summary>The send store suite on SQLite.</summary>
public sealed class SqliteSendStoreTests : SendStoreTests
{
    private readonly SqliteEngine _engine = new();
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override Task<string> CreateEmptyDatabaseAsync() => _engine.CreateAsync();
    protected override Task DeleteDatabasesAsync() => _engine.DeleteAsync();
}

/// <summary>The send store suite on PostgreSQL, plus what only PostgreSQL does: row locks that other claims skip.</summary>
[UsesPostgres]
public sealed partial class PostgresSendStoreTests : SendStoreTests
{
    /// <summary>How long a claim that should not wait may take before the test calls it blocked.</summary>
    private static readonly TimeSpan NotBlocked = TimeSpan.FromSeconds(20);

    private readonly PostgresEngine _engine = new();
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;
    protected override Task<string> CreateEmptyDatabaseAsync() => _engine.CreateAsync(Ct);
    protected override Task DeleteDatabasesAsync() => _engine.DeleteAsync();

    [PostgresFact]
    public async Task ClaimsOfDifferentProcessorsDoNotBlockEachOther()
    {
        // Goal: one store's claim holding its transaction open does not hold up another store's claim.
        // How: store s1's plan (which runs inside the claim transaction, after the fence and the payout locks)
        // waits on a gate; while it waits, s2's claim, under another lease and epoch, must finish.
        var w = await NewWorldAsync(stores: 2);
        await AddWaitingAsync(w, "s1", 0.001m);
        await AddWaitingAsync(w, "s2", 0.002m);
        Assert.Single(await w.Send.ProcessorLeaseAcquire(NodeA, Ttl, 1, Ct)); // one processor a step ahead, so the epochs differ
        var all = (await w.Send.ProcessorLeaseAcquire(NodeA, Ttl, 2, Ct)).ToDictionary(l => l.StoreId);
        Assert.NotEqual(all["s1"].Epoch, all["s2"].Epoch);
        var other = new SqlSendStore(Connect(w.ConnectionString));
        using var inside = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim(false);

        var first = Task.Run(() => w.Send.AttemptClaim(all["s1"], new HashSet<string>(), 10, c =>
        {
            inside.Release();
            Assert.True(release.Wait(TimeSpan.FromMinutes(1)));
            return c.Waiting;
        }, ByNodeA, Ct));
        Assert.True(await inside.WaitAsync(TimeSpan.FromMinutes(1), Ct));
        try
        {
            var second = await other.AttemptClaim(all["s2"], new HashSet<string>(), 10, TakeAll, ByNodeA, Ct).WaitAsync(NotBlocked, Ct);
            Assert.Equal(["s2-p1"], Assert.IsType<ClaimResult.Claimed>(second).Attempt.Payouts.Select(p => p.PayoutId));
            Assert.False(first.IsCompleted);
        }
        finally
        {
            release.Set();
        }
        Assert.Equal(["s1-p1"], Assert.IsType<ClaimResult.Claimed>(await first).Attempt.Payouts.Select(p => p.PayoutId));
    }

    [PostgresFact]
    public async Task ClaimSkipsPayoutsLockedByAnotherTransaction()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m, 0.003m);
        var lease = await AcquireAsync(w);
        await using var locker = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(w.ConnectionString) { Pooling = false }.ConnectionString);
        await locker.OpenAsync(Ct);
        await using var tx = await locker.BeginTransactionAsync(Ct);
        await using (var lockRows = new NpgsqlCommand("SELECT id FROM payouts WHERE id IN ('s1-p1', 's1-p3') FOR UPDATE", locker, tx))
            await lockRows.ExecuteNonQueryAsync(Ct);
        ClaimCandidates? seen = null;

        var result = await w.Send.AttemptClaim(lease, new HashSet<string>(), 10, c =>
        {
            seen = c;
            return c.Waiting;
        }, ByNodeA, Ct).WaitAsync(NotBlocked, Ct);

        Assert.Equal(["s1-p2"], seen!.Waiting.Select(p => p.Id));
        Assert.Equal(["s1-p2"], Assert.IsType<ClaimResult.Claimed>(result).Attempt.Payouts.Select(p => p.PayoutId));
        await tx.RollbackAsync(Ct);
        Assert.Equal(PayoutState.AwaitingPayment, (await PayoutAsync(w, "s1-p1")).State);
        var next = await ClaimAsync(w, lease);
        Assert.Equal(["s1-p1", "s1-p3"], next.Payouts.Select(p => p.PayoutId));
    }

    [PostgresFact]
    public async Task ClaimWithEveryPayoutLockedElsewhereClaimsNothingWithoutWaiting()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        await using var locker = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(w.ConnectionString) { Pooling = false }.ConnectionString);
        await locker.OpenAsync(Ct);
        await using var tx = await locker.BeginTransactionAsync(Ct);
        await using (var lockRows = new NpgsqlCommand("SELECT id FROM payouts FOR UPDATE", locker, tx))
            await lockRows.ExecuteNonQueryAsync(Ct);

        var result = await w.Send.AttemptClaim(lease, new HashSet<string>(), 10, TakeAll, ByNodeA, Ct).WaitAsync(NotBlocked, Ct);

        Assert.IsType<ClaimResult.Nothing>(result);
    }

    [PostgresFact]
    public async Task LeaseAcquireSkipsProcessorsLockedByAnotherNode()
    {
        var w = await NewWorldAsync(stores: 2);
        await using var locker = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(w.ConnectionString) { Pooling = false }.ConnectionString);
        await locker.OpenAsync(Ct);
        await using var tx = await locker.BeginTransactionAsync(Ct);
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM processors WHERE store_id = 's1' FOR UPDATE", locker, tx))
            await lockRow.ExecuteNonQueryAsync(Ct);

        var leases = await w.Send.ProcessorLeaseAcquire(NodeA, Ttl, 10, Ct).WaitAsync(NotBlocked, Ct);

        Assert.Equal(["s2"], leases.Select(l => l.StoreId));
    }

    [PostgresFact]
    public async Task ConcurrentAcquisitionsHandEachProcessorToOneNode()
    {
        var w = await NewWorldAsync(stores: 6);
        var nodes = Enumerable.Range(0, 8).Select(i => (Node: $"node-{i}", Store: new SqlSendStore(Connect(w.ConnectionString)))).ToList();

        var results = await RunTogether(nodes.Select<(string Node, SqlSendStore Store), Func<Task<IReadOnlyList<ProcessorLease>>>>(n => () =>
            n.Store.ProcessorLeaseAcquire(n.Node, Ttl, 2, Ct)));

        var leases = results.SelectMany(r => r).ToList();
        Assert.Equal(6, leases.Count);
        Assert.Equal(6, leases.Select(l => l.StoreId).Distinct().Count());
        // Each was acquired once: one bump from the epoch it was created with.
        foreach (var l in leases)
            Assert.Equal((await ProcessorStateAsync(w, l.StoreId)).Epoch, l.Epoch);
    }
}

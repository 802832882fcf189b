using Microsoft.Extensions.Logging.Abstractions;
using Payouts.Contracts;
using Payouts.Core;
using Payouts.Core.Auth;
using Payouts.Core.Money;
using Payouts.Core.Payouts;
using Payouts.Core.Ports;
using Payouts.Core.PullPayments;
using Payouts.Core.Stores;
using Payouts.Storage.Tests.Support;

namespace Payouts.Storage.Tests;

/// <summary>
/// What every storage engine must do, written once and run once per engine, as River runs
/// <c>riverdrivertest.Exercise</c> once per driver. A subclass only says how to make an empty database
/// (<see cref="SqliteStoreTests"/>, <see cref="PostgresStoreTests"/>). xunit makes a new instance per test and
/// every test makes its own database, so no test sees another's rows.
/// Tests are <see cref="StoreFactAttribute"/>: PostgreSQL runs are skipped only when no server is configured
/// outside CI (see <see cref="PostgresServer.SkipReason"/>).
/// </summary>
public abstract class StoreConformanceTests : IAsyncLifetime
{
    /// <summary>Every test, the concurrency storms included, finishes well inside this; a hang fails instead of blocking the run.</summary>
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);

    /// <summary>A fixed instant with milliseconds, so a store that dropped them would be caught.</summary>
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_741_965_366_123);

    private static readonly TimeProvider Clock = new FixedTimeProvider(T0);
    private static readonly Actor Person = Actor.ApiKey("t");

    private readonly CancellationTokenSource _timeout = new(TestTimeout);
    private readonly List<Database> _databases = [];

    protected CancellationToken Ct => _timeout.Token;

    protected abstract DatabaseProvider Provider { get; }

    /// <summary>Creates an empty database (no schema) for this test alone and returns its connection string.</summary>
    protected abstract Task<string> CreateEmptyDatabaseAsync();

    /// <summary>Removes what <see cref="CreateEmptyDatabaseAsync"/> made; runs after the test's <see cref="Database"/>s are disposed.</summary>
    protected abstract Task DeleteDatabasesAsync();

    /// <summary>
    /// Probes, from a connection of its own and without waiting, whether another claim against the pull payment
    /// would have to wait now (SQLite: the database write lock is taken; PostgreSQL: the pull payment row is locked).
    /// Synchronous because it runs inside a decide function.
    /// </summary>
    protected abstract bool ClaimLockIsHeld(string connectionString, string pullPaymentId);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var db in _databases)
            await db.DisposeAsync();
        await DeleteDatabasesAsync();
        _timeout.Dispose();
    }

    // ---------------------------------------------------------------- migrations

    [StoreFact]
    public async Task MigrateTwiceAppliesNothingTheSecondTime()
    {
        var db = Connect(await CreateEmptyDatabaseAsync());

        Assert.Equal(AllVersions(), await Migrate(db));
        Assert.Empty(await Migrate(db));

        var store = new SqlPayoutsStore(db);
        await store.StoreCreate(NewStore("s1"), null, Ct);
        Assert.NotNull(await store.StoreGetById("s1", Ct));
    }

    [StoreFact]
    public async Task ConcurrentMigrationsFromManyNodesApplyEachVersionOnce()
    {
        // Goal: nodes that start at once on an empty database migrate it exactly once between them.
        // How: 8 "nodes" (each its own Database, so its own pool) call Migrate together; the versions they
        // report applied, taken together, must be every version exactly once, and nobody may throw.
        const int Nodes = 8;
        var connectionString = await CreateEmptyDatabaseAsync();
        var nodes = Enumerable.Range(0, Nodes).Select(_ => Connect(connectionString)).ToList();

        var applied = await RunTogether(nodes.Select<Database, Func<Task<IReadOnlyList<int>>>>(db => () => Migrate(db)));

        Assert.Equal(AllVersions(), applied.SelectMany(versions => versions).Order());
        Assert.Empty(await Migrate(nodes[0]));
    }

    // ---------------------------------------------------------------- stores, lookups

    [StoreFact]
    public async Task StoreCreateThenGetReturnsIt()
    {
        var store = await NewStoreAsync();
        var created = new Store("store-a", "Ünïcode shop ✓", T0);

        await store.StoreCreate(created, null, Ct);

        Assert.Equal(created, await store.StoreGetById("store-a", Ct));
    }

    [StoreFact]
    public async Task UnknownIdsReturnNull()
    {
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);

        Assert.Null(await store.StoreGetById("nope", Ct));
        Assert.Null(await store.PayoutGetById("nope", Ct));
        Assert.Null(await store.PullPaymentGetById("nope", Ct));
        Assert.Null(await store.ApiKeyGetByHash(ApiKey.Hash("nope"), Ct));
        Assert.Empty(await store.PayoutEventList("nope", Ct));
    }

    // ---------------------------------------------------------------- payouts: create and read

    [StoreFact]
    public async Task PayoutCreateKeepsAmountsExactly()
    {
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);
        // The smallest Lightning amount, more digits than a double holds, a value no binary fraction can hold, the
        // largest amount and scale Core accepts, and (rates are not limited to Core's amount scale) decimal's full
        // scale and precision.
        decimal[] amounts =
        [
            0.000000000001m, 123456789.123456789012m, 0.1m, 20999999.9769m, 0.00000546m, 1m,
            Amounts.ValueMax, 999999999999.999999999999m,
            0.0000000000000000000000000001m, 1.234567890123456789012345678m,
        ];
        // Metadata is client JSON stored as given: key order, spacing, escapes and non-ASCII all survive.
        const string Metadata = "{ \"z\":1,\"a\" : [1.10, \"caf\\u00e9\", \"é ✓\"],\n\t\"n\":null }";

        for (var i = 0; i < amounts.Length; i++)
        {
            var payout = NewPayout("s1", $"dest-{i}", PayoutState.AwaitingPayment, amounts[i]) with
            {
                Rate = amounts[i],
                MetadataJson = Metadata,
            };
            Assert.Equal(PayoutInsertResult.Inserted, await store.PayoutCreate(payout, CreatedEvent(payout), null, Ct));

            var stored = await store.PayoutGetById(payout.Id, Ct);

            Assert.NotNull(stored);
            Assert.Equal(amounts[i], stored.OriginalAmount);
            Assert.Equal(amounts[i], stored.PayoutAmount);
            Assert.Equal(amounts[i], stored.Rate);
            Assert.Equal(Metadata, stored.MetadataJson);
        }
    }

    [StoreFact]
    public async Task PayoutGetByIdRoundTripsEveryField()
    {
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);
        var pullPayment = NewPullPayment("s1", amount: 10m);
        await store.PullPaymentCreate(pullPayment, null, Ct);
        var payout = new Payout
        {
            Id = Ids.New(),
            StoreId = "s1",
            PullPaymentId = pullPayment.Id,
            MethodId = PayoutMethodId.BtcLightning,
            Destination = "lnbc1destination",
            OriginalAmount = 1.23456789012m,
            OriginalCurrency = "USD",
            PayoutCurrency = "BTC",
            PayoutAmount = 0.00001234567m,
            Rate = 0.0000100000001m,
            State = PayoutState.InProgress,
            Revision = 0,
            MetadataJson = "{\"order\":42}",
            PaymentProofJson = "{\"preimage\":\"00ff\"}",
            ErrorCount = 3,
            CreatedAt = T0,
            UpdatedAt = T0.AddMilliseconds(5),
        };
        var created = CreatedEvent(payout) with { Actor = Actor.Processor("node-a").Name, ProcessorAuto = true };

        Assert.Equal(PayoutInsertResult.Inserted, await store.PayoutCreate(payout, created, null, Ct));

        Assert.Equal(payout, await store.PayoutGetById(payout.Id, Ct));
        Assert.Equal([created], await store.PayoutEventList(payout.Id, Ct));
    }

    // ---------------------------------------------------------------- one active payout per destination

    [StoreFact]
    public async Task SecondActivePayoutToSameDestinationIsRefused()
    {
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);
        var first = NewPayout("s1", "dest");
        var second = NewPayout("s1", "dest");

        Assert.Equal(PayoutInsertResult.Inserted, await store.PayoutCreate(first, CreatedEvent(first), null, Ct));
        Assert.Equal(PayoutInsertResult.DuplicateDestination, await store.PayoutCreate(second, CreatedEvent(second), null, Ct));

        Assert.Null(await store.PayoutGetById(second.Id, Ct));
        Assert.Empty(await store.PayoutEventList(second.Id, Ct));
    }

    [StoreFact]
    public async Task SameDestinationInAnotherStoreIsAllowed()
    {
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);
        await store.StoreCreate(NewStore("s2"), null, Ct);
        var first = NewPayout("s1", "dest");
        var other = NewPayout("s2", "dest");

        Assert.Equal(PayoutInsertResult.Inserted, await store.PayoutCreate(first, CreatedEvent(first), null, Ct));
        Assert.Equal(PayoutInsertResult.Inserted, await store.PayoutCreate(other, CreatedEvent(other), null, Ct));
    }

    [StoreFact]
    public async Task DestinationIsHeldByExactlyTheActiveStates()
    {
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);

        foreach (var state in Enum.GetValues<PayoutState>())
        {
            var holder = NewPayout("s1", $"dest-{state}", state);
            Assert.Equal(PayoutInsertResult.Inserted, await store.PayoutCreate(holder, CreatedEvent(holder), null, Ct));
            var next = NewPayout("s1", $"dest-{state}");

            var result = await store.PayoutCreate(next, CreatedEvent(next), null, Ct);

            Assert.Equal(holder.IsActive ? PayoutInsertResult.DuplicateDestination : PayoutInsertResult.Inserted, result);
        }
    }

    [StoreFact]
    public async Task DestinationIsFreeAgainOnceItsPayoutIsCancelledOrCompleted()
    {
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);
        PayoutCommand[] endings = [new PayoutCommand.Cancel(), new PayoutCommand.MarkPaid(null)];

        foreach (var ending in endings)
        {
            var destination = $"dest-{ending.Name}";
            var first = NewPayout("s1", destination, PayoutState.AwaitingPayment);
            Assert.Equal(PayoutInsertResult.Inserted, await store.PayoutCreate(first, CreatedEvent(first), null, Ct));
            var blocked = NewPayout("s1", destination);
            Assert.Equal(PayoutInsertResult.DuplicateDestination, await store.PayoutCreate(blocked, CreatedEvent(blocked), null, Ct));

            var ended = Change(first, ending, Person, T0.AddSeconds(1));
            Assert.True(await store.PayoutTransition(ended.Next, ended.Event, Ct));

            var again = NewPayout("s1", destination);
            Assert.Equal(PayoutInsertResult.Inserted, await store.PayoutCreate(again, CreatedEvent(again), null, Ct));
        }
    }

    // ---------------------------------------------------------------- one payout per BOLT11 payment hash

    private static string InvoiceWithHash(byte[] hash, string description) =>
        Core.Lightning.Bolt11Encoder.Encode(new Core.Lightning.Bolt11Draft(Core.Bitcoin.BitcoinNetwork.Regtest, 150_000, T0, hash,
            new byte[32], description, null, TimeSpan.FromDays(365)), Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static Payout LightningPayout(string storeId, string invoice) =>
        NewPayout(storeId, "unused", PayoutState.AwaitingPayment) with { MethodId = PayoutMethodId.BtcLightning, Destination = invoice };

    [StoreFact]
    public async Task TwoInvoicesWithOnePaymentHashNeverBothHoldAPayout()
    {
        // Goal: one payment settles every invoice of its hash, so two payouts holding one hash would complete on one
        // payment. Refused while the first is active or completed; free again once it is cancelled; per store.
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);
        await store.StoreCreate(NewStore("s2"), null, Ct);
        var hash = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var first = LightningPayout("s1", InvoiceWithHash(hash, "first"));
        var sameHash = LightningPayout("s1", InvoiceWithHash(hash, "second"));
        Assert.NotEqual(first.Destination, sameHash.Destination);

        Assert.Equal(PayoutInsertResult.Inserted, await store.PayoutCreate(first, CreatedEvent(first), null, Ct));
        Assert.Equal(PayoutInsertResult.DuplicateDestination, await store.PayoutCreate(sameHash, CreatedEvent(sameHash), null, Ct));
        Assert.Null(await store.PayoutGetById(sameHash.Id, Ct));
        var otherStore = LightningPayout("s2", sameHash.Destination);
        Assert.Equal(PayoutInsertResult.Inserted, await store.PayoutCreate(otherStore, CreatedEvent(otherStore), null, Ct));

        var completed = Change(first, new PayoutCommand.MarkPaid(null), Person, T0.AddSeconds(1));
        Assert.True(await store.PayoutTransition(completed.Next, completed.Event, Ct));
        var afterCompleted = LightningPayout("s1", sameHash.Destination);
        Assert.Equal(PayoutInsertResult.DuplicateDestination, await store.PayoutCreate(afterCompleted, CreatedEvent(afterCompleted), null, Ct));

        var hash2 = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var cancelled = LightningPayout("s1", InvoiceWithHash(hash2, "to cancel"));
        Assert.Equal(PayoutInsertResult.Inserted, await store.PayoutCreate(cancelled, CreatedEvent(cancelled), null, Ct));
        var cancel = Change(cancelled, new PayoutCommand.Cancel(), Person, T0.AddSeconds(2));
        Assert.True(await store.PayoutTransition(cancel.Next, cancel.Event, Ct));
        var reuse = LightningPayout("s1", InvoiceWithHash(hash2, "after cancel"));
        Assert.Equal(PayoutInsertResult.Inserted, await store.PayoutCreate(reuse, CreatedEvent(reuse), null, Ct));
    }

    // ---------------------------------------------------------------- transitions

    [StoreFact]
    public async Task PayoutTransitionWritesTheNextRevisionAndItsEvent()
    {
        var store = await NewStoreAsync();
        var payout = await SeedPayoutAsync(store, PayoutState.AwaitingApproval);
        var approved = Change(payout, new PayoutCommand.Approve(0, 1m), Person, T0.AddSeconds(1));

        Assert.True(await store.PayoutTransition(approved.Next, approved.Event, Ct));

        Assert.Equal(approved.Next, await store.PayoutGetById(payout.Id, Ct));
        Assert.Equal([CreatedEvent(payout), approved.Event], await store.PayoutEventList(payout.Id, Ct));
    }

    [StoreFact]
    public async Task PayoutTransitionWithStaleRevisionWritesNothing()
    {
        // The stale writer read revision 0 in AwaitingPayment. Two other writers then moved the payout to
        // InProgress and back, so state matches again but revision does not (A-B-A): only the revision check refuses it.
        var store = await NewStoreAsync();
        var read = await SeedPayoutAsync(store, PayoutState.AwaitingPayment);
        var stale = Change(read, new PayoutCommand.Cancel(), Person, T0.AddSeconds(1));
        var sending = Change(read, new PayoutCommand.Mark(PayoutState.InProgress, null), Person, T0.AddSeconds(2));
        Assert.True(await store.PayoutTransition(sending.Next, sending.Event, Ct));
        var back = Change(sending.Next, new PayoutCommand.Mark(PayoutState.AwaitingPayment, null), Person, T0.AddSeconds(3));
        Assert.True(await store.PayoutTransition(back.Next, back.Event, Ct));
        var eventsBefore = await store.PayoutEventList(read.Id, Ct);

        Assert.False(await store.PayoutTransition(stale.Next, stale.Event, Ct));

        Assert.Equal(back.Next, await store.PayoutGetById(read.Id, Ct));
        Assert.Equal(eventsBefore, await store.PayoutEventList(read.Id, Ct));
        Assert.Equal([0, 1, 2], eventsBefore.Select(e => e.Revision));
    }

    [StoreFact]
    public async Task PayoutTransitionOfUnknownPayoutWritesNothing()
    {
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);
        var ghost = NewPayout("s1", "dest", PayoutState.AwaitingPayment);
        var change = Change(ghost, new PayoutCommand.Cancel(), Person, T0);

        Assert.False(await store.PayoutTransition(change.Next, change.Event, Ct));

        Assert.Empty(await store.PayoutEventList(ghost.Id, Ct));
    }

    [StoreFact]
    public async Task ConcurrentTransitionsOfOneRevisionHaveExactlyOneWinner()
    {
        // Goal: when many nodes decide on the same read, exactly one write lands, and the stored row and log are its.
        // How: 32 different changes (different targets and actors) of revision 0 are written at once.
        const int Writers = 32;
        var store = await NewStoreAsync();
        var read = await SeedPayoutAsync(store, PayoutState.AwaitingPayment);
        var changes = Enumerable.Range(0, Writers).Select(i => (i % 4) switch
        {
            0 => Change(read, new PayoutCommand.Cancel(), Actor.ApiKey($"k{i}"), T0.AddMilliseconds(i)),
            1 => Change(read, new PayoutCommand.Mark(PayoutState.InProgress, null), Actor.ApiKey($"k{i}"), T0.AddMilliseconds(i)),
            2 => Change(read, new PayoutCommand.MarkPaid($"{{\"by\":{i}}}"), Actor.ApiKey($"k{i}"), T0.AddMilliseconds(i)),
            _ => Change(read, new PayoutCommand.BeginSend($"attempt-{i}"), Actor.Processor($"node-{i}"), T0.AddMilliseconds(i)),
        }).ToList();

        var won = await RunTogether(changes.Select<TransitionOutcome.Changed, Func<Task<bool>>>(
            c => () => store.PayoutTransition(c.Next, c.Event, Ct)));

        var winner = Assert.Single(Enumerable.Range(0, Writers), i => won[i]);
        Assert.Equal(changes[winner].Next, await store.PayoutGetById(read.Id, Ct));
        Assert.Equal([CreatedEvent(read), changes[winner].Event], await store.PayoutEventList(read.Id, Ct));
    }

    [StoreFact]
    public async Task TransitionStormKeepsOneGaplessHistory()
    {
        // Goal: under contention the conditional write keeps a payout's history one chain: revisions 0..N with no
        // gap, each event starting where the previous ended, and the row equal to the end of the chain.
        // How: 16 workers share 200 tickets. A ticket is one transition its worker must land: read, pick a random
        // command, decide with PayoutLifecycle, write, and on a lost race read and decide again (as
        // PayoutService.Apply does). The commands move the payout between AwaitingPayment and InProgress, so states
        // repeat (A-B-A) and a write checked on state alone would be caught. AbandonSend increments ErrorCount, so a
        // row written from a stale read would also show in the count.
        const int Workers = 16;
        const int TransitionsTotal = 200;
        const int AttemptsPerTransitionMax = 10_000;
        var store = await NewStoreAsync();
        var payout = await SeedPayoutAsync(store, PayoutState.AwaitingPayment);
        var tickets = 0;
        var clockMs = 0;
        var lostRaces = 0;

        async Task Work(int worker)
        {
            var random = new Random(worker);
            while (Interlocked.Increment(ref tickets) <= TransitionsTotal)
            {
                for (var attempt = 0; ; attempt++)
                {
                    Assert.True(attempt < AttemptsPerTransitionMax, $"worker {worker} could not land a transition in {attempt} attempts");
                    var current = await store.PayoutGetById(payout.Id, Ct) ?? throw new InvalidOperationException("payout vanished");
                    var (command, actor) = random.Next(4) switch
                    {
                        0 => ((PayoutCommand)new PayoutCommand.BeginSend($"a{worker}-{attempt}"), Actor.Processor($"node-{worker}")),
                        1 => (new PayoutCommand.AbandonSend($"a{worker}-{attempt}", "proven unsent"), Actor.Processor($"node-{worker}")),
                        2 => (new PayoutCommand.Mark(PayoutState.InProgress, null), Actor.ApiKey($"k{worker}")),
                        _ => (new PayoutCommand.Mark(PayoutState.AwaitingPayment, null), Actor.ApiKey($"k{worker}")),
                    };
                    var now = T0.AddMilliseconds(Interlocked.Increment(ref clockMs));
                    if (PayoutLifecycle.Transition(current, command, new TransitionContext(actor, false, now)) is not TransitionOutcome.Changed c)
                        continue; // The command does not apply in this state: pick another.
                    // A node does other work between read and write. SQLite's driver completes synchronously, so
                    // without this yield each worker would run its tickets back to back and never race.
                    await Task.Yield();
                    if (await store.PayoutTransition(c.Next, c.Event, Ct))
                        break;
                    Interlocked.Increment(ref lostRaces);
                }
            }
        }

        await RunTogether(Enumerable.Range(0, Workers).Select<int, Func<Task<bool>>>(w => async () => { await Work(w); return true; }));

        var events = await store.PayoutEventList(payout.Id, Ct);
        var stored = await store.PayoutGetById(payout.Id, Ct);
        Assert.NotNull(stored);
        Assert.Equal(Enumerable.Range(0, TransitionsTotal + 1), events.Select(e => e.Revision));
        Assert.Null(events[0].From);
        for (var i = 1; i < events.Count; i++)
            Assert.Equal(events[i - 1].To, events[i].From);
        Assert.Equal(events[^1].To, stored.State);
        Assert.Equal(TransitionsTotal, stored.Revision);
        Assert.Equal(events.Count(e => e.ProcessorAuto && e.To == PayoutState.AwaitingPayment), stored.ErrorCount);
        Assert.Equal(events[^1].At, stored.UpdatedAt);
        // Without lost races the storm proved nothing about concurrency.
        Assert.True(lostRaces > 0, "no worker ever lost a race: the storm did not contend");
    }

    // ---------------------------------------------------------------- claims against a pull payment

    [StoreFact]
    public async Task ClaimsAgainstOnePullPaymentNeverExceedItsAmount()
    {
        // Goal: claims decided on a snapshot never overdraw the pull payment, however many arrive at once.
        // How: 25 claims of 0.1 against 1.0, all at once, each refused by its decide function when the snapshot's
        // claimed total leaves no room. Exactly 10 fit; a store that let two claims read the same total would let more in.
        const int Claims = 25;
        const decimal Each = 0.1m;
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);
        var pullPayment = NewPullPayment("s1", amount: 1.0m);
        await store.PullPaymentCreate(pullPayment, null, Ct);

        var results = await RunTogether(Enumerable.Range(0, Claims).Select<int, Func<Task<Result<Payout>>>>(i => () =>
            store.PayoutCreateClaim(pullPayment.Id, $"dest-{i}", snapshot =>
                snapshot.ClaimedTotal + Each > snapshot.PullPayment.Amount
                    ? Failure.Of(ErrorCode.Overdraft)
                    : ClaimOf(snapshot.PullPayment, $"dest-{i}", Each), null, Ct)));

        var accepted = results.Where(r => r.IsOk).Select(r => r.Value).ToList();
        Assert.Equal(10, accepted.Count);
        Assert.All(results.Where(r => !r.IsOk), r => Assert.Equal(ErrorCode.Overdraft, r.Failure!.Code));
        var storedSum = 0m;
        foreach (var payout in accepted)
            storedSum += (await store.PayoutGetById(payout.Id, Ct))!.OriginalAmount;
        Assert.Equal(1.0m, storedSum);
        Assert.Equal(1.0m, (await SnapshotAsync(store, pullPayment.Id, "dest-new")).ClaimedTotal);
    }

    [StoreFact]
    public async Task ClaimIsDecidedUnderALockThatExcludesOtherClaims()
    {
        // The storm above shows the outcome; this shows the mechanism, deterministically: while decide runs, another
        // claim could not start, and once the claim commits it could. (SQLite's driver is synchronous, so its claims
        // rarely overlap in the storm; without this test a deferred transaction there would go unnoticed.)
        var (store, connectionString) = await NewDatabaseAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);
        var pullPayment = NewPullPayment("s1", amount: 1m);
        await store.PullPaymentCreate(pullPayment, null, Ct);
        Assert.False(ClaimLockIsHeld(connectionString, pullPayment.Id));
        bool? heldWhileDeciding = null;

        var result = await store.PayoutCreateClaim(pullPayment.Id, "dest", s =>
        {
            heldWhileDeciding = ClaimLockIsHeld(connectionString, pullPayment.Id);
            return ClaimOf(s.PullPayment, "dest", 0.1m);
        }, null, Ct);

        Assert.True(result.IsOk);
        Assert.True(heldWhileDeciding);
        Assert.False(ClaimLockIsHeld(connectionString, pullPayment.Id));
    }

    [StoreFact]
    public async Task ClaimSnapshotReportsActiveDestination()
    {
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);
        var pullPayment = NewPullPayment("s1", amount: 1m);
        await store.PullPaymentCreate(pullPayment, null, Ct);
        // A payout outside any pull payment holds its destination in the whole store.
        var direct = NewPayout("s1", "dest-direct", PayoutState.AwaitingPayment);
        await store.PayoutCreate(direct, CreatedEvent(direct), null, Ct);
        var claimed = await store.PayoutCreateClaim(pullPayment.Id, "dest-claimed", s => ClaimOf(s.PullPayment, "dest-claimed", 0.2m), null, Ct);
        Assert.True(claimed.IsOk);

        Assert.False((await SnapshotAsync(store, pullPayment.Id, "dest-unused")).DestinationActive);
        Assert.True((await SnapshotAsync(store, pullPayment.Id, "dest-direct")).DestinationActive);
        Assert.True((await SnapshotAsync(store, pullPayment.Id, "dest-claimed")).DestinationActive);

        var cancelled = Change(claimed.Value, new PayoutCommand.Cancel(), Person, T0.AddSeconds(1));
        Assert.True(await store.PayoutTransition(cancelled.Next, cancelled.Event, Ct));
        Assert.False((await SnapshotAsync(store, pullPayment.Id, "dest-claimed")).DestinationActive);
    }

    [StoreFact]
    public async Task ClaimedTotalsExcludeCancelledPayouts()
    {
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);
        var pullPayment = NewPullPayment("s1", amount: 1m);
        var otherPullPayment = NewPullPayment("s1", amount: 1m);
        await store.PullPaymentCreate(pullPayment, null, Ct);
        await store.PullPaymentCreate(otherPullPayment, null, Ct);
        var kept = (await store.PayoutCreateClaim(pullPayment.Id, "d1", s => ClaimOf(s.PullPayment, "d1", 0.300000000001m), null, Ct)).Value;
        var completed = (await store.PayoutCreateClaim(pullPayment.Id, "d2", s => ClaimOf(s.PullPayment, "d2", 0.2m), null, Ct)).Value;
        var cancelled = (await store.PayoutCreateClaim(pullPayment.Id, "d3", s => ClaimOf(s.PullPayment, "d3", 0.25m), null, Ct)).Value;
        Assert.True((await store.PayoutCreateClaim(otherPullPayment.Id, "d4", s => ClaimOf(s.PullPayment, "d4", 0.5m), null, Ct)).IsOk);
        Assert.Equal(0.750000000001m, (await SnapshotAsync(store, pullPayment.Id, "dx")).ClaimedTotal);

        var approve = Change(completed, new PayoutCommand.Approve(0, 1m), Person, T0.AddSeconds(1));
        Assert.True(await store.PayoutTransition(approve.Next, approve.Event, Ct));
        var paid = Change(approve.Next, new PayoutCommand.MarkPaid(null), Person, T0.AddSeconds(2));
        Assert.True(await store.PayoutTransition(paid.Next, paid.Event, Ct));
        var cancel = Change(cancelled, new PayoutCommand.Cancel(), Person, T0.AddSeconds(3));
        Assert.True(await store.PayoutTransition(cancel.Next, cancel.Event, Ct));

        var snapshot = await SnapshotAsync(store, pullPayment.Id, "dx");
        Assert.Equal(kept.OriginalAmount + completed.OriginalAmount, snapshot.ClaimedTotal);
        Assert.Equal(pullPayment.Id, snapshot.PullPayment.Id);
    }

    [StoreFact]
    public async Task ClaimToDestinationActiveInTheStoreIsRefusedEvenIfDecideAllowsIt()
    {
        // The unique index, not the snapshot, is the last word: a decide function that ignores DestinationActive
        // (or a destination taken between snapshot and insert) still gets DuplicateDestination, and nothing is written.
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);
        var pullPayment = NewPullPayment("s1", amount: 1m);
        await store.PullPaymentCreate(pullPayment, null, Ct);
        var holder = NewPayout("s1", "dest");
        await store.PayoutCreate(holder, CreatedEvent(holder), null, Ct);
        Payout? attempted = null;

        var result = await store.PayoutCreateClaim(pullPayment.Id, "dest", s =>
        {
            Assert.True(s.DestinationActive);
            var decided = ClaimOf(s.PullPayment, "dest", 0.1m);
            attempted = decided.Payout;
            return decided;
        }, null, Ct);

        Assert.Equal(ErrorCode.DuplicateDestination, result.Failure?.Code);
        Assert.NotNull(attempted);
        Assert.Null(await store.PayoutGetById(attempted.Id, Ct));
        Assert.Equal(0m, (await SnapshotAsync(store, pullPayment.Id, "dx")).ClaimedTotal);
    }

    [StoreFact]
    public async Task ClaimAgainstUnknownPullPaymentIsRefusedWithoutDeciding()
    {
        var store = await NewStoreAsync();
        var decided = false;

        var result = await store.PayoutCreateClaim("nope", "dest", _ =>
        {
            decided = true;
            return Failure.Of(ErrorCode.Overdraft);
        }, null, Ct);

        Assert.Equal(ErrorCode.PullPaymentNotFound, result.Failure?.Code);
        Assert.False(decided);
    }

    // ---------------------------------------------------------------- API keys

    [StoreFact]
    public async Task ApiKeyCreateIfNoneCreatesExactlyOneUnderConcurrency()
    {
        // Goal: nodes starting at once on an empty database create one bootstrap key between them.
        const int Nodes = 16;
        var store = await NewStoreAsync();
        var keys = Enumerable.Range(0, Nodes).Select(i => NewApiKey($"boot-{i}", bootstrap: true)).ToList();

        var created = await RunTogether(keys.Select<ApiKey, Func<Task<bool>>>(k => () => store.ApiKeyCreateIfNone(k, Ct)));

        var winner = Assert.Single(Enumerable.Range(0, Nodes), i => created[i]);
        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
            Assert.Equal(i == winner, await store.ApiKeyGetByHash(key.KeyHash, Ct) is not null);

        var later = NewApiKey("later", bootstrap: false);
        await store.ApiKeyCreate(later, null, Ct);
        Assert.NotNull(await store.ApiKeyGetByHash(later.KeyHash, Ct));
        Assert.False(await store.ApiKeyCreateIfNone(NewApiKey("boot-late", bootstrap: true), Ct));
    }

    [StoreFact]
    public async Task ApiKeyCreateIfNoneDoesNothingWhenAnyKeyExists()
    {
        var store = await NewStoreAsync();
        await store.ApiKeyCreate(NewApiKey("first", bootstrap: false), null, Ct);
        var bootstrap = NewApiKey("boot", bootstrap: true);

        Assert.False(await store.ApiKeyCreateIfNone(bootstrap, Ct));

        Assert.Null(await store.ApiKeyGetByHash(bootstrap.KeyHash, Ct));
    }

    [StoreFact]
    public async Task ApiKeyGetByHashRoundTripsPermissions()
    {
        var store = await NewStoreAsync();
        var bootstrap = NewApiKey("boot", bootstrap: true) with { Permissions = ["unrestricted"] };
        var key = NewApiKey("k1", bootstrap: false) with
        {
            Label = "Payout bot ✓",
            Permissions = ["btcpay.store.canviewpayouts:s1", "btcpay.store.cancreatepayouts:s1", "btcpay.store.canmanagepayouts"],
        };
        Assert.True(await store.ApiKeyCreateIfNone(bootstrap, Ct));
        await store.ApiKeyCreate(key, null, Ct);

        foreach (var expected in new[] { bootstrap, key })
        {
            var stored = await store.ApiKeyGetByHash(expected.KeyHash, Ct);
            Assert.NotNull(stored);
            Assert.Equal(expected.Permissions, stored.Permissions);
            // Records compare lists by reference: compare the rest with the stored list swapped in.
            Assert.Equal(expected with { Permissions = stored.Permissions }, stored);
        }
    }

    // ---------------------------------------------------------------- pull payments

    [StoreFact]
    public async Task PullPaymentCreateRoundTrip()
    {
        var store = await NewStoreAsync();
        await store.StoreCreate(NewStore("s1"), null, Ct);
        var full = NewPullPayment("s1", amount: 123456.000000000001m) with
        {
            Name = "Refunds ✓",
            Description = "Line one\nline \"two\"",
            Currency = "USD",
            StartsAt = T0.AddDays(-1),
            ExpiresAt = T0.AddDays(30).AddMilliseconds(7),
            Archived = true,
            AutoApproveClaims = true,
            Bolt11ExpirationDays = 7,
            PayoutMethods = [PayoutMethodId.BtcChain, PayoutMethodId.BtcLightning],
            MinimumClaim = 0.00001m,
            CreatedAt = T0.AddMilliseconds(1),
        };
        var bare = NewPullPayment("s1", amount: 0.1m) with { StartsAt = null, ExpiresAt = null, PayoutMethods = [PayoutMethodId.BtcLightning] };
        await store.PullPaymentCreate(full, null, Ct);
        await store.PullPaymentCreate(bare, null, Ct);

        foreach (var expected in new[] { full, bare })
        {
            var stored = await store.PullPaymentGetById(expected.Id, Ct);
            Assert.NotNull(stored);
            Assert.Equal(expected.PayoutMethods, stored.PayoutMethods);
            // Records compare lists by reference: compare the rest with the stored list swapped in.
            Assert.Equal(expected with { PayoutMethods = stored.PayoutMethods }, stored);
        }
    }

    // ---------------------------------------------------------------- helpers

    private Database Connect(string connectionString)
    {
        var db = Database.Create(Provider, connectionString);
        _databases.Add(db);
        return db;
    }

    private Task<IReadOnlyList<int>> Migrate(Database db) => Migrator.Migrate(db, Clock, NullLogger.Instance, Ct);

    private IReadOnlyList<int> AllVersions() => Migrator.Embedded(Provider).Select(m => m.Version).ToList();

    /// <summary>A store over a fresh, migrated database of its own.</summary>
    private async Task<SqlPayoutsStore> NewStoreAsync() => (await NewDatabaseAsync()).Store;

    private async Task<(SqlPayoutsStore Store, string ConnectionString)> NewDatabaseAsync()
    {
        var connectionString = await CreateEmptyDatabaseAsync();
        var db = Connect(connectionString);
        await Migrate(db);
        return (new SqlPayoutsStore(db), connectionString);
    }

    /// <summary>
    /// Starts every action on its own thread-pool task, releases them together, and returns their results in order.
    /// A gate rather than a sleep: all are waiting on it before any runs.
    /// </summary>
    private async Task<T[]> RunTogether<T>(IEnumerable<Func<Task<T>>> actions)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = actions.Select(action => Task.Run(async () =>
        {
            await gate.Task;
            return await action();
        })).ToList();
        gate.SetResult();
        return await Task.WhenAll(tasks).WaitAsync(Ct);
    }

    private async Task<Payout> SeedPayoutAsync(SqlPayoutsStore store, PayoutState state)
    {
        await store.StoreCreate(NewStore("s1"), null, Ct);
        var payout = NewPayout("s1", "dest", state);
        Assert.Equal(PayoutInsertResult.Inserted, await store.PayoutCreate(payout, CreatedEvent(payout), null, Ct));
        return payout;
    }

    /// <summary>Reads a claim snapshot without claiming: the decide function records it and refuses.</summary>
    private async Task<ClaimSnapshot> SnapshotAsync(SqlPayoutsStore store, string pullPaymentId, string destination)
    {
        ClaimSnapshot? seen = null;
        var result = await store.PayoutCreateClaim(pullPaymentId, destination, s =>
        {
            seen = s;
            return Failure.Of(ErrorCode.Overdraft);
        }, null, Ct);
        Assert.Equal(ErrorCode.Overdraft, result.Failure?.Code);
        return seen ?? throw new InvalidOperationException("decide was not called");
    }

    private static Store NewStore(string id) => new(id, $"Store {id}", T0);

    /// <summary>A BTC-CHAIN payout at revision 0. Past AwaitingApproval it carries what approval sets (amount, rate).</summary>
    private static Payout NewPayout(string storeId, string destination, PayoutState state = PayoutState.AwaitingApproval,
        decimal amount = 0.0015m) => new()
        {
            Id = Ids.New(),
            StoreId = storeId,
            PullPaymentId = null,
            MethodId = PayoutMethodId.BtcChain,
            Destination = destination,
            OriginalAmount = amount,
            OriginalCurrency = "BTC",
            PayoutCurrency = "BTC",
            PayoutAmount = state == PayoutState.AwaitingApproval ? null : amount,
            Rate = state == PayoutState.AwaitingApproval ? null : 1m,
            State = state,
            Revision = 0,
            MetadataJson = null,
            PaymentProofJson = null,
            ErrorCount = 0,
            CreatedAt = T0,
            UpdatedAt = T0,
        };

    private static PayoutEvent CreatedEvent(Payout p) =>
        new(p.Id, p.StoreId, 0, null, p.State, Person.Name, Person.IsProcessor, p.CreatedAt, "created");

    /// <summary>A claim of <paramref name="amount"/> as Core would build it, awaiting approval.</summary>
    private static (Payout Payout, PayoutEvent Created) ClaimOf(PullPayment pullPayment, string destination, decimal amount)
    {
        var payout = NewPayout(pullPayment.StoreId, destination, amount: amount) with
        {
            PullPaymentId = pullPayment.Id,
            OriginalCurrency = pullPayment.Currency,
        };
        return (payout, CreatedEvent(payout));
    }

    private static PullPayment NewPullPayment(string storeId, decimal amount) => new()
    {
        Id = Ids.New(),
        StoreId = storeId,
        Name = "Refunds",
        Description = "",
        Currency = "BTC",
        Amount = amount,
        StartsAt = null,
        ExpiresAt = null,
        Archived = false,
        AutoApproveClaims = false,
        Bolt11ExpirationDays = PullPayment.Bolt11ExpirationDaysDefault,
        PayoutMethods = [PayoutMethodId.BtcChain],
        MinimumClaim = 0m,
        CreatedAt = T0,
    };

    private static ApiKey NewApiKey(string id, bool bootstrap) =>
        new(id, ApiKey.Hash($"secret-{id}"), $"key {id}", ["btcpay.store.canviewpayouts"], bootstrap, T0, null);

    /// <summary>The valid next state, decided by Core's lifecycle (no processor enabled).</summary>
    private static TransitionOutcome.Changed Change(Payout payout, PayoutCommand command, Actor actor, DateTimeOffset now) =>
        Assert.IsType<TransitionOutcome.Changed>(PayoutLifecycle.Transition(payout, command, new TransitionContext(actor, false, now)));
}

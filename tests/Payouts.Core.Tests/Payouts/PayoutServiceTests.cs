using Payouts.Contracts;
using Payouts.Core.Idempotency;
using Payouts.Core.Payouts;
using Payouts.Core.Tests.Support;
using static Payouts.Contracts.PayoutState;

namespace Payouts.Core.Tests.Payouts;

public sealed class PayoutServiceTests
{
    private readonly FakePayoutsStore _store = new();
    private readonly FakeProcessorActivity _processors = new(enabled: false);
    private readonly FixedTimeProvider _time = new(TestData.Now);
    private readonly PayoutService _service;

    public PayoutServiceTests() => _service = new PayoutService(_store, _processors, _time);

    private static NewPayout StoreRequest(decimal amount = 0.0015m, bool approved = false, PayoutMethodId? method = null) =>
        new(TestData.StoreId, PullPaymentId: null, method ?? PayoutMethodId.BtcChain, TestData.ChainAddress, amount, approved, "{\"order\":42}");

    private static NewPayout ClaimRequest(decimal? amount = 0.2m, bool approved = false, string? storeId = null) =>
        new(storeId, TestData.PullPaymentId, PayoutMethodId.BtcChain, TestData.ChainAddress, amount, approved, MetadataJson: null);

    private static Payout Changed(Payout payout, PayoutCommand command, Actor actor) =>
        Assert.IsType<TransitionOutcome.Changed>(
            PayoutLifecycle.Transition(payout, command, new TransitionContext(actor, ProcessorActive: false, TestData.Now))).Next;

    /// <summary>Another writer's change that keeps the state: the revision moves on under us.</summary>
    private static Payout Touched(Payout p) => p with { Revision = p.Revision + 1, MetadataJson = "{\"edited\":true}" };

    private static Failure Failed<T>(Result<T> result)
    {
        Assert.False(result.IsOk);
        return result.Failure!;
    }

    // ---- Create (store route) ----

    [Fact]
    public async Task CreateUnapprovedStoresAwaitingApprovalAtRevisionZero()
    {
        var result = await _service.Create(StoreRequest(), TestData.Person, CancellationToken.None);

        var payout = result.Value;
        Assert.Equal(AwaitingApproval, payout.State);
        Assert.Equal(0, payout.Revision);
        Assert.Equal(TestData.StoreId, payout.StoreId);
        Assert.Null(payout.PullPaymentId);
        Assert.Equal(0.0015m, payout.OriginalAmount);
        Assert.Equal("BTC", payout.OriginalCurrency);
        Assert.Equal("BTC", payout.PayoutCurrency);
        Assert.Null(payout.PayoutAmount);
        Assert.Null(payout.Rate);
        Assert.Equal("{\"order\":42}", payout.MetadataJson);
        Assert.Equal(TestData.Now, payout.CreatedAt);
        Assert.Equal(TestData.Now, payout.UpdatedAt);
        Assert.True(Ids.LooksValid(payout.Id));
        Assert.Same(payout, _store.Payouts[payout.Id]);
        var created = Assert.Single(_store.Events);
        Assert.Equal(new PayoutEvent(payout.Id, TestData.StoreId, 0, null, AwaitingApproval, TestData.Person.Name, false, TestData.Now, "created"),
            created);
    }

    [Fact]
    public async Task CreateApprovedStoresAwaitingPaymentWithAmountAndRate()
    {
        var result = await _service.Create(StoreRequest(0.123456781m, approved: true), TestData.Person, CancellationToken.None);

        var payout = result.Value;
        Assert.Equal(AwaitingPayment, payout.State);
        Assert.Equal(0, payout.Revision);
        Assert.Equal(0.123456781m, payout.OriginalAmount);
        Assert.Equal(0.12345679m, payout.PayoutAmount);
        Assert.Equal(1m, payout.Rate);
        var created = Assert.Single(_store.Events);
        Assert.Null(created.From);
        Assert.Equal(AwaitingPayment, created.To);
        Assert.Equal(0, created.Revision);
    }

    [Fact]
    public async Task CreateBelowMethodMinimumIsAmountTooLowAndWritesNothing()
    {
        // TestData.ChainAddress is P2WPKH, whose dust limit is 294 sat.
        var result = await _service.Create(StoreRequest(0.00000293m), TestData.Person, CancellationToken.None);

        Assert.Equal(ErrorCode.AmountTooLow, Failed(result).Code);
        Assert.Contains("0.00000294 BTC", Failed(result).Message, StringComparison.Ordinal);
        Assert.Equal(0, _store.CreateCalls);
    }

    [Fact]
    public async Task CreateToDestinationWithActivePayoutIsDuplicateDestination()
    {
        _store.Add(TestData.Payout(AwaitingPayment) with { Id = "earlier" });

        var result = await _service.Create(StoreRequest(), TestData.Person, CancellationToken.None);

        Assert.Equal(ErrorCode.DuplicateDestination, Failed(result).Code);
        Assert.Single(_store.Payouts);
        Assert.Empty(_store.Events);
    }

    [Fact]
    public async Task CreateToDestinationOfCompletedPayoutIsAllowed()
    {
        _store.Add(TestData.Payout(Completed) with { Id = "earlier" });

        var result = await _service.Create(StoreRequest(), TestData.Person, CancellationToken.None);

        Assert.True(result.IsOk);
        Assert.Equal(2, _store.Payouts.Count);
    }

    // ---- Apply ----

    [Fact]
    public async Task ApplyToPayoutOfAnotherStoreIsPayoutNotFound()
    {
        _store.Add(TestData.Payout(AwaitingApproval));

        var result = await _service.Apply(TestData.OtherStoreId, TestData.PayoutId, new PayoutCommand.Cancel(), TestData.Person, CancellationToken.None);

        Assert.Equal(ErrorCode.PayoutNotFound, Failed(result).Code);
        Assert.Equal(AwaitingApproval, _store.Payouts[TestData.PayoutId].State);
        Assert.Equal(0, _store.TransitionCalls);
    }

    [Fact]
    public async Task ApplyToUnknownPayoutIsPayoutNotFound()
    {
        var result = await _service.Apply(TestData.StoreId, "missing", new PayoutCommand.Cancel(), TestData.Person, CancellationToken.None);

        Assert.Equal(ErrorCode.PayoutNotFound, Failed(result).Code);
    }

    [Fact]
    public async Task ApplyWithoutStoreSkipsStoreCheck()
    {
        _store.Add(TestData.Payout(AwaitingApproval));

        var result = await _service.Apply(storeId: null, TestData.PayoutId, new PayoutCommand.Cancel(), TestData.Person, CancellationToken.None);

        Assert.Equal(Cancelled, result.Value.State);
    }

    [Fact]
    public async Task ApplyWritesChangeAndReturnsNewRevision()
    {
        _store.Add(TestData.Payout(AwaitingApproval, revision: 3));

        var result = await _service.Apply(TestData.StoreId, TestData.PayoutId, new PayoutCommand.Approve(3, null), TestData.Person, CancellationToken.None);

        var payout = result.Value;
        Assert.Equal(AwaitingPayment, payout.State);
        Assert.Equal(4, payout.Revision);
        Assert.Equal(TestData.Now, payout.UpdatedAt);
        Assert.Same(payout, _store.Payouts[TestData.PayoutId]);
        var changed = Assert.Single(_store.Events);
        Assert.Equal((4, AwaitingApproval, AwaitingPayment), (changed.Revision, changed.From, changed.To));
        Assert.Equal([(TestData.StoreId, PayoutMethodId.BtcChain)], _processors.Calls);
    }

    [Fact]
    public async Task ApplyPassesRefusalThroughWithoutWriting()
    {
        _store.Add(TestData.Payout(Completed));

        var result = await _service.Apply(TestData.StoreId, TestData.PayoutId, new PayoutCommand.Cancel(), TestData.Person, CancellationToken.None);

        var failure = Failed(result);
        Assert.Equal(ErrorCode.InvalidState, failure.Code);
        Assert.Contains("Completed", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, _store.TransitionCalls);
    }

    [Fact]
    public async Task MarkPaidWhileProcessorActiveIsRefused()
    {
        _store.Add(TestData.Payout(AwaitingPayment));
        _processors.Enabled = true;

        var result = await _service.Apply(TestData.StoreId, TestData.PayoutId, new PayoutCommand.MarkPaid(null), TestData.Person, CancellationToken.None);

        Assert.Equal(ErrorCode.ProcessorActive, Failed(result).Code);
        Assert.Equal(AwaitingPayment, _store.Payouts[TestData.PayoutId].State);
    }

    [Fact]
    public async Task ApplyUnchangedReturnsPayoutWithoutWriting()
    {
        var cancelled = TestData.Payout(Cancelled, revision: 7);
        _store.Add(cancelled);

        var result = await _service.Apply(TestData.StoreId, TestData.PayoutId, new PayoutCommand.Cancel(), TestData.Person, CancellationToken.None);

        Assert.Same(cancelled, result.Value);
        Assert.Equal(0, _store.TransitionCalls);
        Assert.Empty(_store.Events);
    }

    [Fact]
    public async Task ApproveAfterAnotherWriterBumpedRevisionReturnsOldRevision()
    {
        _store.Add(TestData.Payout(AwaitingApproval, revision: 3));
        _store.ConcurrentWriters.Enqueue(Touched);

        var result = await _service.Apply(TestData.StoreId, TestData.PayoutId, new PayoutCommand.Approve(3, null), TestData.Person, CancellationToken.None);

        // Lost the write, re-read revision 4, and decided again: the client's revision 3 is now stale.
        Assert.Equal(ErrorCode.OldRevision, Failed(result).Code);
        Assert.Equal(1, _store.TransitionCalls);
        Assert.Equal(4, _store.Payouts[TestData.PayoutId].Revision);
        Assert.Equal(AwaitingApproval, _store.Payouts[TestData.PayoutId].State);
    }

    [Fact]
    public async Task CancelAfterProcessorClaimedPayoutReturnsInvalidState()
    {
        _store.Add(TestData.Payout(AwaitingPayment, revision: 3));
        _store.ConcurrentWriters.Enqueue(p => Changed(p, new PayoutCommand.BeginSend("a1"), TestData.Processor));

        var result = await _service.Apply(TestData.StoreId, TestData.PayoutId, new PayoutCommand.Cancel(), TestData.Person, CancellationToken.None);

        Assert.Equal(ErrorCode.InvalidState, Failed(result).Code);
        Assert.Equal(InProgress, _store.Payouts[TestData.PayoutId].State);
    }

    [Fact]
    public async Task CancelRacingAnotherCancelReturnsWinnersPayout()
    {
        _store.Add(TestData.Payout(AwaitingApproval, revision: 3));
        _store.ConcurrentWriters.Enqueue(p => Changed(p, new PayoutCommand.Cancel(), Actor.ApiKey("key2")));

        var result = await _service.Apply(TestData.StoreId, TestData.PayoutId, new PayoutCommand.Cancel(), TestData.Person, CancellationToken.None);

        Assert.Equal(Cancelled, result.Value.State);
        Assert.Equal(4, result.Value.Revision);
        Assert.Equal(1, _store.TransitionCalls);
    }

    [Fact]
    public async Task LostRaceOnUnrelatedChangeIsRetriedAndWins()
    {
        _store.Add(TestData.Payout(AwaitingApproval, revision: 3));
        _store.ConcurrentWriters.Enqueue(Touched);
        _store.ConcurrentWriters.Enqueue(Touched);

        var result = await _service.Apply(TestData.StoreId, TestData.PayoutId, new PayoutCommand.Cancel(), TestData.Person, CancellationToken.None);

        Assert.Equal(Cancelled, result.Value.State);
        Assert.Equal(6, result.Value.Revision);
        Assert.Equal("{\"edited\":true}", result.Value.MetadataJson); // decided on what the winner wrote
        Assert.Equal(3, _store.TransitionCalls);
        Assert.Equal(6, Assert.Single(_store.Events).Revision);
    }

    [Fact]
    public async Task ApplyGivesUpWithConcurrentUpdateAfterRaceRetriesMax()
    {
        _store.Add(TestData.Payout(AwaitingApproval, revision: 0));
        for (var i = 0; i < PayoutService.RaceRetriesMax + 5; i++)
            _store.ConcurrentWriters.Enqueue(Touched);

        var result = await _service.Apply(TestData.StoreId, TestData.PayoutId, new PayoutCommand.Cancel(), TestData.Person, CancellationToken.None);

        Assert.Equal(ErrorCode.ConcurrentUpdate, Failed(result).Code);
        Assert.Equal(PayoutService.RaceRetriesMax + 1, _store.TransitionCalls); // the first decision, then RaceRetriesMax more
        Assert.Equal(AwaitingApproval, _store.Payouts[TestData.PayoutId].State);
        Assert.Empty(_store.Events);
    }

    [Fact]
    public async Task ApplyWinsOnLastRetry()
    {
        _store.Add(TestData.Payout(AwaitingApproval, revision: 0));
        for (var i = 0; i < PayoutService.RaceRetriesMax; i++)
            _store.ConcurrentWriters.Enqueue(Touched);

        var result = await _service.Apply(TestData.StoreId, TestData.PayoutId, new PayoutCommand.Cancel(), TestData.Person, CancellationToken.None);

        Assert.Equal(Cancelled, result.Value.State);
        Assert.Equal(PayoutService.RaceRetriesMax + 1, _store.TransitionCalls);
    }

    [Fact]
    public async Task ApplyReadsClockForEveryDecision()
    {
        _store.Add(TestData.Payout(AwaitingApproval, revision: 0));
        var later = TestData.Now.AddMinutes(5);
        _store.ConcurrentWriters.Enqueue(p =>
        {
            _time.Now = later;
            return Touched(p);
        });

        var result = await _service.Apply(TestData.StoreId, TestData.PayoutId, new PayoutCommand.Cancel(), TestData.Person, CancellationToken.None);

        Assert.Equal(later, result.Value.UpdatedAt);
        Assert.Equal(later, Assert.Single(_store.Events).At);
    }

    // ---- Create through a pull payment (claims) ----

    [Fact]
    public async Task ClaimDecidesOnSnapshotAndInsertsPayout()
    {
        _store.PullPayments.Add(TestData.PullPaymentId, TestData.PullPayment());
        _store.Add(TestData.Payout(AwaitingPayment) with { Id = "other", PullPaymentId = TestData.PullPaymentId, Destination = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", OriginalAmount = 0.3m });

        var result = await _service.Create(ClaimRequest(amount: null), Actor.Anonymous, CancellationToken.None);

        var snapshot = Assert.Single(_store.Snapshots);
        Assert.Equal(TestData.PullPaymentId, snapshot.PullPayment.Id);
        Assert.Equal(0.3m, snapshot.ClaimedTotal);
        Assert.False(snapshot.DestinationActive);
        var payout = result.Value;
        Assert.Equal(0.7m, payout.OriginalAmount); // no amount: the remainder
        Assert.Equal("BTC", payout.OriginalCurrency);
        Assert.Equal(TestData.StoreId, payout.StoreId); // the pull payment's store, though the claim was anonymous
        Assert.Equal(TestData.PullPaymentId, payout.PullPaymentId);
        Assert.Equal(AwaitingApproval, payout.State);
        Assert.Same(payout, _store.Payouts[payout.Id]);
        Assert.Equal("anonymous", Assert.Single(_store.Events).Actor);
    }

    [Fact]
    public async Task ClaimRefusedByRulesWritesNothing()
    {
        _store.PullPayments.Add(TestData.PullPaymentId, TestData.PullPayment() with { ExpiresAt = TestData.Now });

        var result = await _service.Create(ClaimRequest(), Actor.Anonymous, CancellationToken.None);

        Assert.Equal(ErrorCode.Expired, Failed(result).Code);
        Assert.Empty(_store.Payouts);
        Assert.Empty(_store.Events);
    }

    [Fact]
    public async Task ClaimToActiveDestinationIsDuplicateDestination()
    {
        _store.PullPayments.Add(TestData.PullPaymentId, TestData.PullPayment());
        _store.Add(TestData.Payout(AwaitingApproval) with { Id = "other" });

        var result = await _service.Create(ClaimRequest(), Actor.Anonymous, CancellationToken.None);

        Assert.Equal(ErrorCode.DuplicateDestination, Failed(result).Code);
        Assert.True(Assert.Single(_store.Snapshots).DestinationActive);
    }

    [Fact]
    public async Task ClaimThroughAnotherStoreIsPullPaymentNotFound()
    {
        _store.PullPayments.Add(TestData.PullPaymentId, TestData.PullPayment());

        var result = await _service.Create(ClaimRequest(storeId: TestData.OtherStoreId), TestData.Person, CancellationToken.None);

        Assert.Equal(ErrorCode.PullPaymentNotFound, Failed(result).Code);
        Assert.Empty(_store.Payouts);
    }

    [Fact]
    public async Task ClaimUsesClockAtRequest()
    {
        _store.PullPayments.Add(TestData.PullPaymentId, TestData.PullPayment() with { StartsAt = TestData.Now.AddSeconds(1) });

        var early = await _service.Create(ClaimRequest(), Actor.Anonymous, CancellationToken.None);
        _time.Now = TestData.Now.AddSeconds(1);
        var onTime = await _service.Create(ClaimRequest(), Actor.Anonymous, CancellationToken.None);

        Assert.Equal(ErrorCode.NotStarted, Failed(early).Code);
        Assert.Equal(TestData.Now.AddSeconds(1), onTime.Value.CreatedAt);
    }

    [Fact]
    public async Task AutoApprovedClaimInBtcIsAwaitingPayment()
    {
        _store.PullPayments.Add(TestData.PullPaymentId, TestData.PullPayment() with { AutoApproveClaims = true });

        var result = await _service.Create(ClaimRequest(), Actor.Anonymous, CancellationToken.None);

        Assert.Equal(AwaitingPayment, result.Value.State);
        Assert.Equal(0.2m, result.Value.PayoutAmount);
        Assert.Equal(1m, result.Value.Rate);
        Assert.Equal(AwaitingPayment, Assert.Single(_store.Events).To);
    }

    [Fact]
    public async Task AutoApprovedClaimWithoutRateStaysAwaitingApproval()
    {
        _store.PullPayments.Add(TestData.PullPaymentId, TestData.PullPayment("USD", 100m) with { AutoApproveClaims = true });

        var result = await _service.Create(ClaimRequest(amount: 20m), Actor.Anonymous, CancellationToken.None);

        Assert.Equal(AwaitingApproval, result.Value.State);
        Assert.Equal("USD", result.Value.OriginalCurrency);
        Assert.Null(result.Value.PayoutAmount);
        Assert.Single(_store.Payouts);
    }

    [Fact]
    public async Task ExplicitlyApprovedClaimWithoutRateIsRateUnavailable()
    {
        _store.PullPayments.Add(TestData.PullPaymentId, TestData.PullPayment("USD", 100m));

        var result = await _service.Create(ClaimRequest(amount: 20m, approved: true, storeId: TestData.StoreId), TestData.Person, CancellationToken.None);

        Assert.Equal(ErrorCode.RateUnavailable, Failed(result).Code);
        Assert.Empty(_store.Payouts);
    }

    [Fact]
    public async Task AutoApprovedSatsClaimBelowDustIsAmountTooLow()
    {
        // The dust limit of a P2PKH output, 0.00000546 BTC, is 546 SATS; a P2WPKH output's is 294.
        _store.PullPayments.Add(TestData.PullPaymentId, TestData.PullPayment("SATS", 100_000m) with { AutoApproveClaims = true });

        var accepted = await _service.Create(ClaimRequest(amount: 294m), Actor.Anonymous, CancellationToken.None);
        var refused = await _service.Create(ClaimRequest(amount: 545m) with { Destination = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa" },
            Actor.Anonymous, CancellationToken.None);

        Assert.Equal(0.00000294m, accepted.Value.PayoutAmount);
        Assert.Equal(ErrorCode.AmountTooLow, Failed(refused).Code);
    }
    // ---- Idempotency answers commit with the rows ----

    private static IdempotencyCompletion Answer(string body) =>
        new("store1:POST /payouts", "key-1", LeaseUntilMs: 1, StatusCode: 200, "application/json", System.Text.Encoding.UTF8.GetBytes(body));

    [Fact]
    public async Task CreatePassesCompletionBuiltFromCreatedPayout()
    {
        var result = await _service.Create(StoreRequest(), TestData.Person, CancellationToken.None, complete: p => Answer(p.Id));

        Assert.Equal(result.Value.Id, System.Text.Encoding.UTF8.GetString(Assert.Single(_store.Completions).Body));
    }

    [Fact]
    public async Task ClaimPassesCompletionBuiltFromCreatedPayout()
    {
        _store.PullPayments.Add(TestData.PullPaymentId, TestData.PullPayment());

        var result = await _service.Create(ClaimRequest(), Actor.Anonymous, CancellationToken.None, complete: p => Answer(p.Id));

        Assert.Equal(result.Value.Id, System.Text.Encoding.UTF8.GetString(Assert.Single(_store.Completions).Body));
    }

    [Fact]
    public async Task RefusedCreateCommitsNoCompletion()
    {
        var result = await _service.Create(StoreRequest(0.00000293m), TestData.Person, CancellationToken.None, complete: p => Answer(p.Id));

        Assert.False(result.IsOk);
        Assert.Empty(_store.Completions);
    }

    // ---- Bulk create ----

    private static NewPayout To(string destination, decimal amount = 0.001m, bool approved = false) =>
        StoreRequest(amount, approved) with { Destination = destination };

    [Fact]
    public async Task CreateManyCreatesEveryPayout()
    {
        var result = await _service.CreateMany(
            [To(TestData.ChainAddress), To("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", approved: true)], TestData.Person, CancellationToken.None);

        Assert.Equal([AwaitingApproval, AwaitingPayment], result.Value.Select(p => p.State));
        Assert.Equal(2, _store.Payouts.Count);
        Assert.Equal(2, _store.Events.Count);
        Assert.All(result.Value, p => Assert.Equal(TestData.Now, p.CreatedAt));
    }

    [Fact]
    public async Task CreateManyWithDestinationRepeatedInRequestCreatesNothing()
    {
        var result = await _service.CreateMany([To(TestData.ChainAddress), To(TestData.ChainAddress)], TestData.Person, CancellationToken.None);

        var failure = Failed(result);
        Assert.Equal(ErrorCode.DuplicateDestination, failure.Code);
        Assert.StartsWith("payouts[1]", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_store.Payouts);
    }

    [Fact]
    public async Task CreateManyWithDestinationActiveInStoreCreatesNothing()
    {
        _store.Add(TestData.Payout(AwaitingPayment) with { Id = "earlier", Destination = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy" });

        var result = await _service.CreateMany(
            [To(TestData.ChainAddress), To("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")], TestData.Person, CancellationToken.None);

        var failure = Failed(result);
        Assert.Equal(ErrorCode.DuplicateDestination, failure.Code);
        Assert.StartsWith("payouts[1]", failure.Message, StringComparison.Ordinal);
        Assert.Single(_store.Payouts);
    }

    [Fact]
    public async Task CreateManyWithOneAmountTooLowCreatesNothing()
    {
        var result = await _service.CreateMany(
            [To(TestData.ChainAddress), To("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", amount: 0.00000545m)], TestData.Person, CancellationToken.None);

        var failure = Failed(result);
        Assert.Equal(ErrorCode.AmountTooLow, failure.Code);
        Assert.StartsWith("payouts[1]", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, _store.CreateCalls);
    }

    [Fact]
    public async Task CreateManyBeyondBulkCountMaxIsABug()
    {
        var requests = Enumerable.Range(0, PayoutService.BulkCountMax + 1).Select(i => To($"a{i}@example.com")).ToList();

        await Assert.ThrowsAsync<InvariantViolationException>(() => _service.CreateMany(requests, TestData.Person, CancellationToken.None));
        await Assert.ThrowsAsync<InvariantViolationException>(() => _service.CreateMany([], TestData.Person, CancellationToken.None));
    }

    // ---- Archiving a pull payment ----

    [Fact]
    public async Task ArchivePullPaymentCancelsPayoutsNotYetMoving()
    {
        _store.PullPayments.Add(TestData.PullPaymentId, TestData.PullPayment());
        var states = new[] { AwaitingApproval, AwaitingPayment, InProgress, Completed, Cancelled };
        foreach (var state in states)
            _store.Add(TestData.Payout(state) with { Id = state.ToString(), PullPaymentId = TestData.PullPaymentId });

        Assert.True(await _service.ArchivePullPayment(TestData.StoreId, TestData.PullPaymentId, TestData.Person, CancellationToken.None));

        Assert.True(_store.PullPayments[TestData.PullPaymentId].Archived);
        Assert.Equal([Cancelled, Cancelled, InProgress, Completed, Cancelled], states.Select(s => _store.Payouts[s.ToString()].State));
        Assert.Equal(["AwaitingApproval", "AwaitingPayment"], _store.Events.Select(e => e.PayoutId).Order(StringComparer.Ordinal));
        Assert.All(_store.Events, e => Assert.Equal((Cancelled, TestData.Person.Name, TestData.Now), (e.To, e.Actor, e.At)));
    }

    [Fact]
    public async Task ArchivePullPaymentOfAnotherStoreIsFalse()
    {
        _store.PullPayments.Add(TestData.PullPaymentId, TestData.PullPayment());

        Assert.False(await _service.ArchivePullPayment(TestData.OtherStoreId, TestData.PullPaymentId, TestData.Person, CancellationToken.None));
        Assert.False(_store.PullPayments[TestData.PullPaymentId].Archived);
    }
}

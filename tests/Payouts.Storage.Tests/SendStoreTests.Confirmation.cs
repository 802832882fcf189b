using System.Data.Common;
using Dapper;
using Payouts.Contracts;
using Payouts.Core.Payouts;
using Payouts.Core.Sending;
using Payouts.Storage.Tests.Support;

namespace Payouts.Storage.Tests;

/// <summary>
/// On-chain attempts after issue 5: a non-final success leaves the row Confirmed (payout Completed, attempt still
/// watched) until it is final or a reorg undoes it; a stuck send gets a replacement artifact by compare-and-set.
/// Part of the <see cref="SendStoreTests"/> suite, so it runs on both engines.
/// </summary>
public abstract partial class SendStoreTests
{
    protected const string FirstProof = "{\"proofType\":\"PayoutTransactionOnChainBlob\",\"transactionId\":\"aa\"}";
    protected const string SecondProof = "{\"proofType\":\"PayoutTransactionOnChainBlob\",\"transactionId\":\"bb\"}";

    protected Task<SendAttempt> RecordAsync(World w, SendAttempt attempt, params (string PayoutId, SendOutcome Outcome)[] outcomes) =>
        RecordAsync(w.Send, attempt, outcomes);

    protected async Task<SendAttempt> RecordAsync(SqlSendStore store, SendAttempt attempt, params (string PayoutId, SendOutcome Outcome)[] outcomes) =>
        Assert.IsType<SendAttempt>(await store.AttemptRecord(attempt.Id, fence: null,
            outcomes.ToDictionary(o => o.PayoutId, o => o.Outcome), ByNodeA, Ct));

    /// <summary>Claims and prepares every waiting payout, then records each as confirmed but not final.</summary>
    protected async Task<SendAttempt> ConfirmedAttemptAsync(World w, ProcessorLease lease)
    {
        var attempt = await ClaimAndPrepareAsync(w, lease);
        var confirmed = await RecordAsync(w, attempt,
            attempt.Payouts.Select(p => (p.PayoutId, (SendOutcome)new SendOutcome.Succeeded(FirstProof, Final: false))).ToArray());
        Assert.All(confirmed.Payouts, p => Assert.Equal(AttemptPayoutState.Confirmed, p.State));
        return confirmed;
    }

    private static async Task InsertAttemptAsync(DbConnection c, string id, string state, CancellationToken ct) =>
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO send_attempts (id, store_id, payout_method_id, epoch, node_id, state, artifact, created_at_ms, updated_at_ms) " +
            "VALUES (@Id, 's1', 'BTC-CHAIN', 1, 'node-x', @State, NULL, 0, 0)", new { Id = id, State = state }, cancellationToken: ct));

    private static Task<int> InsertAttemptRowAsync(DbConnection c, string attemptId, string payoutId, string state, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO send_attempt_payouts (attempt_id, payout_id, destination, amount, state, reference, detail, updated_at_ms) " +
            "VALUES (@AttemptId, @PayoutId, 'x', '0.001', @State, NULL, NULL, 0)",
            new { AttemptId = attemptId, PayoutId = payoutId, State = state }, cancellationToken: ct));

    // ---------------------------------------------------------------- confirmed rows (reorg watching)

    [StoreFact]
    public async Task NonFinalSuccessCompletesThePayoutAndKeepsTheAttemptWatched()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAndPrepareAsync(w, lease);

        var recorded = await RecordAsync(w, attempt, ("s1-p1", new SendOutcome.Succeeded(FirstProof, Final: false)));

        Assert.Equal(AttemptState.Prepared, recorded.State);
        Assert.Equal([new AttemptPayout("s1-p1", Addresses.For("s1dest1"), 0.001m, AttemptPayoutState.Confirmed, "r-s1-p1", null)], recorded.Payouts);
        var payout = await PayoutAsync(w, "s1-p1");
        Assert.Equal((PayoutState.Completed, 2, 0, FirstProof), (payout.State, payout.Revision, payout.ErrorCount, payout.PaymentProofJson));
        var events = await w.Payouts.PayoutEventList("s1-p1", Ct);
        Assert.Equal(3, events.Count);
        Assert.Equal((PayoutState.InProgress, PayoutState.Completed, "processor:node-a", true, 2),
            (events[^1].From!.Value, events[^1].To, events[^1].Actor, events[^1].ProcessorAuto, events[^1].Revision));
        // Still asked about by the reconciler, with the row as it is now …
        var unfinished = Assert.Single(await w.Send.AttemptListUnfinished(10, Ct));
        Assert.Equal(attempt.Id, unfinished.Id);
        Assert.Equal(recorded.Payouts, unfinished.Payouts);
        // … but a Completed payout is not being sent.
        Assert.False(await w.Send.AttemptHoldsPayout("s1-p1", Ct));
    }

    [StoreFact]
    public async Task FinalSuccessOfAConfirmedRowEndsTheAttemptWithoutAnotherEvent()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        var attempt = await ConfirmedAttemptAsync(w, lease);
        var completed = await PayoutAsync(w, "s1-p1");

        var final = await RecordAsync(w, attempt, ("s1-p1", new SendOutcome.Succeeded(SecondProof, Final: true)));

        Assert.Equal(AttemptState.Done, final.State);
        Assert.Equal([(AttemptPayoutState.Succeeded, "r-s1-p1")], final.Payouts.Select(p => (p.State, p.Reference)));
        var stored = (await w.Send.AttemptGetById(attempt.Id, Ct))!;
        Assert.Equal(AttemptState.Done, stored.State);
        Assert.Equal(final.Payouts, stored.Payouts);
        Assert.Equal(completed, await PayoutAsync(w, "s1-p1"));
        Assert.Equal(3, (await w.Payouts.PayoutEventList("s1-p1", Ct)).Count);
        Assert.Empty(await w.Send.AttemptListUnfinished(10, Ct));
    }

    [StoreFact]
    public async Task RepeatedNonFinalSuccessOrNotFoundLeavesAConfirmedRowAlone()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        var attempt = await ConfirmedAttemptAsync(w, lease);
        var completed = await PayoutAsync(w, "s1-p1");

        var again = await RecordAsync(w, attempt, ("s1-p1", new SendOutcome.Succeeded(SecondProof, Final: false)));
        var notFound = await RecordAsync(w, attempt, ("s1-p1", new SendOutcome.NotFound()));

        Assert.Equal(attempt, again with { Payouts = attempt.Payouts });
        Assert.Equal(attempt.Payouts, again.Payouts);
        Assert.Equal(attempt.Payouts, notFound.Payouts);
        Assert.Equal(AttemptState.Prepared, notFound.State);
        Assert.Equal(completed, await PayoutAsync(w, "s1-p1"));
        Assert.Equal(3, (await w.Payouts.PayoutEventList("s1-p1", Ct)).Count);
        Assert.Equal([attempt.Id], (await w.Send.AttemptListUnfinished(10, Ct)).Select(a => a.Id));
    }

    [StoreFact]
    public async Task ReorgReturnsTheCompletedPayoutsToInProgressAndClearsTheirProof()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m, 0.003m);
        var lease = await AcquireAsync(w);
        var attempt = await ConfirmedAttemptAsync(w, lease);

        var reorged = await RecordAsync(w, attempt,
            ("s1-p1", new SendOutcome.Sent("back in the mempool")),
            ("s1-p2", new SendOutcome.InFlight(null)),
            ("s1-p3", new SendOutcome.Unknown("node unreachable")));

        Assert.Equal(AttemptState.Prepared, reorged.State);
        Assert.Equal(
            [
                (AttemptPayoutState.Sent, "r-s1-p1"),
                (AttemptPayoutState.InFlight, "r-s1-p2"),
                (AttemptPayoutState.Unknown, "r-s1-p3"),
            ],
            reorged.Payouts.Select(p => (p.State, p.Reference)));
        Assert.Equal("back in the mempool", reorged.Payouts[0].Detail);
        Assert.Equal("node unreachable", reorged.Payouts[2].Detail);
        Assert.Equal(reorged.Payouts, (await w.Send.AttemptGetById(attempt.Id, Ct))!.Payouts);
        Assert.Equal([attempt.Id], (await w.Send.AttemptListUnfinished(10, Ct)).Select(a => a.Id));
        foreach (var id in new[] { "s1-p1", "s1-p2", "s1-p3" })
        {
            var payout = await PayoutAsync(w, id);
            Assert.Equal((PayoutState.InProgress, 3, 0, (string?)null), (payout.State, payout.Revision, payout.ErrorCount, payout.PaymentProofJson));
            var events = await w.Payouts.PayoutEventList(id, Ct);
            Assert.Equal(4, events.Count);
            var unconfirmed = events[^1];
            Assert.Equal((PayoutState.Completed, PayoutState.InProgress, "processor:node-a", true, 3),
                (unconfirmed.From!.Value, unconfirmed.To, unconfirmed.Actor, unconfirmed.ProcessorAuto, unconfirmed.Revision));
            Assert.Contains(attempt.Id, unconfirmed.Detail, StringComparison.Ordinal);
            // Live again: the payout is being sent.
            Assert.True(await w.Send.AttemptHoldsPayout(id, Ct));
        }

        // The transaction confirms again, deep enough this time.
        var final = await RecordAsync(w, attempt, reorged.Payouts
            .Select(p => (p.PayoutId, (SendOutcome)new SendOutcome.Succeeded(SecondProof, Final: true))).ToArray());

        Assert.Equal(AttemptState.Done, final.State);
        Assert.All(final.Payouts, p => Assert.Equal(AttemptPayoutState.Succeeded, p.State));
        foreach (var id in new[] { "s1-p1", "s1-p2", "s1-p3" })
        {
            var payout = await PayoutAsync(w, id);
            Assert.Equal((PayoutState.Completed, 4, SecondProof), (payout.State, payout.Revision, payout.PaymentProofJson));
            Assert.Equal(5, (await w.Payouts.PayoutEventList(id, Ct)).Count);
        }
        Assert.Empty(await w.Send.AttemptListUnfinished(10, Ct));
    }

    [StoreFact]
    public async Task ConflictAfterAReorgReturnsTheConfirmedPayoutsToWaitingCountingOnlyTheCulprit()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m);
        var lease = await AcquireAsync(w);
        var attempt = await ConfirmedAttemptAsync(w, lease);

        var conflicted = await RecordAsync(w, attempt,
            ("s1-p1", new SendOutcome.NotSent("conflicted: its inputs were spent", Culprit: true)),
            ("s1-p2", new SendOutcome.NotSent("conflicted: a batch-mate's inputs were spent", Culprit: false)));

        Assert.Equal(AttemptState.Done, conflicted.State);
        Assert.Equal(
            [
                (AttemptPayoutState.Failed, "r-s1-p1", "conflicted: its inputs were spent"),
                (AttemptPayoutState.Failed, "r-s1-p2", "conflicted: a batch-mate's inputs were spent"),
            ],
            conflicted.Payouts.Select(p => (p.State, p.Reference, p.Detail)));
        Assert.Empty(await w.Send.AttemptListUnfinished(10, Ct));
        foreach (var (id, errors) in new[] { ("s1-p1", 1), ("s1-p2", 0) })
        {
            var payout = await PayoutAsync(w, id);
            Assert.Equal((PayoutState.AwaitingPayment, 4, errors, (string?)null),
                (payout.State, payout.Revision, payout.ErrorCount, payout.PaymentProofJson));
            var events = await w.Payouts.PayoutEventList(id, Ct);
            Assert.Equal(5, events.Count);
            Assert.Equal(
                [
                    (PayoutState.Completed, PayoutState.InProgress, 3),
                    (PayoutState.InProgress, PayoutState.AwaitingPayment, 4),
                ],
                events.Skip(3).Select(e => (e.From!.Value, e.To, e.Revision)));
            Assert.All(events.Skip(3), e => Assert.Equal(("processor:node-a", true), (e.Actor, e.ProcessorAuto)));
            Assert.False(await w.Send.AttemptHoldsPayout(id, Ct));
        }

        // Waiting again, and claimable into a new attempt: the failed rows hold nothing.
        var next = await ClaimAsync(w, lease);
        Assert.NotEqual(attempt.Id, next.Id);
        Assert.Equal(["s1-p1", "s1-p2"], next.Payouts.Select(p => p.PayoutId));
    }

    [StoreFact]
    public async Task PayoutWithAConfirmedRowIsNotClaimedAgain()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m);
        var lease = await AcquireAsync(w);
        var first = await ClaimAsync(w, lease, c => [c.Waiting[0]]);
        first = (await w.Send.AttemptPrepare(lease, first.Id, Prepared(first), ByNodeA, Ct))!;
        await RecordAsync(w, first, ("s1-p1", new SendOutcome.Succeeded(FirstProof, Final: false)));
        ClaimCandidates? seen = null;

        var second = await ClaimAsync(w, lease, c =>
        {
            seen = c;
            return c.Waiting;
        });

        Assert.Equal(["s1-p2"], seen!.Waiting.Select(p => p.Id));
        Assert.Equal(["s1-p2"], second.Payouts.Select(p => p.PayoutId));
        // A confirmed payout still counts toward what was sent today.
        Assert.Equal(0.001m, seen.SentTodayTotal);
        Assert.Equal(PayoutState.Completed, (await PayoutAsync(w, "s1-p1")).State);
    }

    [StoreFact]
    public async Task UniqueIndexIgnoresConfirmedRowsButARowBackFromAReorgHoldsThePayoutAgain()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        var attempt = await ConfirmedAttemptAsync(w, lease);
        await using var c = await w.Db.Open(Ct);
        await InsertAttemptAsync(c, "other", "done", Ct);
        await InsertAttemptAsync(c, "third", "done", Ct);

        // 'confirmed' is a valid state and does not hold the payout: a second such row is accepted.
        Assert.Equal(1, await InsertAttemptRowAsync(c, "other", "s1-p1", "confirmed", Ct));

        await RecordAsync(w, attempt, ("s1-p1", new SendOutcome.Sent("back in the mempool")));

        // The row is live again: no other attempt may hold the payout now.
        foreach (var live in new[] { "claimed", "prepared", "sent", "in_flight", "unknown" })
        {
            var refused = await Assert.ThrowsAnyAsync<DbException>(() => InsertAttemptRowAsync(c, "third", "s1-p1", live, Ct));
            Assert.Contains("send_attempt_payouts", refused.Message, StringComparison.Ordinal);
        }
        Assert.Equal(AttemptPayoutState.Sent, Assert.Single((await w.Send.AttemptGetById(attempt.Id, Ct))!.Payouts).State);
    }

    [StoreFact]
    public async Task ConcurrentRecordsOfAReorgMoveEachPayoutOnce()
    {
        // Reconcilers on every node may record the same reorg at once: one Unconfirm (and one failure) per payout.
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m);
        var lease = await AcquireAsync(w);
        var attempt = await ConfirmedAttemptAsync(w, lease);
        var nodes = Enumerable.Range(0, 4).Select(_ => new SqlSendStore(Connect(w.ConnectionString))).ToList();

        await RunTogether(nodes.Select<SqlSendStore, Func<Task<SendAttempt>>>(store => () => RecordAsync(store, attempt,
            ("s1-p1", new SendOutcome.NotSent("conflicted", Culprit: true)),
            ("s1-p2", new SendOutcome.Sent("back in the mempool")))));

        var p1 = await PayoutAsync(w, "s1-p1");
        Assert.Equal((PayoutState.AwaitingPayment, 4, 1), (p1.State, p1.Revision, p1.ErrorCount));
        Assert.Equal(5, (await w.Payouts.PayoutEventList("s1-p1", Ct)).Count);
        var p2 = await PayoutAsync(w, "s1-p2");
        Assert.Equal((PayoutState.InProgress, 3), (p2.State, p2.Revision));
        Assert.Equal(4, (await w.Payouts.PayoutEventList("s1-p2", Ct)).Count);
        Assert.Equal([AttemptPayoutState.Failed, AttemptPayoutState.Sent],
            (await w.Send.AttemptGetById(attempt.Id, Ct))!.Payouts.Select(p => p.State));
    }

    // ---------------------------------------------------------------- replacement artifacts (fee bumps)

    [StoreFact]
    public async Task ReplaceArtifactCommitsOnlyOverTheExpectedArtifactOfAPreparedAttempt()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m, 0.002m);
        var lease = await AcquireAsync(w);
        var claimed = await ClaimAsync(w, lease);

        // Claimed: nothing committed yet, so nothing to replace.
        Assert.False(await w.Send.AttemptReplaceArtifact(claimed.Id, "anything", "bump-0", T0, Ct));
        Assert.Null((await w.Send.AttemptGetById(claimed.Id, Ct))!.Artifact);

        var attempt = (await w.Send.AttemptPrepare(lease, claimed.Id, Prepared(claimed), ByNodeA, Ct))!;
        var original = attempt.Artifact!;
        Assert.False(await w.Send.AttemptReplaceArtifact(attempt.Id, "not-the-artifact", "bump-x", T0, Ct));
        Assert.False(await w.Send.AttemptReplaceArtifact("no-such-attempt", original, "bump-x", T0, Ct));
        Assert.Equal(original, (await w.Send.AttemptGetById(attempt.Id, Ct))!.Artifact);

        Assert.True(await w.Send.AttemptReplaceArtifact(attempt.Id, original, "bump-1", T0, Ct));

        var replaced = (await w.Send.AttemptGetById(attempt.Id, Ct))!;
        Assert.Equal(attempt with { Artifact = "bump-1", Payouts = replaced.Payouts }, replaced);
        Assert.Equal(attempt.Payouts, replaced.Payouts);
        Assert.Equal("bump-1", Assert.Single(await w.Send.AttemptListUnfinished(10, Ct)).Artifact);
        // The original is no longer what is committed; the replacement can be replaced in turn.
        Assert.False(await w.Send.AttemptReplaceArtifact(attempt.Id, original, "bump-x", T0, Ct));
        Assert.True(await w.Send.AttemptReplaceArtifact(attempt.Id, "bump-1", "bump-2", T0, Ct));
        Assert.Equal("bump-2", (await w.Send.AttemptGetById(attempt.Id, Ct))!.Artifact);
        foreach (var id in new[] { "s1-p1", "s1-p2" })
        {
            var payout = await PayoutAsync(w, id);
            Assert.Equal((PayoutState.InProgress, 1), (payout.State, payout.Revision));
        }

        // Done: never replaced again.
        await RecordAsync(w, attempt, ("s1-p1", new SendOutcome.Succeeded(FirstProof)), ("s1-p2", new SendOutcome.Succeeded(FirstProof)));
        Assert.False(await w.Send.AttemptReplaceArtifact(attempt.Id, "bump-2", "bump-3", T0, Ct));
        Assert.Equal("bump-2", (await w.Send.AttemptGetById(attempt.Id, Ct))!.Artifact);
    }

    [StoreFact]
    public async Task ConcurrentReplacementsOfOneArtifactCommitExactlyOne()
    {
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAndPrepareAsync(w, lease);
        var nodes = Enumerable.Range(0, 8).Select(_ => new SqlSendStore(Connect(w.ConnectionString))).ToList();

        var won = await RunTogether(nodes.Select((store, i) => (Func<Task<bool>>)(() =>
            store.AttemptReplaceArtifact(attempt.Id, attempt.Artifact!, $"bump-by-{i}", T0, Ct))));

        var winner = Assert.Single(Enumerable.Range(0, won.Length), i => won[i]);
        Assert.Equal($"bump-by-{winner}", (await w.Send.AttemptGetById(attempt.Id, Ct))!.Artifact);
    }
}

using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Payouts.Contracts;
using Payouts.Core.Payouts;
using Payouts.Core.Sending;
using Payouts.Storage.Tests.Support;

namespace Payouts.Storage.Tests;

/// <summary>
/// PostgreSQL-only interleavings of issue 5's writes: on SQLite every write transaction holds the database lock from
/// its first statement, so these orders cannot arise there.
/// </summary>
public sealed partial class PostgresSendStoreTests
{
    /// <summary>
    /// Outcomes whose enumeration waits at a gate. <see cref="SqlSendStore.AttemptRecord"/> reads the attempt's rows, then
    /// enumerates the outcomes: holding it here lets another recorder commit in between, as a second reconciler can.
    /// </summary>
    private sealed class GatedOutcomes(Dictionary<string, SendOutcome> outcomes) : IReadOnlyDictionary<string, SendOutcome>, IDisposable
    {
        public SemaphoreSlim Reached { get; } = new(0);
        public ManualResetEventSlim Release { get; } = new(false);
        private int _gated;

        public IEnumerator<KeyValuePair<string, SendOutcome>> GetEnumerator()
        {
            if (Interlocked.Exchange(ref _gated, 1) == 0)
            {
                Reached.Release();
                Assert.True(Release.Wait(TimeSpan.FromMinutes(1)), "the gate was never opened");
            }
            return outcomes.GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public int Count => outcomes.Count;
        public bool ContainsKey(string key) => outcomes.ContainsKey(key);
        public bool TryGetValue(string key, [MaybeNullWhen(false)] out SendOutcome value) => outcomes.TryGetValue(key, out value);
        public SendOutcome this[string key] => outcomes[key];
        public IEnumerable<string> Keys => outcomes.Keys;
        public IEnumerable<SendOutcome> Values => outcomes.Values;

        public void Dispose()
        {
            Reached.Dispose();
            Release.Dispose();
        }
    }

    /// <summary>
    /// Records <paramref name="stale"/> from one node and <paramref name="fresh"/> from another so that the stale
    /// recorder reads the rows first, the fresh one then records (or, if it must wait for the stale one, waits), and the
    /// stale one finishes last.
    /// </summary>
    private async Task RecordInterleavedAsync(World w, SendAttempt attempt, Dictionary<string, SendOutcome> stale,
        Dictionary<string, SendOutcome> fresh)
    {
        using var gated = new GatedOutcomes(stale);
        var staleNode = new SqlSendStore(Connect(w.ConnectionString));
        var freshNode = new SqlSendStore(Connect(w.ConnectionString));
        var first = Task.Run(() => staleNode.AttemptRecord(attempt.Id, fence: null, gated, ByNodeA, Ct));
        Assert.True(await gated.Reached.WaitAsync(TimeSpan.FromMinutes(1), Ct));
        Task<SendAttempt?> second;
        try
        {
            second = Task.Run(() => freshNode.AttemptRecord(attempt.Id, fence: null, fresh, ByNodeA, Ct));
            // A store that locks the rows it read makes the fresh recorder wait: give it a moment, not a deadlock.
            await Task.WhenAny(second, Task.Delay(TimeSpan.FromSeconds(2), Ct));
        }
        finally
        {
            gated.Release.Set();
        }
        await Task.WhenAll(first, second).WaitAsync(Ct);
    }

    /// <summary>Whatever order the writes took, a payout and its row must agree, and a done attempt holds nothing.</summary>
    private async Task AssertConsistentAsync(World w, string attemptId, string payoutId)
    {
        var attempt = (await w.Send.AttemptGetById(attemptId, Ct))!;
        var row = attempt.Payouts.Single(p => p.PayoutId == payoutId);
        var payout = await PayoutAsync(w, payoutId);
        switch (payout.State)
        {
            case PayoutState.Completed:
                Assert.True(row.State is AttemptPayoutState.Confirmed or AttemptPayoutState.Succeeded,
                    $"payout Completed but its row is {row.State}");
                Assert.NotNull(payout.PaymentProofJson);
                break;
            case PayoutState.InProgress:
                Assert.True(row.IsLive, $"payout InProgress but its row is {row.State}");
                Assert.NotEqual(AttemptState.Done, attempt.State);
                break;
            case PayoutState.AwaitingPayment:
                Assert.Equal(AttemptPayoutState.Failed, row.State);
                break;
            default:
                Assert.Fail($"payout {payout.State} after a send");
                break;
        }
        if (attempt.State == AttemptState.Done)
            Assert.DoesNotContain(attempt.Payouts, p => p.IsWatched);
    }

    [PostgresFact]
    public async Task RailConfigWriteWaitsForAClaimInProgressAndThenIsBusy()
    {
        // Goal: a rail change cannot slip between a claim's fence and its commit and so swap the rail under a new attempt.
        // How: s1's plan (inside the claim transaction, after the fence) waits on a gate; an upsert started meanwhile
        // must not finish before the claim commits, and then must see its attempt.
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        var rails = new SqlRailConfigStore(Connect(w.ConnectionString));
        using var inside = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim(false);
        var claim = Task.Run(() => w.Send.AttemptClaim(lease, new HashSet<string>(), 10, c =>
        {
            inside.Release();
            Assert.True(release.Wait(TimeSpan.FromMinutes(1)));
            return c.Waiting;
        }, ByNodeA, Ct));
        Assert.True(await inside.WaitAsync(TimeSpan.FromMinutes(1), Ct));
        Task<Core.Sending.RailConfigWrite> upsert;
        try
        {
            upsert = Task.Run(() => rails.RailConfigUpsert(new RailConfig("s1", Chain, "type=sandbox", null, "{}", T0, T0), Ct));
            await Task.WhenAny(upsert, Task.Delay(TimeSpan.FromSeconds(2), Ct));
            Assert.False(upsert.IsCompleted, "the rail write did not wait for the claim in progress");
        }
        finally
        {
            release.Set();
        }

        Assert.IsType<ClaimResult.Claimed>(await claim);
        Assert.Equal(RailConfigWrite.Busy, await upsert.WaitAsync(Ct));
        Assert.Null(await rails.RailConfigGet("s1", Chain, Ct));
    }

    [PostgresFact]
    public async Task StaleSentRecordedBesideAConfirmationLeavesPayoutAndRowConsistent()
    {
        // Two reconcilers ask the rail a moment apart: the first hears "sent" (mempool), the second "confirmed".
        // If the first read the row (sent) before the second committed, its write must not put a Completed payout's
        // row back to sent: a later conflict would then fail the row and leave the unpaid payout Completed.
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        var attempt = await ClaimAndPrepareAsync(w, lease);
        await RecordAsync(w, attempt, ("s1-p1", new SendOutcome.Sent("broadcast")));

        await RecordInterleavedAsync(w, attempt,
            stale: new() { ["s1-p1"] = new SendOutcome.Sent("still in the mempool") },
            fresh: new() { ["s1-p1"] = new SendOutcome.Succeeded(FirstProof, Final: false) });

        await AssertConsistentAsync(w, attempt.Id, "s1-p1");
    }

    [PostgresFact]
    public async Task StaleFinalSuccessRecordedBesideAReorgLeavesPayoutAndRowConsistent()
    {
        // The first reconciler read the row as confirmed and hears "final"; meanwhile the second records a reorg
        // (payout back to InProgress). The first must not then mark the row succeeded and end the attempt: nothing
        // would ever look at the InProgress payout again.
        var w = await NewWorldAsync();
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireAsync(w);
        var attempt = await ConfirmedAttemptAsync(w, lease);

        await RecordInterleavedAsync(w, attempt,
            stale: new() { ["s1-p1"] = new SendOutcome.Succeeded(SecondProof, Final: true) },
            fresh: new() { ["s1-p1"] = new SendOutcome.Sent("back in the mempool") });

        await AssertConsistentAsync(w, attempt.Id, "s1-p1");
    }
}

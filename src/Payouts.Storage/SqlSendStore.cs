using System.Data.Common;
using Dapper;
using Payouts.Contracts;
using Payouts.Core;
using Payouts.Core.Payouts;
using Payouts.Core.Sending;

namespace Payouts.Storage;

/// <summary>
/// <see cref="ISendStore"/> for both engines. Every payout change goes through Core's lifecycle and the same
/// conditional write as the API's, in the transaction of the protocol step that causes it.
/// </summary>
public sealed class SqlSendStore(Database db) : ISendStore
{
    public async Task<IReadOnlyList<ProcessorLease>> ProcessorLeaseAcquire(string nodeId, TimeSpan ttl, int limit, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        await using var tx = await db.BeginWrite(c, ct);
        var rows = (await c.QueryAsync<ProcessorRow>(Cmd("ProcessorLeaseAcquire",
            new { NodeId = nodeId, TtlMs = (long)ttl.TotalMilliseconds, Limit = limit, NowMs = (long?)null }, tx, ct))).ToList();
        await tx.CommitAsync(ct);
        return rows.Select(r => new ProcessorLease(r.StoreId, Method.Parse(r.PayoutMethodId), r.Epoch, nodeId,
            Time.FromMs(r.LeaseUntilMs ?? 0), r.ToDomain())).ToList();
    }

    public async Task<bool> ProcessorLeaseRelease(ProcessorLease lease, TimeSpan nextRunIn, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        return await c.ExecuteAsync(Cmd("ProcessorLeaseRelease", new
        {
            lease.StoreId, PayoutMethodId = lease.MethodId.Value, lease.Epoch, lease.NodeId,
            NextRunInMs = (long)nextRunIn.TotalMilliseconds, NowMs = (long?)null,
        }, null, ct)) == 1;
    }

    public async Task<bool> ProcessorLeaseIsLive(string storeId, PayoutMethodId method, long epoch, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        return await c.ExecuteScalarAsync<long>(Cmd("ProcessorLeaseIsLive",
            new { StoreId = storeId, PayoutMethodId = method.Value, Epoch = epoch, NowMs = (long?)null }, null, ct)) > 0;
    }

    public async Task ProcessorNudge(string storeId, PayoutMethodId method, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        await c.ExecuteAsync(Cmd("ProcessorNudge", new { StoreId = storeId, PayoutMethodId = method.Value, NowMs = (long?)null }, null, ct));
    }

    public async Task<bool> ProcessorIsEnabled(string storeId, PayoutMethodId method, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        return await c.ExecuteScalarAsync<long>(Cmd("ProcessorCount", new { StoreId = storeId, PayoutMethodId = method.Value }, null, ct)) > 0;
    }

    public async Task<bool> AttemptHoldsPayout(string payoutId, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        return await c.ExecuteScalarAsync<long>(Cmd("AttemptPayoutLiveCount", new { PayoutId = payoutId }, null, ct)) > 0;
    }

    public async Task<ClaimResult> AttemptClaim(ProcessorLease lease, IReadOnlySet<string> exclude, int candidatesMax,
        Func<ClaimCandidates, IReadOnlyList<Payout>> plan, TransitionContext context, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        await using var tx = await db.BeginWrite(c, ct);
        if (!await Fenced(c, tx, lease, ct))
            return new ClaimResult.LeaseLost();

        var waiting = (await c.QueryAsync<PayoutRow>(Cmd("PayoutListWaitingForClaim",
            new { lease.StoreId, PayoutMethodId = lease.MethodId.Value, Limit = candidatesMax, ErrorCountMax = Core.Processors.BatchPlanner.ErrorCountMax },
            tx, ct))).Select(r => r.ToDomain()).ToList();
        if (waiting.Count == 0)
            return new ClaimResult.Nothing("no payout is waiting");
        var dayStart = new DateTimeOffset(context.Now.UtcDateTime.Date, TimeSpan.Zero);
        var sentToday = (await c.QueryAsync<string>(Cmd("PayoutAmountsInAttemptsSince",
            new { lease.StoreId, PayoutMethodId = lease.MethodId.Value, SinceMs = dayStart.ToUnixTimeMilliseconds() }, tx, ct))).Sum(Dec.Parse);

        var selected = plan(new ClaimCandidates(waiting, sentToday));
        if (selected.Count == 0)
            return new ClaimResult.Nothing("the processor's policy selected nothing");
        Invariant.Ensure(selected.All(p => waiting.Contains(p)));

        var attemptId = Ids.New();
        var nowMs = context.Now.ToUnixTimeMilliseconds();
        await c.ExecuteAsync(Cmd("AttemptCreate", new
        {
            Id = attemptId, lease.StoreId, PayoutMethodId = lease.MethodId.Value, lease.Epoch, lease.NodeId, NowMs = nowMs,
        }, tx, ct));
        var parts = new List<AttemptPayout>(selected.Count);
        foreach (var payout in selected)
        {
            // Locked by this transaction, so the conditional write cannot lose.
            var moved = await PayoutWrites.Apply(db, c, tx, payout, new PayoutCommand.BeginSend(attemptId), context, ct);
            Invariant.Ensure(moved is not null);
            await c.ExecuteAsync(Cmd("AttemptPayoutCreate", new
            {
                AttemptId = attemptId, PayoutId = payout.Id, payout.Destination, Amount = payout.PayoutAmount!.Value, NowMs = nowMs,
            }, tx, ct));
            parts.Add(new AttemptPayout(payout.Id, payout.Destination, payout.PayoutAmount!.Value, AttemptPayoutState.Claimed, null, null));
        }
        await tx.CommitAsync(ct);
        return new ClaimResult.Claimed(new SendAttempt(attemptId, lease.StoreId, lease.MethodId, lease.Epoch, lease.NodeId,
            AttemptState.Claimed, null, parts, context.Now));
    }

    public async Task<SendAttempt?> AttemptPrepare(ProcessorLease lease, string attemptId, PrepareResult prepared, TransitionContext context,
        CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        await using var tx = await db.BeginWrite(c, ct);
        if (!await Fenced(c, tx, lease, ct))
            return null;
        var nowMs = context.Now.ToUnixTimeMilliseconds();
        if (await c.ExecuteAsync(Cmd("AttemptSetPrepared", new { Id = attemptId, prepared.Artifact, NowMs = nowMs }, tx, ct)) != 1)
            return null;
        var rows = await AttemptPayoutRows(c, tx, attemptId, ct);
        foreach (var row in rows)
        {
            if (prepared.Rejected.TryGetValue(row.PayoutId, out var rejected))
            {
                await SetRowState(c, tx, attemptId, row.PayoutId, AttemptPayoutState.Failed, null, rejected.Reason, nowMs, ct);
                await Move(c, tx, row.PayoutId, new PayoutCommand.AbandonSend(attemptId, rejected.Reason, rejected.Culprit), context, ct);
            }
            else
            {
                Invariant.Ensure(prepared.References.ContainsKey(row.PayoutId));
                await SetRowState(c, tx, attemptId, row.PayoutId, AttemptPayoutState.Prepared, prepared.References[row.PayoutId], null, nowMs, ct);
            }
        }
        await c.ExecuteAsync(Cmd("AttemptSetDoneIfSettled", new { Id = attemptId, NowMs = nowMs }, tx, ct));
        var attempt = await Load(c, tx, attemptId, ct);
        await tx.CommitAsync(ct);
        return attempt;
    }

    public async Task<SendAttempt?> AttemptRecord(string attemptId, ProcessorLease? fence, IReadOnlyDictionary<string, SendOutcome> outcomes,
        TransitionContext context, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        await using var tx = await db.BeginWrite(c, ct);
        if (fence is not null && !await Fenced(c, tx, fence, ct))
            return null;
        var nowMs = context.Now.ToUnixTimeMilliseconds();
        var rows = (await AttemptPayoutRows(c, tx, attemptId, ct, forRecord: true)).ToDictionary(r => r.PayoutId, StringComparer.Ordinal);
        // One order for every writer, so two recorders of one attempt cannot deadlock on its payouts.
        foreach (var (payoutId, outcome) in outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            if (!rows.TryGetValue(payoutId, out var row) || !row.IsWatched || outcome is SendOutcome.NotFound) continue;
            if (row.State == AttemptPayoutState.Confirmed)
            {
                await RecordAfterConfirmation(c, tx, attemptId, payoutId, outcome, context, nowMs, ct);
                continue;
            }
            switch (outcome)
            {
                case SendOutcome.Sent sent:
                    await SetRowState(c, tx, attemptId, payoutId, AttemptPayoutState.Sent, null, sent.Detail, nowMs, ct);
                    break;
                case SendOutcome.InFlight flight:
                    await SetRowState(c, tx, attemptId, payoutId, AttemptPayoutState.InFlight, null, flight.Detail, nowMs, ct);
                    break;
                case SendOutcome.Unknown unknown:
                    await SetRowState(c, tx, attemptId, payoutId, AttemptPayoutState.Unknown, null, unknown.Reason, nowMs, ct);
                    break;
                case SendOutcome.Succeeded done:
                    var state = done.Final ? AttemptPayoutState.Succeeded : AttemptPayoutState.Confirmed;
                    if (await SetRowState(c, tx, attemptId, payoutId, state, null, null, nowMs, ct))
                        await Move(c, tx, payoutId, new PayoutCommand.ConfirmSend(attemptId, done.ProofJson), context, ct);
                    break;
                case SendOutcome.NotSent notSent:
                    if (await SetRowState(c, tx, attemptId, payoutId, AttemptPayoutState.Failed, null, notSent.Reason, nowMs, ct))
                        await Move(c, tx, payoutId, new PayoutCommand.AbandonSend(attemptId, notSent.Reason, notSent.Culprit), context, ct);
                    break;
                default:
                    throw new InvariantViolationException($"unknown send outcome {outcome}");
            }
        }
        await c.ExecuteAsync(Cmd("AttemptSetDoneIfSettled", new { Id = attemptId, NowMs = nowMs }, tx, ct));
        var attempt = await Load(c, tx, attemptId, ct);
        await tx.CommitAsync(ct);
        return attempt;
    }

    /// <summary>
    /// A confirmed row (payout Completed) that the rail still watches: deep enough → final; back in the mempool after a
    /// reorg → InProgress again; its inputs spent by a conflict after the reorg → InProgress, then waiting again.
    /// </summary>
    private async Task RecordAfterConfirmation(DbConnection c, DbTransaction tx, string attemptId, string payoutId, SendOutcome outcome,
        TransitionContext context, long nowMs, CancellationToken ct)
    {
        switch (outcome)
        {
            case SendOutcome.Succeeded { Final: true }:
                await SetRowState(c, tx, attemptId, payoutId, AttemptPayoutState.Succeeded, null, null, nowMs, ct);
                break;
            case SendOutcome.Succeeded:
                break;
            case SendOutcome.Sent or SendOutcome.InFlight or SendOutcome.Unknown:
                var detail = outcome switch
                {
                    SendOutcome.Sent s => s.Detail,
                    SendOutcome.InFlight f => f.Detail,
                    SendOutcome.Unknown u => u.Reason,
                    _ => null,
                } ?? "no longer confirmed";
                var state = outcome switch
                {
                    SendOutcome.Sent => AttemptPayoutState.Sent,
                    SendOutcome.InFlight => AttemptPayoutState.InFlight,
                    _ => AttemptPayoutState.Unknown,
                };
                if (await SetRowState(c, tx, attemptId, payoutId, state, null, detail, nowMs, ct))
                    await Move(c, tx, payoutId, new PayoutCommand.Unconfirm(attemptId, detail), context, ct);
                break;
            case SendOutcome.NotSent notSent:
                if (await SetRowState(c, tx, attemptId, payoutId, AttemptPayoutState.Failed, null, notSent.Reason, nowMs, ct))
                {
                    await Move(c, tx, payoutId, new PayoutCommand.Unconfirm(attemptId, notSent.Reason), context, ct);
                    await Move(c, tx, payoutId, new PayoutCommand.AbandonSend(attemptId, notSent.Reason, notSent.Culprit), context, ct);
                }
                break;
            default:
                throw new InvariantViolationException($"unexpected send outcome {outcome} for a confirmed payout");
        }
    }

    public async Task<bool> AttemptReplaceArtifact(string attemptId, string expected, string replacement, DateTimeOffset now, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        return await c.ExecuteAsync(Cmd("AttemptReplaceArtifact",
            new { Id = attemptId, Expected = expected, Replacement = replacement, NowMs = now.ToUnixTimeMilliseconds() }, null, ct)) == 1;
    }

    public async Task<bool> AttemptAbandonClaimed(string attemptId, TransitionContext context, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        await using var tx = await db.BeginWrite(c, ct);
        var nowMs = context.Now.ToUnixTimeMilliseconds();
        // Conditional on 'claimed': if the owner committed its artifact first, this does nothing.
        if (await c.ExecuteAsync(Cmd("AttemptAbandon", new { Id = attemptId, NowMs = nowMs }, tx, ct)) != 1)
            return false;
        foreach (var row in await AttemptPayoutRows(c, tx, attemptId, ct))
        {
            const string Reason = "its node stopped before building the send; nothing was sent";
            if (await SetRowState(c, tx, attemptId, row.PayoutId, AttemptPayoutState.Failed, null, Reason, nowMs, ct))
                await Move(c, tx, row.PayoutId, new PayoutCommand.AbandonSend(attemptId, Reason, CountsAsFailure: false), context, ct);
        }
        await tx.CommitAsync(ct);
        return true;
    }

    public async Task<IReadOnlyList<SendAttempt>> AttemptListUnfinished(int limit, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        var rows = (await c.QueryAsync<AttemptRow>(Cmd("AttemptListUnfinished", new { Limit = limit }, null, ct))).ToList();
        var attempts = new List<SendAttempt>(rows.Count);
        foreach (var row in rows)
            attempts.Add(ToDomain(row, await AttemptPayoutRows(c, null, row.Id, ct)));
        return attempts;
    }

    public async Task<SendAttempt?> AttemptGetById(string attemptId, CancellationToken ct)
    {
        await using var c = await db.Open(ct);
        return await Load(c, null, attemptId, ct);
    }

    private async Task<bool> Fenced(DbConnection c, DbTransaction tx, ProcessorLease lease, CancellationToken ct) =>
        await c.ExecuteScalarAsync<long>(Cmd("ProcessorLeaseFence", new
        {
            lease.StoreId, PayoutMethodId = lease.MethodId.Value, lease.Epoch, lease.NodeId, NowMs = (long?)null,
        }, tx, ct)) == 1;

    /// <summary>Moves a payout of this attempt; a payout that moved otherwise meanwhile (it cannot while InProgress) is left alone.</summary>
    private async Task Move(DbConnection c, DbTransaction tx, string payoutId, PayoutCommand command, TransitionContext context, CancellationToken ct)
    {
        var row = await c.QuerySingleAsync<PayoutRow>(Cmd("PayoutGetById", new { Id = payoutId }, tx, ct));
        if (command is PayoutCommand.AbandonSend { CountsAsFailure: true } abandon)
            command = abandon with
            {
                CancelAfterFailures = await c.ExecuteScalarAsync<int?>(Cmd("ProcessorCancelAfterFailures",
                    new { row.StoreId, row.PayoutMethodId }, tx, ct)),
            };
        await PayoutWrites.Apply(db, c, tx, row.ToDomain(), command, context, ct);
    }

    private async Task<bool> SetRowState(DbConnection c, DbTransaction tx, string attemptId, string payoutId, AttemptPayoutState state,
        string? reference, string? detail, long nowMs, CancellationToken ct) =>
        await c.ExecuteAsync(Cmd("AttemptPayoutSetState", new
        {
            AttemptId = attemptId, PayoutId = payoutId, State = AttemptStates.ToDb(state), Reference = reference, Detail = detail, NowMs = nowMs,
        }, tx, ct)) == 1;

    private async Task<IReadOnlyList<AttemptPayout>> AttemptPayoutRows(DbConnection c, DbTransaction? tx, string attemptId, CancellationToken ct,
        bool forRecord = false) =>
        (await c.QueryAsync<AttemptPayoutRow>(Cmd(forRecord ? "AttemptPayoutListForRecord" : "AttemptPayoutList", new { AttemptId = attemptId }, tx, ct)))
            .Select(r => new AttemptPayout(r.PayoutId, r.Destination, Dec.Parse(r.Amount), AttemptStates.PayoutFromDb(r.State), r.Reference, r.Detail))
            .ToList();

    private async Task<SendAttempt?> Load(DbConnection c, DbTransaction? tx, string attemptId, CancellationToken ct)
    {
        var row = await c.QuerySingleOrDefaultAsync<AttemptRow>(Cmd("AttemptGetById", new { Id = attemptId }, tx, ct));
        return row is null ? null : ToDomain(row, await AttemptPayoutRows(c, tx, attemptId, ct));
    }

    private static SendAttempt ToDomain(AttemptRow r, IReadOnlyList<AttemptPayout> payouts) =>
        new(r.Id, r.StoreId, Method.Parse(r.PayoutMethodId), r.Epoch, r.NodeId, AttemptStates.AttemptFromDb(r.State), r.Artifact, payouts,
            Time.FromMs(r.CreatedAtMs));

    private CommandDefinition Cmd(string name, object args, DbTransaction? tx, CancellationToken ct) =>
        new(db.Sql[name], args, tx, cancellationToken: ct);
}

using System.Data.Common;
using Dapper;
using Payouts.Core;
using Payouts.Core.Payouts;

namespace Payouts.Storage;

/// <summary>Payout writes shared by the stores that change payouts inside their own transactions.</summary>
internal static class PayoutWrites
{
    /// <summary>The conditional write of one payout change and its event; false when the payout moved since it was read.</summary>
    public static async Task<bool> Transition(Database db, DbConnection c, DbTransaction tx, Payout next, PayoutEvent changed, CancellationToken ct)
    {
        Invariant.Ensure(next.Revision >= 1);
        Invariant.Ensure(changed.Revision == next.Revision);
        Invariant.Ensure(changed.PayoutId == next.Id);
        Invariant.Ensure(changed.To == next.State);
        Invariant.Ensure(changed.From is not null);
        var updated = await c.ExecuteAsync(new CommandDefinition(db.Sql["PayoutTransition"], new
        {
            next.Id,
            State = next.State.ToString(),
            next.Revision,
            next.PayoutAmount,
            next.Rate,
            PaymentProof = next.PaymentProofJson,
            next.ErrorCount,
            UpdatedAtMs = next.UpdatedAt.ToUnixTimeMilliseconds(),
            ExpectedRevision = next.Revision - 1,
            ExpectedState = changed.From!.Value.ToString(),
        }, tx, cancellationToken: ct));
        Invariant.Ensure(updated is 0 or 1);
        if (updated == 0) return false;
        await c.ExecuteAsync(new CommandDefinition(db.Sql["PayoutEventCreate"], PayoutEventRow.Params(changed), tx, cancellationToken: ct));
        // Every payout change, by a person or a processor, shows on the span that made it (claim, record, command, …).
        Core.Telemetry.PayoutsTelemetry.Transitioned(next.Id, changed.From!.Value.ToString(), next.State.ToString());
        return true;
    }

    /// <summary>Decides <paramref name="command"/> with Core's lifecycle and writes the change, if any, conditionally.</summary>
    public static async Task<Payout?> Apply(Database db, DbConnection c, DbTransaction tx, Payout payout, PayoutCommand command,
        TransitionContext context, CancellationToken ct)
    {
        if (PayoutLifecycle.Transition(payout, command, context) is not TransitionOutcome.Changed changed)
            return null;
        return await Transition(db, c, tx, changed.Next, changed.Event, ct) ? changed.Next : null;
    }
}

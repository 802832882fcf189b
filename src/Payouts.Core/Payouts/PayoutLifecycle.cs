using System.Diagnostics;
using Payouts.Contracts;
using Payouts.Core.Money;

namespace Payouts.Core.Payouts;

/// <summary>
/// The payout state machine: one pure function from (payout, command, context) to an outcome.
/// Storage only executes its answer as "move from revision R to R + 1 if still at R", so every rule
/// about which transitions exist lives here and is tested exhaustively.
/// </summary>
public static class PayoutLifecycle
{
    public static TransitionOutcome Transition(Payout payout, PayoutCommand command, TransitionContext context)
    {
        var outcome = command switch
        {
            PayoutCommand.Approve c => Approve(payout, c, context),
            PayoutCommand.Cancel => Cancel(payout, context),
            PayoutCommand.MarkPaid c => Mark(payout, PayoutState.Completed, c.PaymentProofJson, context),
            PayoutCommand.Mark c => Mark(payout, c.Target, c.PaymentProofJson, context),
            PayoutCommand.BeginSend c => BeginSend(payout, c, context),
            PayoutCommand.ConfirmSend c => ConfirmSend(payout, c, context),
            PayoutCommand.AbandonSend c => AbandonSend(payout, c, context),
            PayoutCommand.Unconfirm c => Unconfirm(payout, c, context),
            _ => throw new UnreachableException($"unhandled command {command.Name}"),
        };
        if (outcome is TransitionOutcome.Changed changed)
        {
            // Pair the checks: storage relies on these when it writes.
            Invariant.Ensure(changed.Next.Revision == payout.Revision + 1);
            Invariant.Ensure(changed.Next.State != payout.State);
            Invariant.Ensure(changed.Event.Revision == changed.Next.Revision);
            Invariant.Ensure(changed.Next.Id == payout.Id);
        }
        return outcome;
    }

    /// <summary>
    /// The payout amount an approval fixes: original amount ÷ rate (Greenfield's direction: a rate of 60000 for
    /// USD means 60000 USD per BTC), rounded up to the method's divisibility.
    /// Used by approve and by creating a payout already approved.
    /// </summary>
    public static ApprovalResult Approval(decimal originalAmount, string originalCurrency, PayoutMethod method, decimal? rateGiven)
    {
        // A rate fixed by definition (BTC to BTC, SATS to BTC) wins over the client's, as in Greenfield (which sets the
        // rate to 1 when the currencies match): a wrong rateRule must not multiply a payout that needs no conversion.
        var rate = Currencies.FixedRate(originalCurrency, method.Currency) ?? rateGiven;
        if (rate is null)
            return new ApprovalResult.Refused(ErrorCode.RateUnavailable,
                $"No rate from {originalCurrency} to {method.Currency} is available; pass a fixed rate as rateRule ({originalCurrency} per {method.Currency}, e.g. \"60000\").");
        if (rate <= 0 || rate > Amounts.ValueMax)
            return new ApprovalResult.Refused(ErrorCode.RateUnavailable, $"The rate must be greater than 0 and at most {Amounts.ValueMax}.");
        var amount = Amounts.RoundUp(originalAmount / rate.Value, method.Divisibility);
        if (amount > Amounts.ValueMax)
            return new ApprovalResult.Refused(ErrorCode.RateUnavailable, $"At rate {rate} the payout would exceed {Amounts.ValueMax} {method.Currency}.");
        if (amount < method.AmountMin)
            return new ApprovalResult.Refused(ErrorCode.AmountTooLow,
                $"The payout amount {amount} {method.Currency} is below the minimum of {method.AmountMin} {method.Currency} for {method.Id}.");
        return new ApprovalResult.Approved(amount, rate.Value);
    }

    private static TransitionOutcome Approve(Payout p, PayoutCommand.Approve c, TransitionContext ctx)
    {
        switch (p.State)
        {
            case PayoutState.AwaitingApproval:
                break;
            case PayoutState.AwaitingPayment:
            case PayoutState.InProgress:
            case PayoutState.Completed:
            case PayoutState.Cancelled:
                return WrongState(p, "approved", "AwaitingApproval");
            default:
                throw new UnreachableException();
        }
        // Greenfield order: state first, then revision.
        if (c.Revision != p.Revision)
            return new TransitionOutcome.Refused(ErrorCode.OldRevision,
                $"The payout is at revision {p.Revision}, not {c.Revision}; fetch it again before approving.");
        return Approval(p.OriginalAmount, p.OriginalCurrency, PayoutMethods.For(p.MethodId, p.Destination), c.Rate) switch
        {
            ApprovalResult.Approved a => Change(p, PayoutState.AwaitingPayment, ctx,
                $"approved: {a.PayoutAmount} {p.PayoutCurrency} at rate {a.Rate}",
                next => next with { PayoutAmount = a.PayoutAmount, Rate = a.Rate }),
            ApprovalResult.Refused r => new TransitionOutcome.Refused(r.Code, r.Message),
            _ => throw new UnreachableException(),
        };
    }

    private static TransitionOutcome Cancel(Payout p, TransitionContext ctx) => p.State switch
    {
        PayoutState.AwaitingApproval or PayoutState.AwaitingPayment => Change(p, PayoutState.Cancelled, ctx, "cancelled"),
        PayoutState.Cancelled => new TransitionOutcome.Unchanged(),
        // Money may be moving or has moved: cancelling now would hide a payment, not stop it.
        PayoutState.InProgress or PayoutState.Completed => WrongState(p, "cancelled", "AwaitingApproval or AwaitingPayment"),
    };

    private static TransitionOutcome Mark(Payout p, PayoutState target, string? proofJson, TransitionContext ctx)
    {
        switch (target)
        {
            case PayoutState.AwaitingPayment:
            case PayoutState.InProgress:
            case PayoutState.Completed:
                break;
            case PayoutState.AwaitingApproval:
            case PayoutState.Cancelled:
                return new TransitionOutcome.Refused(ErrorCode.InvalidState,
                    $"A payout cannot be marked {target}; use approve or cancel instead.");
            default:
                throw new UnreachableException();
        }
        switch (p.State)
        {
            case PayoutState.AwaitingPayment:
            case PayoutState.InProgress:
                break;
            case PayoutState.AwaitingApproval:
                return WrongState(p, $"marked {target}", "AwaitingPayment or InProgress (approve it first)");
            case PayoutState.Completed:
                // Completed is final; repeating mark-paid is harmless and answers as before.
                return target == PayoutState.Completed
                    ? new TransitionOutcome.Unchanged()
                    : WrongState(p, $"marked {target}", "AwaitingPayment or InProgress (Completed is final)");
            case PayoutState.Cancelled:
                return WrongState(p, $"marked {target}", "AwaitingPayment or InProgress (Cancelled is final)");
            default:
                throw new UnreachableException();
        }
        if (target == p.State)
            return new TransitionOutcome.Unchanged();
        // A person moving money by hand while a processor may be sending it is how BTCPay paid twice (issue 5913).
        if (ctx.ProcessorActive && !ctx.Actor.IsProcessor)
            return new TransitionOutcome.Refused(ErrorCode.ProcessorActive, ErrorCodes.Get(ErrorCode.ProcessorActive).Message);
        return Change(p, target, ctx, $"marked {target}",
            next => proofJson is null ? next : next with { PaymentProofJson = proofJson });
    }

    private static TransitionOutcome BeginSend(Payout p, PayoutCommand.BeginSend c, TransitionContext ctx)
    {
        Invariant.Ensure(ctx.Actor.IsProcessor);
        return p.State switch
        {
            PayoutState.AwaitingPayment => Change(p, PayoutState.InProgress, ctx, $"claimed by attempt {c.AttemptId}"),
            PayoutState.AwaitingApproval or PayoutState.InProgress or PayoutState.Completed or PayoutState.Cancelled
                => WrongState(p, "claimed for sending", "AwaitingPayment"),
        };
    }

    private static TransitionOutcome ConfirmSend(Payout p, PayoutCommand.ConfirmSend c, TransitionContext ctx)
    {
        Invariant.Ensure(ctx.Actor.IsProcessor);
        return p.State switch
        {
            PayoutState.InProgress => Change(p, PayoutState.Completed, ctx, $"confirmed by attempt {c.AttemptId}",
                next => c.PaymentProofJson is null ? next : next with { PaymentProofJson = c.PaymentProofJson }),
            PayoutState.Completed => new TransitionOutcome.Unchanged(),
            PayoutState.AwaitingApproval or PayoutState.AwaitingPayment or PayoutState.Cancelled
                => WrongState(p, "confirmed", "InProgress"),
        };
    }

    private static TransitionOutcome AbandonSend(Payout p, PayoutCommand.AbandonSend c, TransitionContext ctx)
    {
        Invariant.Ensure(ctx.Actor.IsProcessor);
        return p.State switch
        {
            // Proven not sent, so nothing is moving: cancelling here cannot strand money (Greenfield's cancelPayoutAfterFailures).
            PayoutState.InProgress when c.CountsAsFailure && p.ErrorCount + 1 >= c.CancelAfterFailures =>
                Change(p, PayoutState.Cancelled, ctx,
                    $"{AbandonDetail(p, c)}; cancelled after {p.ErrorCount + 1} failures (the processor's cancelPayoutAfterFailures is {c.CancelAfterFailures})",
                    next => next with { ErrorCount = p.ErrorCount + 1 }),
            PayoutState.InProgress => Change(p, PayoutState.AwaitingPayment, ctx, AbandonDetail(p, c),
                next => c.CountsAsFailure ? next with { ErrorCount = p.ErrorCount + 1 } : next),
            PayoutState.AwaitingApproval or PayoutState.AwaitingPayment or PayoutState.Completed or PayoutState.Cancelled
                => WrongState(p, "returned to AwaitingPayment", "InProgress"),
        };
    }

    private static TransitionOutcome Unconfirm(Payout p, PayoutCommand.Unconfirm c, TransitionContext ctx)
    {
        Invariant.Ensure(ctx.Actor.IsProcessor);
        return p.State switch
        {
            PayoutState.Completed => Change(p, PayoutState.InProgress, ctx, $"attempt {c.AttemptId} unconfirmed: {c.Reason}",
                next => next with { PaymentProofJson = null }),
            PayoutState.AwaitingApproval or PayoutState.AwaitingPayment or PayoutState.InProgress or PayoutState.Cancelled
                => WrongState(p, "unconfirmed", "Completed"),
        };
    }

    private static string AbandonDetail(Payout p, PayoutCommand.AbandonSend c)
    {
        var detail = $"attempt {c.AttemptId} proven not sent: {c.Reason}";
        if (!c.CountsAsFailure) return detail;
        var errors = p.ErrorCount + 1;
        return errors >= Processors.BatchPlanner.ErrorCountMax
            ? $"{detail} (failure {errors}; automated processors stop sending it)"
            : $"{detail} (failure {errors})";
    }

    private static TransitionOutcome.Refused WrongState(Payout p, string action, string allowed) =>
        new(ErrorCode.InvalidState, $"The payout is {p.State}; it can be {action} only from {allowed}.");

    private static TransitionOutcome.Changed Change(Payout p, PayoutState to, TransitionContext ctx, string detail,
        Func<Payout, Payout>? amend = null)
    {
        var next = p with { State = to, Revision = p.Revision + 1, UpdatedAt = ctx.Now };
        if (amend is not null) next = amend(next);
        var evt = new PayoutEvent(p.Id, p.StoreId, next.Revision, p.State, to, ctx.Actor.Name, ctx.Actor.IsProcessor, ctx.Now, detail);
        return new TransitionOutcome.Changed(next, evt);
    }
}

public abstract record ApprovalResult
{
    private ApprovalResult() { }
    public sealed record Approved(decimal PayoutAmount, decimal Rate) : ApprovalResult;
    public sealed record Refused(ErrorCode Code, string Message) : ApprovalResult;
}

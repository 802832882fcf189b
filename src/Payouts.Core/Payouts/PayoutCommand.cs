using Payouts.Contracts;

namespace Payouts.Core.Payouts;

/// <summary>Everything that can be asked of a payout. <see cref="PayoutLifecycle.Transition"/> decides each.</summary>
public abstract record PayoutCommand
{
    private PayoutCommand() { }

    /// <summary>Greenfield approve: the client's <paramref name="Revision"/> must be current.
    /// <paramref name="Rate"/> is a fixed rate given by the client (a decimal <c>rateRule</c>), or null.</summary>
    public sealed record Approve(int Revision, decimal? Rate) : PayoutCommand;

    public sealed record Cancel : PayoutCommand;

    /// <summary>Greenfield <c>mark-paid</c>: same as <see cref="Mark"/> to Completed.</summary>
    public sealed record MarkPaid(string? PaymentProofJson) : PayoutCommand;

    /// <summary>Greenfield <c>mark</c>: a person sets the state by hand.</summary>
    public sealed record Mark(PayoutState Target, string? PaymentProofJson) : PayoutCommand;

    /// <summary>A processor claimed the payout into a send attempt (send protocol step 1).</summary>
    public sealed record BeginSend(string AttemptId) : PayoutCommand;

    /// <summary>The rail proved the money arrived (reconcile: confirmed).</summary>
    public sealed record ConfirmSend(string AttemptId, string? PaymentProofJson) : PayoutCommand;

    /// <summary>The rail proved the money did not leave: the payout waits again (reconcile: proven dead).
    /// <paramref name="CountsAsFailure"/>: the payout itself caused it (not, say, a batch-mate or a node crash).</summary>
    /// <param name="CancelAfterFailures">The processor's <c>cancelPayoutAfterFailures</c>: the failure that reaches it cancels the
    /// payout instead of returning it to AwaitingPayment.</param>
    public sealed record AbandonSend(string AttemptId, string Reason, bool CountsAsFailure = true, int? CancelAfterFailures = null) : PayoutCommand;

    /// <summary>A reorg took the confirmed transaction out of the chain: the money is moving again, not arrived.</summary>
    public sealed record Unconfirm(string AttemptId, string Reason) : PayoutCommand;

    public string Name => GetType().Name;
}

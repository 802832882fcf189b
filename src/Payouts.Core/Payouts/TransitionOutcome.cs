using Payouts.Contracts;

namespace Payouts.Core.Payouts;

public abstract record TransitionOutcome
{
    private TransitionOutcome() { }

    /// <summary>The payout moves: write <see cref="Next"/> if the stored revision is still <c>Next.Revision - 1</c>.</summary>
    public sealed record Changed(Payout Next, PayoutEvent Event) : TransitionOutcome;

    /// <summary>Already where the command leads (a repeated cancel, mark-paid of a Completed payout): nothing to write.</summary>
    public sealed record Unchanged : TransitionOutcome;

    public sealed record Refused(ErrorCode Code, string Message) : TransitionOutcome;
}

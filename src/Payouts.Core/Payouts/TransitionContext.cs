namespace Payouts.Core.Payouts;

/// <summary>Everything a transition needs besides the payout and the command; no I/O behind it.</summary>
/// <param name="ProcessorActive">An automated processor is enabled for the payout's store and method.</param>
public sealed record TransitionContext(Actor Actor, bool ProcessorActive, DateTimeOffset Now);

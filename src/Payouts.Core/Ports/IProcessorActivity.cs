using Payouts.Contracts;

namespace Payouts.Core.Ports;

/// <summary>Whether an automated processor is enabled for a store and payout method (manual money moves are refused then).</summary>
public interface IProcessorActivity
{
    Task<bool> IsEnabled(string storeId, PayoutMethodId method, CancellationToken ct);

    /// <summary>An automated send attempt holds the payout (its money may be moving), processor enabled or not.</summary>
    Task<bool> IsSending(string payoutId, CancellationToken ct);

    /// <summary>A payout of this store and method was approved: a processor with processNewPayoutsInstantly runs now.</summary>
    Task Nudge(string storeId, PayoutMethodId method, CancellationToken ct);
}

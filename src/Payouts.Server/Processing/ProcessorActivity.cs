using Payouts.Contracts;
using Payouts.Core.Ports;
using Payouts.Core.Sending;

namespace Payouts.Server.Processing;

/// <summary>A processor is enabled for (store, method) while its settings row exists.</summary>
public sealed class ProcessorActivity(ISendStore store) : IProcessorActivity
{
    public Task<bool> IsEnabled(string storeId, PayoutMethodId method, CancellationToken ct) => store.ProcessorIsEnabled(storeId, method, ct);

    public Task<bool> IsSending(string payoutId, CancellationToken ct) => store.AttemptHoldsPayout(payoutId, ct);

    public Task Nudge(string storeId, PayoutMethodId method, CancellationToken ct) => store.ProcessorNudge(storeId, method, ct);
}

using Payouts.Contracts;
using Payouts.Core.Ports;

namespace Payouts.Core.Tests.Support;

internal sealed class FakeProcessorActivity(bool enabled) : IProcessorActivity
{
    public bool Enabled { get; set; } = enabled;
    public List<(string StoreId, PayoutMethodId Method)> Calls { get; } = [];

    public Task<bool> IsEnabled(string storeId, PayoutMethodId method, CancellationToken ct)
    {
        Calls.Add((storeId, method));
        return Task.FromResult(Enabled);
    }

    public List<(string StoreId, PayoutMethodId Method)> Nudges { get; } = [];

    public HashSet<string> Sending { get; } = [];

    public Task<bool> IsSending(string payoutId, CancellationToken ct) => Task.FromResult(Sending.Contains(payoutId));

    public Task Nudge(string storeId, PayoutMethodId method, CancellationToken ct)
    {
        Nudges.Add((storeId, method));
        return Task.CompletedTask;
    }
}

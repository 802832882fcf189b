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
}

using Payouts.Contracts;
using Payouts.Core.Ports;

namespace Payouts.Server.Hosting;

/// <summary>
/// No automated processor exists in this version, so none is ever enabled and manual marks are allowed.
/// The processors issue replaces this with a lookup of the processors table.
/// </summary>
public sealed class NoProcessorsYet : IProcessorActivity
{
    public Task<bool> IsEnabled(string storeId, PayoutMethodId method, CancellationToken ct) => Task.FromResult(false);
}

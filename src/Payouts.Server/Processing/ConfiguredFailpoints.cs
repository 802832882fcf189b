using Microsoft.Extensions.Options;
using Payouts.Core.Sending;
using Payouts.Server.Hosting;

namespace Payouts.Server.Processing;

/// <summary>
/// <c>Payouts:Failpoints</c> (off by default): a failpoint named there kills the process the moment it is reached,
/// as <c>kill -9</c> would, so crash tests can stop a node right after any protocol step.
/// </summary>
public sealed class ConfiguredFailpoints : IFailpoints
{
    private readonly HashSet<string> _armed;

    public ConfiguredFailpoints(IOptions<PayoutsOptions> options)
    {
        _armed = (options.Value.Failpoints ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.Ordinal);
        var unknown = _armed.Except(FailpointNames.Known).ToList();
        if (unknown.Count > 0)
            throw new OptionsValidationException("Payouts:Failpoints", typeof(PayoutsOptions),
                [$"unknown failpoints {string.Join(", ", unknown)}; known: {string.Join(", ", FailpointNames.Known)}"]);
    }

    public void Hit(string name)
    {
        if (_armed.Contains(name))
        {
            Console.Out.WriteLine($"Failpoint {name} hit: exiting now");
            Console.Out.Flush();
            Environment.FailFast($"failpoint {name}");
        }
    }
}

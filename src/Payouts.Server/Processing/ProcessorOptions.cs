using Microsoft.Extensions.Options;

namespace Payouts.Server.Processing;

/// <summary>How this node runs processors (<c>Payouts:Processors</c>).</summary>
public sealed class ProcessorOptions
{
    public const string Section = "Payouts:Processors";

    /// <summary>How often the node looks for due processors; also bounds how fast an approval wakes one.</summary>
    public int PollIntervalMs { get; set; } = 250;

    /// <summary>How long a lease lasts; a dead node's processors move to another node within this plus one tick.</summary>
    public int LeaseTtlSeconds { get; set; } = 30;

    public int ReconcileIntervalSeconds { get; set; } = 2;

    /// <summary>Processors one node runs at once.</summary>
    public int LeasesPerPoll { get; set; } = 8;

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollIntervalMs);
    public TimeSpan LeaseTtl => TimeSpan.FromSeconds(LeaseTtlSeconds);
    public TimeSpan ReconcileInterval => TimeSpan.FromSeconds(ReconcileIntervalSeconds);
}

public sealed class ProcessorOptionsValidator : IValidateOptions<ProcessorOptions>
{
    public ValidateOptionsResult Validate(string? name, ProcessorOptions o)
    {
        var errors = new List<string>();
        if (o.PollIntervalMs is < 10 or > 60_000) errors.Add("Payouts:Processors:PollIntervalMs must be 10–60000");
        if (o.LeaseTtlSeconds is < 2 or > 3600) errors.Add("Payouts:Processors:LeaseTtlSeconds must be 2–3600");
        if (o.LeaseTtl <= 4 * o.PollInterval) errors.Add("Payouts:Processors:LeaseTtlSeconds must exceed four poll intervals");
        if (o.ReconcileIntervalSeconds is < 1 or > 3600) errors.Add("Payouts:Processors:ReconcileIntervalSeconds must be 1–3600");
        if (o.LeasesPerPoll is < 1 or > 256) errors.Add("Payouts:Processors:LeasesPerPoll must be 1–256");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

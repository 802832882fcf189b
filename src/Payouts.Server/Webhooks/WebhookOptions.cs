using Microsoft.Extensions.Options;

namespace Payouts.Server.Webhooks;

/// <summary>How a node with the <c>webhooks</c> role delivers (<c>Payouts:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Payouts:Webhooks";

    /// <summary>How often the node looks for new events and due deliveries.</summary>
    public int PollIntervalMs { get; set; } = 500;

    /// <summary>How long a node holds a delivery it is attempting; a node that dies holding one loses it after this.</summary>
    public int LeaseTtlSeconds { get; set; } = 60;

    /// <summary>How long a receiver has to answer one attempt; no answer in time is a retryable failure.</summary>
    public int RequestTimeoutSeconds { get; set; } = 15;

    /// <summary>Deliveries attempted at once by one node (each the first in line of its webhook).</summary>
    public int DeliveriesPerPoll { get; set; } = 16;

    /// <summary>Deliveries (and their attempt logs) older than this are deleted.</summary>
    public int RetentionDays { get; set; } = 60;

    public int PurgeIntervalMinutes { get; set; } = 60;

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollIntervalMs);
    public TimeSpan LeaseTtl => TimeSpan.FromSeconds(LeaseTtlSeconds);
    public TimeSpan RequestTimeout => TimeSpan.FromSeconds(RequestTimeoutSeconds);
    public TimeSpan Retention => TimeSpan.FromDays(RetentionDays);
    public TimeSpan PurgeInterval => TimeSpan.FromMinutes(PurgeIntervalMinutes);
}

public sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions o)
    {
        var errors = new List<string>();
        if (o.PollIntervalMs is < 10 or > 60_000) errors.Add("Payouts:Webhooks:PollIntervalMs must be 10–60000");
        if (o.RequestTimeoutSeconds is < 1 or > 300) errors.Add("Payouts:Webhooks:RequestTimeoutSeconds must be 1–300");
        // The lease must outlive the attempt, or a second node could start the same delivery while the first still waits.
        if (o.LeaseTtlSeconds is < 2 or > 3600 || o.LeaseTtl < 2 * o.RequestTimeout)
            errors.Add("Payouts:Webhooks:LeaseTtlSeconds must be 2–3600 and at least twice RequestTimeoutSeconds");
        if (o.DeliveriesPerPoll is < 1 or > 256) errors.Add("Payouts:Webhooks:DeliveriesPerPoll must be 1–256");
        if (o.RetentionDays is < 1 or > 3650) errors.Add("Payouts:Webhooks:RetentionDays must be 1–3650");
        if (o.PurgeIntervalMinutes is < 1 or > 10_080) errors.Add("Payouts:Webhooks:PurgeIntervalMinutes must be 1–10080");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

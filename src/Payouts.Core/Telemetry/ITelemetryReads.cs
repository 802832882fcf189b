using Payouts.Contracts;

namespace Payouts.Core.Telemetry;

/// <summary>The reads telemetry needs from the store; cheap, read-only, and never on the path that moves money.</summary>
public interface ITelemetryReads
{
    /// <summary>The stored creating <c>traceparent</c> of each payout that has one.</summary>
    Task<IReadOnlyDictionary<string, string>> TraceParents(IReadOnlyCollection<string> payoutIds, CancellationToken ct);

    /// <summary>Payout counts by state and method, and the oldest due processor nobody holds (for the lag gauge).</summary>
    Task<TelemetrySnapshot> Snapshot(DateTimeOffset now, CancellationToken ct);
}

/// <param name="OldestDueAt">The earliest next-run time of a processor that is due and not leased; null when none waits.</param>
public sealed record TelemetrySnapshot(IReadOnlyList<PayoutCount> Payouts, DateTimeOffset? OldestDueAt);

public sealed record PayoutCount(string State, PayoutMethodId Method, long Count);

/// <summary>
/// Undelivered webhook deliveries, for the <c>payouts.webhooks.backlog</c> gauge. The webhook delivery service registers
/// one (a singleton); without one the gauge reports nothing.
/// </summary>
public interface IWebhookBacklog
{
    Task<long> Count(CancellationToken ct);
}

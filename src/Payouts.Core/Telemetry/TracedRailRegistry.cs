using Payouts.Contracts;
using Payouts.Core.Processors;
using Payouts.Core.Sending;

namespace Payouts.Core.Telemetry;

/// <summary>
/// Every rail the processors and the reconciler get goes through this, so every call to a payment node is a span
/// (<c>rail.prepare</c>, <c>rail.execute</c>, <c>rail.status</c>, <c>rail.replacement</c>) without each rail knowing.
/// HttpClient's own spans (System.Net.Http) nest under it.
/// </summary>
public sealed class TracedRailRegistry(IRailRegistry inner) : IRailRegistry
{
    public async Task<IPayoutRail> For(string storeId, PayoutMethodId method, CancellationToken ct) =>
        new TracedRail(await inner.For(storeId, method, ct), method);
}

internal sealed class TracedRail(IPayoutRail inner, PayoutMethodId method) : IPayoutRail
{
    /// <summary>"SandboxRail" → "sandbox": the implementation the store configured.</summary>
    private readonly string _type = inner.GetType().Name is var n && n.EndsWith("Rail", StringComparison.Ordinal) && n.Length > 4
        ? n[..^4].ToLowerInvariant() : inner.GetType().Name.ToLowerInvariant();

    public Task<PrepareResult> Prepare(SendAttempt attempt, ProcessorSettings settings, CancellationToken ct) =>
        Call("prepare", attempt, () => inner.Prepare(attempt, settings, ct),
            r => r.Rejected.Count == 0 ? "prepared" : $"prepared, {r.Rejected.Count} rejected");

    public Task<IReadOnlyDictionary<string, SendOutcome>> Execute(SendAttempt attempt, CancellationToken ct) =>
        Call("execute", attempt, () => inner.Execute(attempt, ct), Outcomes);

    public Task<IReadOnlyDictionary<string, SendOutcome>> Status(SendAttempt attempt, CancellationToken ct) =>
        Call("status", attempt, () => inner.Status(attempt, ct), Outcomes);

    public Task<string?> Replacement(SendAttempt attempt, CancellationToken ct) =>
        Call("replacement", attempt, () => inner.Replacement(attempt, ct), r => r is null ? "none" : "replaced");

    private async Task<T> Call<T>(string operation, SendAttempt attempt, Func<Task<T>> call, Func<T, string> outcome)
    {
        using var span = PayoutsTelemetry.Start($"rail.{operation}", kind: System.Diagnostics.ActivityKind.Client);
        span?.SetTag(TelemetryTags.RailType, _type);
        span?.SetTag(TelemetryTags.RailMethod, operation);
        span?.SetTag(TelemetryTags.PayoutMethod, method.Value);
        span?.SetTag(TelemetryTags.StoreId, attempt.StoreId);
        span?.SetTag(TelemetryTags.AttemptId, attempt.Id);
        try
        {
            var result = await call();
            span?.SetTag(TelemetryTags.RailOutcome, outcome(result));
            return result;
        }
        catch (Exception ex)
        {
            span?.SetTag(TelemetryTags.RailOutcome, "threw");
            PayoutsTelemetry.Fail(span, ex);
            throw;
        }
    }

    /// <summary>"sent=2,unknown=1": the outcome kinds of a batch, never per-payout detail (that is on the payouts).</summary>
    private static string Outcomes(IReadOnlyDictionary<string, SendOutcome> outcomes) => outcomes.Count == 0
        ? "none"
        : string.Join(",", outcomes.Values.GroupBy(o => OutcomeName(o)).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Count()}"));

    internal static string OutcomeName(SendOutcome o) => o switch
    {
        SendOutcome.Sent => "sent",
        SendOutcome.InFlight => "in_flight",
        SendOutcome.Succeeded => "succeeded",
        SendOutcome.NotSent => "not_sent",
        SendOutcome.Unknown => "unknown",
        SendOutcome.NotFound => "not_found",
        _ => "other",
    };
}

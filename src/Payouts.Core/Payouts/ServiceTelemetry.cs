using System.Diagnostics;
using Payouts.Core.Telemetry;

namespace Payouts.Core.Payouts;

/// <summary>The spans of <see cref="PayoutService"/>: one per create and per command, with the states it moved between.</summary>
internal static class ServiceTelemetry
{
    public static Activity? StartCreate(NewPayout request, Actor actor, int count)
    {
        var span = PayoutsTelemetry.Start(count == 1 ? "payout.create" : "payout.create_many");
        if (span is null) return null;
        if (request.StoreId is not null) span.SetTag(TelemetryTags.StoreId, request.StoreId);
        span.SetTag(TelemetryTags.PayoutMethod, request.MethodId.Value);
        span.SetTag(TelemetryTags.ProcessorAuto, actor.IsProcessor);
        if (request.PullPaymentId is not null) span.SetTag("pull_payment.id", request.PullPaymentId);
        if (count > 1) span.SetTag(TelemetryTags.BatchSize, count);
        return span;
    }

    public static void Created(Activity? span, IReadOnlyList<Payout>? created, Failure? failure)
    {
        if (span is null) return;
        if (created is null)
        {
            span.SetStatus(ActivityStatusCode.Error, failure?.Code.ToString());
            return;
        }
        if (created.Count == 1)
        {
            span.SetTag(TelemetryTags.PayoutId, created[0].Id);
            span.SetTag(TelemetryTags.StoreId, created[0].StoreId);
        }
        else span.SetTag(TelemetryTags.PayoutIds, created.Select(p => p.Id).ToArray());
        span.SetTag(TelemetryTags.StateTo, created[0].State.ToString());
    }

    public static Activity? StartCommand(string? storeId, string payoutId, PayoutCommand command, Actor actor)
    {
        var span = PayoutsTelemetry.Start("payout.command");
        if (span is null) return null;
        span.DisplayName = $"payout.command {command.Name}";
        span.SetTag(TelemetryTags.PayoutId, payoutId);
        span.SetTag(TelemetryTags.PayoutCommand, command.Name);
        span.SetTag(TelemetryTags.ProcessorAuto, actor.IsProcessor);
        if (storeId is not null) span.SetTag(TelemetryTags.StoreId, storeId);
        return span;
    }

    /// <summary>The payout as the command decides on it (the last read, when a lost race made it read again).</summary>
    public static void Read(Payout payout)
    {
        if (Activity.Current is not { Source.Name: PayoutsTelemetry.Name, OperationName: "payout.command" } span) return;
        span.SetTag(TelemetryTags.StoreId, payout.StoreId);
        span.SetTag(TelemetryTags.PayoutMethod, payout.MethodId.Value);
        span.SetTag(TelemetryTags.StateFrom, payout.State.ToString());
    }

    public static void Applied(Activity? span, Payout? result, Failure? failure)
    {
        if (span is null) return;
        if (result is null)
        {
            span.SetStatus(ActivityStatusCode.Error, failure?.Code.ToString());
            return;
        }
        span.SetTag(TelemetryTags.StateTo, result.State.ToString());
    }
}

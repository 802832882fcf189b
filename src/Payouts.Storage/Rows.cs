using System.Globalization;
using Payouts.Contracts;
using Payouts.Core;
using Payouts.Core.Auth;
using Payouts.Core.Payouts;
using Payouts.Core.PullPayments;
using Payouts.Core.Stores;

namespace Payouts.Storage;

// Rows as both engines return them: amounts as text (exact), times as unix milliseconds.
// Mapping to the domain happens here and only here.

internal sealed class StoreRow
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public long CreatedAtMs { get; set; }

    public Store ToDomain() => new(Id, Name, Time.FromMs(CreatedAtMs));
}

internal sealed class ApiKeyRow
{
    public string Id { get; set; } = "";
    public string KeyHash { get; set; } = "";
    public string Label { get; set; } = "";
    public string Permissions { get; set; } = "";
    public bool Bootstrap { get; set; }
    public long CreatedAtMs { get; set; }
    public long? RevokedAtMs { get; set; }

    public ApiKey ToDomain() => new(Id, KeyHash, Label,
        Permissions.Split('\n', StringSplitOptions.RemoveEmptyEntries), Bootstrap, Time.FromMs(CreatedAtMs), Time.FromMs(RevokedAtMs));

    public static object Params(ApiKey k) => new
    {
        k.Id, k.KeyHash, k.Label,
        // Permission names never contain a newline (they are validated), so newline is a safe separator.
        Permissions = string.Join('\n', k.Permissions),
        CreatedAtMs = k.CreatedAt.ToUnixTimeMilliseconds(),
    };
}

internal sealed class PullPaymentRow
{
    public string Id { get; set; } = "";
    public string StoreId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public string Currency { get; set; } = "";
    public string Amount { get; set; } = "";
    public long? StartsAtMs { get; set; }
    public long? ExpiresAtMs { get; set; }
    public bool Archived { get; set; }
    public bool AutoApproveClaims { get; set; }
    public int Bolt11ExpirationDays { get; set; }
    public string PayoutMethods { get; set; } = "";
    public string MinimumClaim { get; set; } = "";
    public long CreatedAtMs { get; set; }

    public PullPayment ToDomain() => new()
    {
        Id = Id,
        StoreId = StoreId,
        Name = Name,
        Description = Description,
        Currency = Currency,
        Amount = Dec.Parse(Amount),
        StartsAt = Time.FromMs(StartsAtMs),
        ExpiresAt = Time.FromMs(ExpiresAtMs),
        Archived = Archived,
        AutoApproveClaims = AutoApproveClaims,
        Bolt11ExpirationDays = Bolt11ExpirationDays,
        PayoutMethods = PayoutMethods.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Method.Parse).ToList(),
        MinimumClaim = Dec.Parse(MinimumClaim),
        CreatedAt = Time.FromMs(CreatedAtMs),
    };

    public static object Params(PullPayment p) => new
    {
        p.Id, p.StoreId, p.Name, p.Description, p.Currency, p.Amount,
        StartsAtMs = p.StartsAt?.ToUnixTimeMilliseconds(),
        ExpiresAtMs = p.ExpiresAt?.ToUnixTimeMilliseconds(),
        p.Archived, p.AutoApproveClaims, p.Bolt11ExpirationDays,
        PayoutMethods = string.Join(',', p.PayoutMethods.Select(m => m.Value)),
        p.MinimumClaim,
        CreatedAtMs = p.CreatedAt.ToUnixTimeMilliseconds(),
    };
}

internal sealed class PayoutRow
{
    public string Id { get; set; } = "";
    public string StoreId { get; set; } = "";
    public string? PullPaymentId { get; set; }
    public string PayoutMethodId { get; set; } = "";
    public string Destination { get; set; } = "";
    public string OriginalAmount { get; set; } = "";
    public string OriginalCurrency { get; set; } = "";
    public string PayoutCurrency { get; set; } = "";
    public string? PayoutAmount { get; set; }
    public string? Rate { get; set; }
    public string State { get; set; } = "";
    public int Revision { get; set; }
    public string? Metadata { get; set; }
    public string? PaymentProof { get; set; }
    public int ErrorCount { get; set; }
    public long CreatedAtMs { get; set; }
    public long UpdatedAtMs { get; set; }

    public Payout ToDomain() => new()
    {
        Id = Id,
        StoreId = StoreId,
        PullPaymentId = PullPaymentId,
        MethodId = Method.Parse(PayoutMethodId),
        Destination = Destination,
        OriginalAmount = Dec.Parse(OriginalAmount),
        OriginalCurrency = OriginalCurrency,
        PayoutCurrency = PayoutCurrency,
        PayoutAmount = PayoutAmount is null ? null : Dec.Parse(PayoutAmount),
        Rate = Rate is null ? null : Dec.Parse(Rate),
        State = Enum.Parse<PayoutState>(State),
        Revision = Revision,
        MetadataJson = Metadata,
        PaymentProofJson = PaymentProof,
        ErrorCount = ErrorCount,
        CreatedAt = Time.FromMs(CreatedAtMs),
        UpdatedAt = Time.FromMs(UpdatedAtMs),
    };

    public static object Params(Payout p) => new
    {
        p.Id, p.StoreId, p.PullPaymentId,
        PayoutMethodId = p.MethodId.Value,
        p.Destination, p.OriginalAmount, p.OriginalCurrency, p.PayoutCurrency, p.PayoutAmount, p.Rate,
        State = p.State.ToString(),
        p.Revision,
        PaymentHash = Destinations.PaymentHash(p.MethodId, p.Destination),
        Metadata = p.MetadataJson,
        PaymentProof = p.PaymentProofJson,
        p.ErrorCount,
        CreatedAtMs = p.CreatedAt.ToUnixTimeMilliseconds(),
        UpdatedAtMs = p.UpdatedAt.ToUnixTimeMilliseconds(),
    };
}

internal sealed class PayoutEventRow
{
    public string PayoutId { get; set; } = "";
    public string StoreId { get; set; } = "";
    public int Revision { get; set; }
    public string? FromState { get; set; }
    public string ToState { get; set; } = "";
    public string Actor { get; set; } = "";
    public bool ProcessorAuto { get; set; }
    public long AtMs { get; set; }
    public string? Detail { get; set; }

    public PayoutEvent ToDomain() => new(PayoutId, StoreId, Revision,
        FromState is null ? null : Enum.Parse<PayoutState>(FromState), Enum.Parse<PayoutState>(ToState),
        Actor, ProcessorAuto, Time.FromMs(AtMs), Detail);

    public static object Params(PayoutEvent e) => new
    {
        e.PayoutId, e.StoreId, e.Revision,
        FromState = e.From?.ToString(),
        ToState = e.To.ToString(),
        e.Actor, e.ProcessorAuto,
        AtMs = e.At.ToUnixTimeMilliseconds(),
        e.Detail,
    };
}

internal static class Dec
{
    public static decimal Parse(string text) =>
        decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
}

internal static class Method
{
    public static PayoutMethodId Parse(string text) =>
        PayoutMethodId.TryParse(text, out var id) ? id : throw new InvariantViolationException($"stored payout method '{text}' is unknown");
}

internal static class Time
{
    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    public static DateTimeOffset? FromMs(long? ms) => ms is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(ms.Value);
}

internal sealed class ProcessorRow
{
    public string StoreId { get; set; } = "";
    public string PayoutMethodId { get; set; } = "";
    public string ProcessorType { get; set; } = "";
    public int IntervalSeconds { get; set; }
    public bool ProcessNewPayoutsInstantly { get; set; }
    public string Threshold { get; set; } = "";
    public int? FeeBlockTarget { get; set; }
    public int? CancelPayoutAfterFailures { get; set; }
    public long CreatedAtMs { get; set; }
    public long UpdatedAtMs { get; set; }
    public string Policy { get; set; } = "{}";
    public long Epoch { get; set; }
    public string? LeaseOwner { get; set; }
    public long? LeaseUntilMs { get; set; }

    public Core.Processors.ProcessorSettings ToDomain() => new()
    {
        StoreId = StoreId,
        MethodId = Method.Parse(PayoutMethodId),
        Type = Core.Processors.ProcessorType.Find(ProcessorType)
            ?? throw new InvariantViolationException($"stored processor type '{ProcessorType}' is unknown"),
        IntervalSeconds = IntervalSeconds,
        ProcessNewPayoutsInstantly = ProcessNewPayoutsInstantly,
        Threshold = Dec.Parse(Threshold),
        FeeBlockTarget = FeeBlockTarget,
        CancelPayoutAfterFailures = CancelPayoutAfterFailures,
        Policy = PolicyJson.Read(Policy),
        CreatedAt = Time.FromMs(CreatedAtMs),
        UpdatedAt = Time.FromMs(UpdatedAtMs),
    };

    public static object Params(Core.Processors.ProcessorSettings s) => new
    {
        s.StoreId,
        PayoutMethodId = s.MethodId.Value,
        ProcessorType = s.Type.Name,
        s.IntervalSeconds, s.ProcessNewPayoutsInstantly, s.Threshold, s.FeeBlockTarget, s.CancelPayoutAfterFailures,
        Policy = PolicyJson.Write(s.Policy),
        UpdatedAtMs = s.UpdatedAt.ToUnixTimeMilliseconds(),
    };
}

internal sealed class IdempotencyRow
{
    public string Scope { get; set; } = "";
    public string Key { get; set; } = "";
    public string Fingerprint { get; set; } = "";
    public string State { get; set; } = "";
    public long LeaseUntilMs { get; set; }
    public int? StatusCode { get; set; }
    public string? ContentType { get; set; }
    public byte[]? Body { get; set; }
    public long CreatedAtMs { get; set; }
    public long ExpiresAtMs { get; set; }

    public Core.Idempotency.IdempotencyRecord ToDomain() =>
        new(Scope, Key, Fingerprint, State, LeaseUntilMs, StatusCode, ContentType, Body, CreatedAtMs, ExpiresAtMs);
}

internal static class PolicyJson
{
    private static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static Core.Processors.ProcessorPolicy Read(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<Core.Processors.ProcessorPolicy>(json, Options) ?? Core.Processors.ProcessorPolicy.Default;

    public static string Write(Core.Processors.ProcessorPolicy policy) => System.Text.Json.JsonSerializer.Serialize(policy, Options);
}

internal sealed class AttemptRow
{
    public string Id { get; set; } = "";
    public string StoreId { get; set; } = "";
    public string PayoutMethodId { get; set; } = "";
    public long Epoch { get; set; }
    public string NodeId { get; set; } = "";
    public string State { get; set; } = "";
    public string? Artifact { get; set; }
    public long CreatedAtMs { get; set; }
}

internal sealed class AttemptPayoutRow
{
    public string AttemptId { get; set; } = "";
    public string PayoutId { get; set; } = "";
    public string Destination { get; set; } = "";
    public string Amount { get; set; } = "";
    public string State { get; set; } = "";
    public string? Reference { get; set; }
    public string? Detail { get; set; }
}

internal static class AttemptStates
{
    public static string ToDb(Core.Sending.AttemptPayoutState s) => s switch
    {
        Core.Sending.AttemptPayoutState.Claimed => "claimed",
        Core.Sending.AttemptPayoutState.Prepared => "prepared",
        Core.Sending.AttemptPayoutState.Sent => "sent",
        Core.Sending.AttemptPayoutState.InFlight => "in_flight",
        Core.Sending.AttemptPayoutState.Unknown => "unknown",
        Core.Sending.AttemptPayoutState.Confirmed => "confirmed",
        Core.Sending.AttemptPayoutState.Succeeded => "succeeded",
        Core.Sending.AttemptPayoutState.Failed => "failed",
        _ => throw new InvariantViolationException($"unknown attempt payout state {s}"),
    };

    public static Core.Sending.AttemptPayoutState PayoutFromDb(string s) => s switch
    {
        "claimed" => Core.Sending.AttemptPayoutState.Claimed,
        "prepared" => Core.Sending.AttemptPayoutState.Prepared,
        "sent" => Core.Sending.AttemptPayoutState.Sent,
        "in_flight" => Core.Sending.AttemptPayoutState.InFlight,
        "unknown" => Core.Sending.AttemptPayoutState.Unknown,
        "confirmed" => Core.Sending.AttemptPayoutState.Confirmed,
        "succeeded" => Core.Sending.AttemptPayoutState.Succeeded,
        "failed" => Core.Sending.AttemptPayoutState.Failed,
        _ => throw new InvariantViolationException($"stored attempt payout state '{s}' is unknown"),
    };

    public static Core.Sending.AttemptState AttemptFromDb(string s) => s switch
    {
        "claimed" => Core.Sending.AttemptState.Claimed,
        "prepared" => Core.Sending.AttemptState.Prepared,
        "done" => Core.Sending.AttemptState.Done,
        _ => throw new InvariantViolationException($"stored attempt state '{s}' is unknown"),
    };
}

internal sealed class StoreRailRow
{
    public string StoreId { get; set; } = "";
    public string PayoutMethodId { get; set; } = "";
    public string ConnectionString { get; set; } = "";
    public string? Network { get; set; }
    public string Settings { get; set; } = "{}";
    public long CreatedAtMs { get; set; }
    public long UpdatedAtMs { get; set; }

    public Core.Sending.RailConfig ToDomain() =>
        new(StoreId, Method.Parse(PayoutMethodId), ConnectionString, Network, Settings, Time.FromMs(CreatedAtMs), Time.FromMs(UpdatedAtMs));
}

using System.Text.Json;
using Payouts.Contracts;
using Payouts.Core.Webhooks;

namespace Payouts.Storage;

internal sealed class WebhookRow
{
    public string Id { get; set; } = "";
    public string StoreId { get; set; } = "";
    public string Url { get; set; } = "";
    public string Secret { get; set; } = "";
    public bool Enabled { get; set; }
    public bool AutomaticRedelivery { get; set; }
    public bool Everything { get; set; }
    public string SpecificEvents { get; set; } = "[]";
    public long CreatedAtMs { get; set; }
    public long UpdatedAtMs { get; set; }

    public Webhook ToDomain() => new(Id, StoreId, Url, Secret, Enabled, AutomaticRedelivery, Everything,
        JsonSerializer.Deserialize<List<string>>(SpecificEvents) ?? [], Time.FromMs(CreatedAtMs), Time.FromMs(UpdatedAtMs));

    public static object Params(Webhook w) => new
    {
        w.Id, w.StoreId, w.Url, w.Secret, w.Enabled, w.AutomaticRedelivery, w.Everything,
        SpecificEvents = JsonSerializer.Serialize(w.SpecificEvents),
        CreatedAtMs = w.CreatedAt.ToUnixTimeMilliseconds(),
        UpdatedAtMs = w.UpdatedAt.ToUnixTimeMilliseconds(),
    };
}

internal sealed class WebhookDeliveryRow
{
    public string Id { get; set; } = "";
    public string WebhookId { get; set; } = "";
    public string StoreId { get; set; } = "";
    public long EventId { get; set; }
    public string EventType { get; set; } = "";
    public string? OriginalDeliveryId { get; set; }
    public string Body { get; set; } = "";
    public string State { get; set; } = "";
    public int Attempts { get; set; }
    public long NextAttemptAtMs { get; set; }
    public int? HttpCode { get; set; }
    public string? ErrorMessage { get; set; }
    public long? LastAttemptAtMs { get; set; }
    public long CreatedAtMs { get; set; }

    public WebhookDelivery ToDomain() => new(Id, WebhookId, StoreId, EventType, OriginalDeliveryId, Body, StateOf(State), Attempts,
        Time.FromMs(NextAttemptAtMs), HttpCode, ErrorMessage, LastAttemptAtMs is { } at ? Time.FromMs(at) : null, Time.FromMs(CreatedAtMs));

    public static string StateName(WebhookDeliveryState s) => s switch
    {
        WebhookDeliveryState.Pending => "pending",
        WebhookDeliveryState.Delivered => "delivered",
        WebhookDeliveryState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, null),
    };

    private static WebhookDeliveryState StateOf(string s) => s switch
    {
        "pending" => WebhookDeliveryState.Pending,
        "delivered" => WebhookDeliveryState.Delivered,
        "failed" => WebhookDeliveryState.Failed,
        _ => throw new Core.InvariantViolationException($"unknown delivery state {s}"),
    };
}

internal sealed class LeasedDeliveryRow
{
    public string Id { get; set; } = "";
    public string WebhookId { get; set; } = "";
    public string Url { get; set; } = "";
    public string Secret { get; set; } = "";
    public bool AutomaticRedelivery { get; set; }
    public string Body { get; set; } = "";
    public int Attempts { get; set; }

    public LeasedDelivery ToDomain() => new(Id, WebhookId, Url, Secret, AutomaticRedelivery, Body, Attempts);
}

internal sealed class PendingEventRow
{
    public long Id { get; set; }
    public string PayoutId { get; set; } = "";
    public string StoreId { get; set; } = "";
    public string? PullPaymentId { get; set; }
    public string? FromState { get; set; }
    public string ToState { get; set; } = "";
    public long AtMs { get; set; }

    public PendingPayoutEvent ToDomain() => new(Id, PayoutId, StoreId, PullPaymentId,
        FromState is null ? null : Enum.Parse<PayoutState>(FromState), Enum.Parse<PayoutState>(ToState), Time.FromMs(AtMs));
}

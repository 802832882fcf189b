namespace Payouts.Contracts.Wire;

/// <summary>Greenfield <c>authorizedEvents</c>: everything, or the named events.</summary>
public sealed class AuthorizedEventsData
{
    public bool Everything { get; set; } = true;
    public List<string>? SpecificEvents { get; set; }
}

/// <summary>Greenfield <c>WebhookDataCreate</c> / <c>WebhookDataUpdate</c> (an update without a secret keeps the old one).</summary>
public sealed class WebhookRequest
{
    public bool? Enabled { get; set; }
    public bool? AutomaticRedelivery { get; set; }
    public string? Url { get; set; }
    public AuthorizedEventsData? AuthorizedEvents { get; set; }
    public string? Secret { get; set; }
}

public sealed record AuthorizedEventsWire(bool Everything, IReadOnlyList<string> SpecificEvents);

/// <summary>Greenfield <c>WebhookData</c>: never the secret.</summary>
public sealed record WebhookData(string Id, bool Enabled, bool AutomaticRedelivery, string Url, AuthorizedEventsWire AuthorizedEvents);

/// <summary>Greenfield <c>WebhookDataCreateResult</c>: the one answer that shows the secret.</summary>
public sealed record WebhookDataCreateResult(string Id, bool Enabled, bool AutomaticRedelivery, string Url, AuthorizedEventsWire AuthorizedEvents,
    string Secret);

/// <summary>
/// Greenfield <c>WebhookDeliveryData</c>. <c>status</c>: <c>HttpSuccess</c> (2xx), <c>HttpError</c> (another status), <c>Failed</c> (no answer),
/// or, beyond Greenfield, <c>Pending</c> before the first attempt.
/// </summary>
public sealed record WebhookDeliveryData(string Id, DateTimeOffset Timestamp, DateTimeOffset? DeliveryTime, int? HttpCode, string? ErrorMessage,
    string Status);

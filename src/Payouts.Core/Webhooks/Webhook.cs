namespace Payouts.Core.Webhooks;

/// <summary>A store's endpoint for event callbacks (Greenfield <c>WebhookData</c>).</summary>
public sealed record Webhook(
    string Id,
    string StoreId,
    string Url,
    string Secret,
    bool Enabled,
    bool AutomaticRedelivery,
    bool Everything,
    IReadOnlyList<string> SpecificEvents,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public const int UrlLengthMax = 2048;
    public const int SecretLengthMax = 256;

    /// <summary>Whether an event of <paramref name="eventType"/> goes to this webhook (its authorizedEvents).</summary>
    public bool Accepts(string eventType) => Everything || SpecificEvents.Contains(eventType, StringComparer.Ordinal);

    /// <summary>An absolute http or https URL: anything else could never be delivered.</summary>
    public static bool IsValidUrl(string? url) =>
        !string.IsNullOrWhiteSpace(url) && url.Length <= UrlLengthMax
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host);
}

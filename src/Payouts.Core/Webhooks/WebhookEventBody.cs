using System.Text;
using System.Text.Json;

namespace Payouts.Core.Webhooks;

/// <summary>
/// The JSON BTCPay sends for a payout event (<c>WebhookPayoutEvent</c>). Built once, when the delivery is created, and
/// stored: every attempt of that delivery sends the same bytes, so a receiver can deduplicate on <c>deliveryId</c>.
/// </summary>
public static class WebhookEventBody
{
    /// <param name="originalDeliveryId">The delivery's own id unless it is a redelivery (BTCPay's convention).</param>
    public static string Build(string deliveryId, string webhookId, string originalDeliveryId, bool isRedelivery, string type,
        DateTimeOffset timestamp, string storeId, string payoutId, string? pullPaymentId, string payoutState)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("deliveryId", deliveryId);
            w.WriteString("webhookId", webhookId);
            w.WriteString("originalDeliveryId", originalDeliveryId);
            w.WriteBoolean("isRedelivery", isRedelivery);
            w.WriteString("type", type);
            w.WriteNumber("timestamp", timestamp.ToUnixTimeSeconds());
            w.WriteString("storeId", storeId);
            w.WriteString("payoutId", payoutId);
            if (pullPaymentId is null) w.WriteNull("pullPaymentId");
            else w.WriteString("pullPaymentId", pullPaymentId);
            w.WriteString("payoutState", payoutState);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The same event as a redelivery: a new delivery id, the original's id, <c>isRedelivery: true</c>, a new timestamp.</summary>
    public static string AsRedelivery(string body, string newDeliveryId, string originalDeliveryId, DateTimeOffset now)
    {
        using var doc = JsonDocument.Parse(body);
        var r = doc.RootElement;
        string? Text(string name) => r.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        return Build(newDeliveryId, Text("webhookId")!, originalDeliveryId, true, Text("type")!, now, Text("storeId")!, Text("payoutId")!,
            Text("pullPaymentId"), Text("payoutState")!);
    }
}

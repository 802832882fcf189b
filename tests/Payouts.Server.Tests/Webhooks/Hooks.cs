using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Payouts.Server.Tests.Support;

namespace Payouts.Server.Tests.Webhooks;

/// <summary>The webhook API as the tests use it.</summary>
public static class Hooks
{
    public static string Path(string storeId, string? webhookId = null) =>
        webhookId is null ? $"/api/v1/stores/{storeId}/webhooks" : $"/api/v1/stores/{storeId}/webhooks/{webhookId}";

    /// <summary>Creates a webhook on <paramref name="receiver"/>'s <paramref name="hook"/> and registers its secret there.</summary>
    public static async Task<string> Create(HttpClient c, string storeId, WebhookReceiver receiver, string hook, string? secret = null)
    {
        var body = JsonSerializer.Serialize(new { url = receiver.Url(hook), secret });
        var created = await Http.Expect(await c.PostAsync(Path(storeId), Http.Json(body)), HttpStatusCode.OK);
        receiver.Secrets[hook] = created["secret"]!.GetValue<string>();
        return created["id"]!.GetValue<string>();
    }

    public static async Task<JsonArray> Deliveries(HttpClient c, string storeId, string webhookId) =>
        (await Http.Get(c, Path(storeId, webhookId) + "/deliveries")).AsArray();

    public static async Task<string> Redeliver(HttpClient c, string storeId, string webhookId, string deliveryId) =>
        (await Http.Expect(await c.PostAsync($"{Path(storeId, webhookId)}/deliveries/{deliveryId}/redeliver", null), HttpStatusCode.OK))
        .GetValue<string>();

    /// <summary>The successful receipts of <paramref name="hook"/>, one per delivery id, in the order they first succeeded.</summary>
    public static List<ReceivedDelivery> Delivered(WebhookReceiver receiver, string hook) =>
        receiver.Received.Where(r => r.Hook == hook && r.Succeeded).DistinctBy(r => r.DeliveryId).ToList();
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payouts.Server.Tests.Support;

/// <summary>Small helpers over the HTTP API, asserting the status they expect.</summary>
public static class Http
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonNode> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body.Length == 0 ? "null" : body)!;
    }

    public static async Task<string> CreateStore(HttpClient admin, string name = "Test store")
    {
        var store = await Expect(await admin.PostAsync("/api/v1/stores", Json(JsonSerializer.Serialize(new { name }))), HttpStatusCode.OK);
        return store["id"]!.GetValue<string>();
    }

    public static async Task<JsonNode> CreatePayout(HttpClient admin, string storeId, string destination, string amount = "0.001",
        string method = "BTC-CHAIN", bool approved = false)
    {
        var body = JsonSerializer.Serialize(new { destination, amount, payoutMethodId = method, approved });
        return await Expect(await admin.PostAsync($"/api/v1/stores/{storeId}/payouts", Json(body)), HttpStatusCode.OK);
    }

    /// <summary>A distinct valid regtest bech32 (P2WPKH-shaped) address per <paramref name="n"/>.</summary>
    public static string Address(int n)
    {
        const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
        var sb = new StringBuilder("bcrt1q");
        var v = (uint)n;
        for (var i = 0; i < 38; i++)
        {
            sb.Append(Charset[(int)(v % 32)]);
            v = v / 32 + (uint)(i * 7 + 3);
        }
        return sb.ToString();
    }

    public static Task<HttpResponseMessage> Approve(HttpClient c, string storeId, string payoutId, int revision) =>
        c.PostAsync($"/api/v1/stores/{storeId}/payouts/{payoutId}", Json($"{{\"revision\":{revision}}}"));

    public static Task<HttpResponseMessage> Cancel(HttpClient c, string storeId, string payoutId) =>
        c.DeleteAsync($"/api/v1/stores/{storeId}/payouts/{payoutId}");

    public static Task<HttpResponseMessage> Mark(HttpClient c, string storeId, string payoutId, string state) =>
        c.PostAsync($"/api/v1/stores/{storeId}/payouts/{payoutId}/mark", Json($"{{\"state\":\"{state}\"}}"));

    public static Task<HttpResponseMessage> MarkPaid(HttpClient c, string storeId, string payoutId) =>
        c.PostAsync($"/api/v1/stores/{storeId}/payouts/{payoutId}/mark-paid", null);

    public static async Task<JsonNode> Get(HttpClient c, string path) => await Expect(await c.GetAsync(path), HttpStatusCode.OK);

    public static async Task<JsonArray> Events(HttpClient c, string storeId, string payoutId) =>
        (await Get(c, $"/api/v1/stores/{storeId}/payouts/{payoutId}/events")).AsArray();

    public static Task<HttpResponseMessage> PostJson<T>(HttpClient c, string path, T body) => c.PostAsJsonAsync(path, body);
}

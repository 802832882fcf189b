using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using Payouts.Core.Bitcoin;

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

    /// <summary>A distinct valid regtest P2WPKH address per <paramref name="n"/>: its 20-byte program ends with n.</summary>
    public static string Address(int n)
    {
        var program = new byte[20];
        program[0] = 0xa5; // so that no program is all zeros
        BinaryPrimitives.WriteInt32BigEndian(program.AsSpan(16), n);
        return Bech32.EncodeWitness("bcrt", 0, program);
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

/// <summary>An answer as the client received it: status, the exact body bytes, and whether it was an idempotent replay.</summary>
public sealed record RawAnswer(HttpStatusCode Status, byte[] Body, bool Replayed, string? ContentType)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public JsonNode Json => JsonNode.Parse(Body.Length == 0 ? "null"u8 : Body)!;

    /// <summary>The <c>code</c> of a Greenfield error body.</summary>
    public string? Code => Json is JsonObject o ? o["code"]?.GetValue<string>() : null;

    /// <summary>The <c>path</c>s of a 422 body.</summary>
    public IReadOnlyList<string> Paths => Json is JsonArray a ? a.Select(e => e!["path"]!.GetValue<string>()).ToList() : [];
}

/// <summary>Requests with an optional <c>Idempotency-Key</c>, answered as <see cref="RawAnswer"/>s for byte-exact comparisons.</summary>
public static class RawHttp
{
    public const string IdempotencyKey = "Idempotency-Key";

    public static Task<RawAnswer> Post(HttpClient c, string path, string? json, string? idempotencyKey = null) =>
        Send(c, HttpMethod.Post, path, json, idempotencyKey is null ? [] : [idempotencyKey]);

    public static Task<RawAnswer> Delete(HttpClient c, string path, string? idempotencyKey = null) =>
        Send(c, HttpMethod.Delete, path, null, idempotencyKey is null ? [] : [idempotencyKey]);

    /// <param name="idempotencyKeys">Each becomes one <c>Idempotency-Key</c> header value; none sends no header.</param>
    public static async Task<RawAnswer> Send(HttpClient c, HttpMethod method, string path, string? json, IReadOnlyList<string> idempotencyKeys)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = Http.Json(json);
        if (idempotencyKeys.Count > 0) Assert.True(request.Headers.TryAddWithoutValidation(IdempotencyKey, idempotencyKeys));
        using var response = await c.SendAsync(request);
        var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.SequenceEqual(["true"]);
        return new RawAnswer(response.StatusCode, await response.Content.ReadAsByteArrayAsync(), replayed,
            response.Content.Headers.ContentType?.ToString());
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Payouts.Rails.Tests.Bitcoin;

/// <summary>What came back over HTTP: the status, and the JSON-RPC result or error.</summary>
public sealed record RpcReply(HttpStatusCode Status, JsonElement Result, int? ErrorCode, string? ErrorMessage, string Body);

/// <summary>
/// A deliberately tiny JSON-RPC 1.0 client, written here and not taken from the product, so the simulator is checked
/// against the wire format itself rather than against the code it is meant to test.
/// </summary>
public sealed class TestRpcClient(Uri url, string user, string password) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private int _id;

    public async Task<RpcReply> Send(string method, params object?[] args) =>
        await SendBody(JsonSerializer.Serialize(new { jsonrpc = "1.0", id = ++_id, method, @params = args }));

    public async Task<RpcReply> SendBody(string json, string? authUser = null, string? authPassword = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authUser ?? user}:{authPassword ?? password}")));
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (body.Length == 0) return new RpcReply(response.StatusCode, default, null, null, body);
        var root = JsonDocument.Parse(body).RootElement;
        if (root.ValueKind == JsonValueKind.Array) return new RpcReply(response.StatusCode, root, null, null, body);
        var error = root.GetProperty("error");
        return error.ValueKind == JsonValueKind.Null
            ? new RpcReply(response.StatusCode, root.GetProperty("result"), null, null, body)
            : new RpcReply(response.StatusCode, default, error.GetProperty("code").GetInt32(), error.GetProperty("message").GetString(), body);
    }

    public async Task<JsonElement> Call(string method, params object?[] args)
    {
        var reply = await Send(method, args);
        if (reply.ErrorCode is not null) throw new Xunit.Sdk.XunitException($"{method} failed: {reply.ErrorCode} {reply.ErrorMessage}");
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Result;
    }

    /// <summary>Calls and expects a JSON-RPC error with this code; returns its message.</summary>
    public async Task<string> Fails(int code, string method, params object?[] args)
    {
        var reply = await Send(method, args);
        Assert.True(reply.ErrorCode is not null, $"{method} was expected to fail with {code} but returned {reply.Body}");
        Assert.Equal(code, reply.ErrorCode);
        return reply.ErrorMessage!;
    }

    public void Dispose() => _http.Dispose();
}

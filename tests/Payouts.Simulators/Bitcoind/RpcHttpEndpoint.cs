using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Payouts.Simulators.Bitcoind.Rpc;

namespace Payouts.Simulators.Bitcoind;

/// <summary>
/// bitcoind's HTTP JSON-RPC server (httprpc.cpp) as clients meet it: POST only, HTTP basic auth with an empty 401 and
/// a WWW-Authenticate challenge, paths / and /wallet/&lt;name&gt;, JSON-RPC 1.0 replies with result and error both
/// present and the HTTP status taken from the error (404 method not found, 400 invalid request, else 500), 2.0 replies
/// with status 200, and batches.
/// </summary>
internal sealed class RpcHttpEndpoint(BitcoindSimulator simulator, Func<string, string, bool> authorize)
{
    /// <summary>Bitcoin Core's MAX_SIZE for a request body.</summary>
    private const int BodyBytesMax = 32 * 1024 * 1024;

    public async Task Handle(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        string? wallet = null;
        if (path.StartsWith("/wallet/", StringComparison.Ordinal)) wallet = Uri.UnescapeDataString(path["/wallet/".Length..]);
        else if (path != "/") { http.Response.StatusCode = StatusCodes.Status404NotFound; return; }
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            await http.Response.WriteAsync("JSONRPC server handles only POST requests");
            return;
        }
        if (!Authorized(http.Request.Headers.Authorization.ToString()))
        {
            // bitcoind answers a bad or missing password with an empty 401 and this challenge.
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"jsonrpc\"";
            return;
        }

        var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body);
        if (body.Length > BodyBytesMax) { http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge; return; }
        JsonElement request;
        try { request = JsonDocument.Parse(body.ToArray()).RootElement; }
        catch (JsonException)
        {
            await Reply(http, 500, Error(null, RpcErrorCodes.ParseError, "Parse error", legacy: true));
            return;
        }

        var drop = false;
        if (request.ValueKind == JsonValueKind.Array)
        {
            var replies = new JsonArray();
            foreach (var item in request.EnumerateArray())
            {
                var (reply, _, dropThis) = Process(item, wallet);
                drop |= dropThis;
                replies.Add(reply);
            }
            if (drop) { http.Abort(); return; }
            await Reply(http, 200, replies);
            return;
        }
        var (single, status, dropSingle) = Process(request, wallet);
        // "The call was processed but the answer never arrived": the client sees a broken connection.
        if (dropSingle) { http.Abort(); return; }
        await Reply(http, status, single);
    }

    private (JsonNode Reply, int Status, bool Drop) Process(JsonElement request, string? wallet)
    {
        if (request.ValueKind != JsonValueKind.Object)
            return (Error(null, RpcErrorCodes.InvalidRequest, "Invalid Request object", legacy: true), 400, false);
        JsonNode? id = request.TryGetProperty("id", out var rawId) ? JsonNode.Parse(rawId.GetRawText()) : null;
        var legacy = !(request.TryGetProperty("jsonrpc", out var version) && version.ValueKind == JsonValueKind.String && version.GetString() == "2.0");
        if (!request.TryGetProperty("method", out var methodElement) || methodElement.ValueKind != JsonValueKind.String)
            return (Error(id, RpcErrorCodes.InvalidRequest, "Method must be a string", legacy), legacy ? 400 : 200, false);
        var method = methodElement.GetString()!;
        JsonElement? parameters = request.TryGetProperty("params", out var p) ? p : null;

        var outcome = simulator.Execute(method, parameters, wallet);
        if (outcome.Error is { } e)
        {
            var status = !legacy ? 200 : e.Code switch
            {
                RpcErrorCodes.MethodNotFound => 404,
                RpcErrorCodes.InvalidRequest => 400,
                _ => 500,
            };
            return (Error(id, e.Code, e.Message, legacy), status, outcome.Drop);
        }
        var ok = legacy
            ? new JsonObject { ["result"] = outcome.Result, ["error"] = null, ["id"] = id }
            : new JsonObject { ["jsonrpc"] = "2.0", ["result"] = outcome.Result, ["id"] = id };
        return (ok, 200, outcome.Drop);
    }

    private static JsonObject Error(JsonNode? id, int code, string message, bool legacy)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        return legacy
            ? new JsonObject { ["result"] = null, ["error"] = error, ["id"] = id }
            : new JsonObject { ["jsonrpc"] = "2.0", ["error"] = error, ["id"] = id };
    }

    private bool Authorized(string header)
    {
        if (!header.StartsWith("Basic ", StringComparison.Ordinal)) return false;
        string decoded;
        try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim())); }
        catch (FormatException) { return false; }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && authorize(decoded[..colon], decoded[(colon + 1)..]);
    }

    private static async Task Reply(HttpContext http, int status, JsonNode body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString() + "\n");
    }
}

/// <summary>What one call produced: a result or an error, and whether its response is to be lost.</summary>
internal sealed record RpcOutcome(JsonNode? Result, RpcException? Error, bool Drop);

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Payouts.Simulators.Lightning.Cln;

/// <summary>
/// The clnrest plugin: POST /v1/{method} with the rune in a Rune header and the params as a JSON body. A result is
/// HTTP 201 with the result object; an RPC error HTTP 500 with the error object; a bad or missing rune HTTP 401.
/// </summary>
internal sealed class ClnRestEndpoint(ClnSimulator cln)
{
    public async Task Handle(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        if (!HttpMethods.IsPost(http.Request.Method) || !path.StartsWith("/v1/", StringComparison.Ordinal) || path.Length <= 4)
        {
            await Reply(http, 404, new JsonObject { ["code"] = 404, ["message"] = "Not Found" });
            return;
        }
        var rune = http.Request.Headers["Rune"].ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(rune), Encoding.UTF8.GetBytes(cln.Rune)))
        {
            await Reply(http, 401, new JsonObject { ["code"] = 1501, ["message"] = "Not authorized: Not derived from master" });
            return;
        }
        var body = await new StreamReader(http.Request.Body, Encoding.UTF8).ReadToEndAsync();
        JsonElement? parameters = null;
        if (!string.IsNullOrWhiteSpace(body))
        {
            try { parameters = JsonDocument.Parse(body).RootElement; }
            catch (JsonException)
            {
                await Reply(http, 500, new JsonObject { ["code"] = -32700, ["message"] = "Parse error" });
                return;
            }
        }
        var outcome = await cln.Execute(Uri.UnescapeDataString(path[4..]), parameters, "rest");
        if (outcome.Drop) { http.Abort(); return; }
        if (outcome.Error is { } error) await Reply(http, 500, error.ToJson());
        else await Reply(http, 201, outcome.Result!);
    }

    private static async Task Reply(HttpContext http, int status, JsonNode body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString());
    }
}

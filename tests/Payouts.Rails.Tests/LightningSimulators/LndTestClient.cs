using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Payouts.Simulators.Lightning.Lnd;

namespace Payouts.Rails.Tests.LightningSimulators;

/// <summary>Plain HTTP against the LND simulator, reading streamed answers line by line as a real client does.</summary>
internal sealed class LndTestClient(LndSimulator lnd, string? macaroon = null) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = lnd.BaseUrl, Timeout = TimeSpan.FromSeconds(20) };

    public async Task<(int Status, JsonNode Body)> Get(string path)
    {
        using var response = await _http.SendAsync(Request(HttpMethod.Get, path));
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    public Task<LineStream> Send(string bolt11, long? amtMsat = null, long feeLimitMsat = 0, int timeoutSeconds = 60, bool noInflight = false)
    {
        var body = new JsonObject
        {
            ["payment_request"] = bolt11,
            ["fee_limit_msat"] = feeLimitMsat.ToString(),
            ["timeout_seconds"] = timeoutSeconds,
            ["no_inflight_updates"] = noInflight,
        };
        if (amtMsat is { } amt) body["amt_msat"] = amt.ToString();
        var request = Request(HttpMethod.Post, "v2/router/send");
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        return Open(request);
    }

    public Task<LineStream> Track(string pathSegment, bool noInflight = false) =>
        Open(Request(HttpMethod.Get, $"v2/router/track/{pathSegment}?no_inflight_updates={(noInflight ? "true" : "false")}"));

    private async Task<LineStream> Open(HttpRequestMessage request)
    {
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new LineStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        var mac = macaroon ?? lnd.MacaroonHex;
        if (mac.Length > 0) request.Headers.TryAddWithoutValidation("Grpc-Metadata-macaroon", mac);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    public void Dispose() => _http.Dispose();

    public static string Base64Url(string hex) =>
        Convert.ToBase64String(Convert.FromHexString(hex)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

internal sealed class LineStream(HttpResponseMessage response, StreamReader reader) : IDisposable
{
    public int Status => (int)response.StatusCode;

    /// <summary>The next newline-delimited JSON chunk, or null at the end of the stream.</summary>
    public async Task<JsonNode?> Next()
    {
        var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return line is null ? null : JsonNode.Parse(line);
    }

    public void Dispose()
    {
        reader.Dispose();
        response.Dispose();
    }
}

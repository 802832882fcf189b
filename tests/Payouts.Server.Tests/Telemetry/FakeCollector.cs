using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Payouts.Server.Tests.Telemetry;

/// <summary>
/// An OTLP/HTTP collector stand-in on 127.0.0.1: accepts protobuf POSTs to /v1/traces, /v1/metrics and /v1/logs and
/// keeps their bodies. It does not decode them; protobuf keeps strings as UTF-8, so a test can look for a known one.
/// </summary>
public sealed class FakeCollector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Path, byte[] Body)> _requests = new();

    public Uri Endpoint { get; }

    private FakeCollector(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public static async Task<FakeCollector> Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeCollector? collector = null;
        foreach (var signal in new[] { "traces", "metrics", "logs" })
            app.MapPost($"/v1/{signal}", async (HttpContext context) =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                collector!._requests.Enqueue(($"/v1/{signal}", body.ToArray()));
                // An empty Export*ServiceResponse: success.
                context.Response.ContentType = "application/x-protobuf";
                return Results.Bytes([], "application/x-protobuf");
            });
        await app.StartAsync();
        collector = new FakeCollector(app, new Uri(app.Urls.First()));
        return collector;
    }

    /// <summary>Bodies received on <paramref name="path"/> (e.g. "/v1/traces"), in arrival order.</summary>
    public IReadOnlyList<byte[]> Bodies(string path) => _requests.Where(r => r.Path == path).Select(r => r.Body).ToList();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

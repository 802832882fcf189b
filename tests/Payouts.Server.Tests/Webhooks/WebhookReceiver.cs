using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Payouts.Server.Tests.Webhooks;

/// <summary>One request as the receiver saw it: the exact body, whether <c>BTCPay-Sig</c> matched it, and the fields of interest.</summary>
public sealed record ReceivedDelivery(string Hook, byte[] Body, bool SignatureValid, int Answered)
{
    public JsonNode Json => JsonNode.Parse(Body)!;
    public string DeliveryId => Json["deliveryId"]!.GetValue<string>();
    public string Type => Json["type"]!.GetValue<string>();
    public string PayoutState => Json["payoutState"]!.GetValue<string>();
    public bool Succeeded => Answered is >= 200 and < 300;
}

/// <summary>
/// A real HTTP receiver (Kestrel on 127.0.0.1, a free port): <c>POST /hook/{name}</c> checks the signature with the secret it
/// was given, asks <see cref="Answer"/> what to do, and records every request in arrival order. It also counts requests in
/// progress per delivery id and per hook, so a test can prove that no two were ever attempted at once.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedDelivery> _received = new();
    private readonly ConcurrentDictionary<string, int> _inFlightByHook = new();
    private readonly ConcurrentDictionary<string, int> _inFlightByDelivery = new();
    private int _overlaps;

    /// <summary>The HMAC key each hook's signatures are checked with.</summary>
    public ConcurrentDictionary<string, string> Secrets { get; } = new();

    /// <summary>Decides the status of a request (and may hold it); default 200.</summary>
    public Func<string, JsonNode, Task<int>> Answer { get; set; } = (_, _) => Task.FromResult(200);

    public string BaseUrl { get; private set; } = "";

    /// <summary>Requests that began while another request of the same hook or the same delivery was still in progress.</summary>
    public int Overlaps => Volatile.Read(ref _overlaps);

    public IReadOnlyList<ReceivedDelivery> Received => _received.ToList();

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url(string hook) => $"{BaseUrl}/hook/{hook}";

    public static async Task<WebhookReceiver> Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook/{name}", (Func<HttpContext, string, Task<IResult>>)receiver.Handle);
        await app.StartAsync();
        receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return receiver;
    }

    private async Task<IResult> Handle(HttpContext http, string name)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var signature = http.Request.Headers["BTCPay-Sig"].ToString();
        var valid = Secrets.TryGetValue(name, out var secret)
            && signature == "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
        var json = JsonNode.Parse(body)!;
        var deliveryId = json["deliveryId"]!.GetValue<string>();
        if (_inFlightByHook.AddOrUpdate(name, 1, (_, n) => n + 1) > 1 | _inFlightByDelivery.AddOrUpdate(deliveryId, 1, (_, n) => n + 1) > 1)
            Interlocked.Increment(ref _overlaps);
        try
        {
            var status = await Answer(name, json);
            _received.Enqueue(new ReceivedDelivery(name, body, valid, status));
            return Results.StatusCode(status);
        }
        finally
        {
            _inFlightByHook.AddOrUpdate(name, 0, (_, n) => n - 1);
            _inFlightByDelivery.AddOrUpdate(deliveryId, 0, (_, n) => n - 1);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

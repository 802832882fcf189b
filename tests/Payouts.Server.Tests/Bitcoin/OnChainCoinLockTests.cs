using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Payouts.Server.Tests.Support;
using Payouts.Simulators.Bitcoind;
using static Payouts.Server.Tests.Bitcoin.OnChain;

namespace Payouts.Server.Tests.Bitcoin;

/// <summary>
/// A slow node between the service and the simulator: forwards every JSON-RPC request, holding the first request of
/// <see cref="SlowMethod"/> for <see cref="Delay"/> before forwarding it (the node still processes it, as a busy
/// bitcoind would, whether or not the caller is still waiting).
/// </summary>
public sealed class SlowRpcProxy : IAsyncDisposable
{
    private static readonly HttpClient Forward = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly WebApplication _app;
    private int _slowed;

    private SlowRpcProxy(WebApplication app, string slowMethod, TimeSpan delay)
    {
        _app = app;
        SlowMethod = slowMethod;
        Delay = delay;
    }

    public string SlowMethod { get; }
    public TimeSpan Delay { get; }
    public Uri Url { get; private set; } = null!;
    public int Slowed => Volatile.Read(ref _slowed);

    public static async Task<SlowRpcProxy> Start(Uri target, string slowMethod, TimeSpan delay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var proxy = new SlowRpcProxy(app, slowMethod, delay);
        app.Run(async http =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(CancellationToken.None);
            if (body.Contains($"\"method\":\"{slowMethod}\"", StringComparison.Ordinal) && Interlocked.CompareExchange(ref proxy._slowed, 1, 0) == 0)
                await Task.Delay(delay, CancellationToken.None);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target, http.Request.Path.Value!.TrimStart('/')));
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            if (http.Request.Headers.Authorization.ToString() is { Length: > 0 } auth) request.Headers.TryAddWithoutValidation("Authorization", auth);
            using var response = await Forward.SendAsync(request, CancellationToken.None);
            http.Response.StatusCode = (int)response.StatusCode;
            http.Response.ContentType = "application/json";
            var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
            try { await http.Response.WriteAsync(text, CancellationToken.None); }
            catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException) { /* the caller gave up */ }
        });
        await app.StartAsync();
        proxy.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// The coins a batch reserves in the wallet (walletcreatefundedpsbt with lockUnspents) must come back when the batch
/// is never committed: otherwise the wallet reports "insufficient funds" to every later run and the payouts wait forever
/// with errorCount 0, which no operator alarm catches.
/// </summary>
public sealed class OnChainCoinLockTests
{
    // Proves: a run cancelled in the middle of prepare (its half-lease budget ran out while the node was slow to sign)
    // leaves nothing behind: its claim is abandoned and the coins it locked are unlocked, so a later run funds, signs
    // and broadcasts the batch from the same single coin, and each payout is paid once.
    [Fact]
    public async Task ARunCancelledMidPrepareGivesItsLockedCoinsBackAndTheNextRunSendsTheBatch()
    {
        await using var sim = await BitcoindSimulator.Start(new BitcoindSimulatorOptions { Wallets = [Wallet] });
        await sim.Fund(Wallet, 1m);
        // Fast's 3 s lease: a run is cancelled after 1.5 s; the first walletprocesspsbt answers after 2.5 s.
        await using var proxy = await SlowRpcProxy.Start(sim.Url, "walletprocesspsbt", TimeSpan.FromSeconds(2.5));
        await using var node = new BitcoinNode(new Dictionary<string, string> { ["Payouts:Processors:LeaseTtlSeconds"] = "3" });
        using var admin = node.Admin();
        var storeId = await Http.CreateStore(admin);
        await Http.Expect(await admin.PutAsync($"/api/v1/stores/{storeId}/rails/{Method}",
            Http.Json(RailBody(ConnectionString(sim, server: proxy.Url)))), HttpStatusCode.OK);
        var payouts = await CreateApproved(admin, storeId, 1, 0.001m, 0.002m);
        await PutProcessor(admin, storeId);

        var txid = await WaitForMempoolTx(sim, payouts, TimeSpan.FromSeconds(10));
        Assert.Equal(1, proxy.Slowed);
        sim.Mine(1);
        await WaitForStates(admin, storeId, payouts, "Completed");
        AssertPaidOnce(sim, payouts, txid);
        foreach (var p in payouts) Assert.Equal(0, SandboxHttp.ErrorCount(await SandboxHttp.Payout(admin, storeId, p.Id)));
    }
}

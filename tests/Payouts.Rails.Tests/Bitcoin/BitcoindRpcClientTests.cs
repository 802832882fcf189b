using System.Net;
using System.Net.Sockets;
using System.Text;
using Payouts.Rails.Bitcoin;

namespace Payouts.Rails.Tests.Bitcoin;

/// <summary>How the product's JSON-RPC client reports a node that stops answering halfway.</summary>
public sealed class BitcoindRpcClientTests
{
    [Fact]
    public async Task ABodyThatStopsArrivingIsATimeoutNotACancellation()
    {
        // Headers arrive, the body never completes: the call may have been carried out, so callers must see "timed out"
        // (unknown) — a cancellation would look like the caller's own and escape the rail's node-trouble handling.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[8192];
            _ = await stream.ReadAsync(buffer);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"result\":"));
            await Task.Delay(TimeSpan.FromSeconds(3));
        });
        Assert.True(RailConnectionString.TryParse($"type=bitcoind;server=http://127.0.0.1:{port};user=u;password=p;wallet=w;timeout=1",
            out var cs, out _));
        Assert.True(BitcoinRailSettings.TryCreate(cs, "regtest", new BitcoinTracking(), out var settings, out _));
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var client = new BitcoindRpcClient(http, settings!);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.Chain("getblockcount", CancellationToken.None));

        Assert.Contains("getblockcount", error.Message, StringComparison.Ordinal);
        await server;
    }
}

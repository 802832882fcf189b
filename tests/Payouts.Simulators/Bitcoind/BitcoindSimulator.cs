using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Payouts.Simulators.Bitcoind.Node;
using Payouts.Simulators.Bitcoind.Rpc;
using Payouts.Simulators.Bitcoind.Wallet;

namespace Payouts.Simulators.Bitcoind;

/// <summary>
/// Bitcoin Core's JSON-RPC (as v27/v28 speak it) on http://127.0.0.1:&lt;port&gt;, backed by an in-memory chain,
/// mempool and wallets, with a C# control surface for the things a test must make happen: funds, blocks, fee
/// estimates, evictions, reorgs, double spends, failures and lost responses, crashes and restarts. Each RPC call and
/// each control method runs under one lock, so each is atomic.
/// </summary>
public sealed partial class BitcoindSimulator : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly BitcoindSimulatorOptions _options;
    private readonly NodeState _node;
    private readonly List<RpcCall> _calls = [];
    private readonly Dictionary<string, Queue<RpcException>> _failNext = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _dropNext = new(StringComparer.Ordinal);
    private readonly string _cookiePassword = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
    private WebApplication? _app;

    private BitcoindSimulator(BitcoindSimulatorOptions options)
    {
        _options = options;
        _node = new NodeState(options.Network, options.FullRbf, options.Time);
        foreach (var wallet in options.Wallets) CreateWallet(wallet);
    }

    public int Port { get; private set; }
    public Uri Url => new($"http://127.0.0.1:{Port}/");
    public Uri WalletUrl(string wallet) => new(Url, $"wallet/{Uri.EscapeDataString(wallet)}");

    /// <summary>The credentials a client must send: the configured user, or <c>__cookie__</c> and the cookie's secret.</summary>
    public string RpcUser => _options.CookieFilePath is not null ? "__cookie__" : _options.RpcUser ?? "";
    public string RpcPassword => _options.CookieFilePath is not null ? _cookiePassword : _options.RpcPassword ?? "";

    public static async Task<BitcoindSimulator> Start(BitcoindSimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var simulator = new BitcoindSimulator(options);
        if (options.CookieFilePath is { } path)
            await File.WriteAllTextAsync(path, $"__cookie__:{simulator._cookiePassword}");
        await simulator.Listen(port: 0);
        return simulator;
    }

    /// <summary>A node crash: the port refuses connections until <see cref="Restart"/>; nothing else is lost.</summary>
    public async Task Stop()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    /// <summary>Comes back on the same port with the same chain and wallets; the mempool as the options say.</summary>
    public async Task Restart()
    {
        await Stop();
        if (!_options.KeepMempoolOnRestart)
            lock (_gate)
                foreach (var txid in _node.Mempool.Keys.ToList()) _node.RemoveFromMempool(txid);
        await Listen(Port);
    }

    public async ValueTask DisposeAsync()
    {
        await Stop();
        if (_options.CookieFilePath is { } path && File.Exists(path)) File.Delete(path);
    }

    /// <summary>Every call received, in order, including failed ones.</summary>
    public IReadOnlyList<RpcCall> Calls
    {
        get { lock (_gate) return _calls.ToList(); }
    }

    public IReadOnlyList<RpcCall> CallsOf(string method) => Calls.Where(c => c.Method == method).ToList();

    /// <summary>The next call of <paramref name="method"/> fails with this error without being processed.</summary>
    public void FailNext(string method, int code, string message)
    {
        lock (_gate)
        {
            if (!_failNext.TryGetValue(method, out var queue)) _failNext[method] = queue = new Queue<RpcException>();
            queue.Enqueue(new RpcException(code, message));
        }
    }

    /// <summary>The next call of <paramref name="method"/> is processed, then its connection is aborted: "timed out after it was sent".</summary>
    public void DropResponse(string method)
    {
        lock (_gate) _dropNext[method] = _dropNext.GetValueOrDefault(method) + 1;
    }

    internal RpcOutcome Execute(string method, JsonElement? parameters, string? wallet)
    {
        lock (_gate)
        {
            var drop = _dropNext.GetValueOrDefault(method) > 0;
            if (drop) _dropNext[method]--;
            if (_failNext.TryGetValue(method, out var failures) && failures.TryDequeue(out var injected))
            {
                _calls.Add(new RpcCall(method, wallet, Succeeded: false));
                return new RpcOutcome(null, injected, drop);
            }
            try
            {
                if (!RpcMethods.All.TryGetValue(method, out var handler))
                    throw new RpcException(RpcErrorCodes.MethodNotFound, "Method not found");
                var context = new RpcContext(_node, new RpcParams(method, parameters, handler.ParamNames), wallet);
                var result = handler.Handler(context);
                _calls.Add(new RpcCall(method, wallet, Succeeded: true));
                return new RpcOutcome(result, null, drop);
            }
            catch (RpcException e)
            {
                _calls.Add(new RpcCall(method, wallet, Succeeded: false));
                return new RpcOutcome(null, e, drop);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
            {
                // Core turns a std::runtime_error in a handler into RPC_MISC_ERROR with its message.
                _calls.Add(new RpcCall(method, wallet, Succeeded: false));
                return new RpcOutcome(null, new RpcException(RpcErrorCodes.MiscError, e.Message), drop);
            }
        }
    }

    private async Task Listen(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var endpoint = new RpcHttpEndpoint(this, (user, password) =>
            string.Equals(user, RpcUser, StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(password), System.Text.Encoding.UTF8.GetBytes(RpcPassword)));
        app.Run(endpoint.Handle);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
        _app = app;
    }

    private SimWallet WalletNamed(string name) =>
        _node.Wallets.GetValueOrDefault(name) ?? throw new ArgumentException($"no wallet named '{name}'", nameof(name));
}

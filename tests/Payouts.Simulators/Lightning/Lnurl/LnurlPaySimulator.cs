using System.Globalization;
using System.Net;
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
using Payouts.Core.Bitcoin;

namespace Payouts.Simulators.Lightning.Lnurl;

/// <summary>
/// An LNURL-pay service (LUD-06, with LUD-16's /.well-known/lnurlp/ path) on 127.0.0.1, HTTP or HTTPS. Each
/// callback issues a fresh invoice from the user's payee in the shared <see cref="LightningNetworkSim"/>, committing to
/// SHA256 of the metadata; a user can be made to misbehave. The audit tells which invoices went out and which were paid.
/// </summary>
public sealed class LnurlPaySimulator : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly LightningNetworkSim _network;
    private readonly Dictionary<string, LnurlUser> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LnurlMisbehavior> _misbehavior = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<IssuedInvoice>> _issued = new(StringComparer.Ordinal);
    private readonly List<RestCall> _calls = [];
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2? _certificate;
    private WebApplication? _app;

    private LnurlPaySimulator(LightningNetworkSim network, bool https)
    {
        _network = network;
        if (https) _certificate = LoopbackCertificate.Create("lnurl-sim");
    }

    public int Port { get; private set; }
    public Uri BaseUrl => new($"{(_certificate is null ? "http" : "https")}://127.0.0.1:{Port}/");

    /// <summary>SHA-256 of the served certificate's DER, lowercase hex; null over HTTP.</summary>
    public string? CertThumbprint => _certificate is null ? null : LoopbackCertificate.Thumbprint(_certificate);

    /// <summary>The host part of this service's Lightning addresses.</summary>
    public string Domain => $"127.0.0.1:{Port}";

    /// <summary>
    /// Plain HTTP by default. LUD-01 decoders (Payouts.Core's <c>Lnurl.TryDecode</c> among them) refuse an http LNURL
    /// and LUD-16 resolves addresses to https, so a test going through them starts it with <paramref name="https"/>
    /// and trusts <see cref="CertThumbprint"/>.
    /// </summary>
    public static async Task<LnurlPaySimulator> Start(LightningNetworkSim network, bool https = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        var simulator = new LnurlPaySimulator(network, https);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(1));
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (simulator._certificate is not null) listen.UseHttps(simulator._certificate);
        }));
        var app = builder.Build();
        app.Run(simulator.Handle);
        await app.StartAsync();
        simulator.Port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        simulator._app = app;
        return simulator;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
        _certificate?.Dispose();
    }

    /// <summary>A user whose payee (named after it, created in the network if new) receives what is sent to it.</summary>
    public LnurlUser AddUser(string name, long minSendableMsat = 1_000, long maxSendableMsat = 100_000_000_000)
    {
        lock (_gate)
        {
            SimPayee payee;
            try { payee = _network.Payee(name); }
            catch (ArgumentException) { payee = _network.AddPayee(name); }
            return _users[name] = new LnurlUser(name, payee, minSendableMsat, maxSendableMsat);
        }
    }

    public void SetMisbehavior(string user, LnurlMisbehavior? misbehavior)
    {
        lock (_gate)
        {
            if (misbehavior is null) _misbehavior.Remove(user);
            else _misbehavior[user] = misbehavior;
        }
    }

    /// <summary>bech32 "lnurl1…" of {BaseUrl}lnurlp/{user}.</summary>
    public string LnurlFor(string user) => Core.Lightning.Lnurl.Encode(new Uri(BaseUrl, $"lnurlp/{Uri.EscapeDataString(user)}"));

    /// <summary>user@127.0.0.1:port. A LUD-16 resolver maps it to https://, so it resolves here only when started with https.</summary>
    public string LightningAddress(string user) => $"{user}@{Domain}";

    /// <summary>The metadata string the user's pay request carries; invoices commit to its SHA-256.</summary>
    public string Metadata(string user) =>
        new JsonArray(new JsonArray("text/plain", $"Pay to {user}"), new JsonArray("text/identifier", $"{user}@{Domain}")).ToJsonString();

    /// <summary>Every invoice the callback handed out for the user, in order, including misbehaving ones.</summary>
    public IReadOnlyList<IssuedInvoice> InvoicesIssued(string user)
    {
        lock (_gate) return _issued.GetValueOrDefault(user)?.ToList() ?? [];
    }

    /// <summary>What the user's payee settled, from the network's ledger.</summary>
    public IReadOnlyList<SettledPayment> PaidInvoices(string user)
    {
        LnurlUser u;
        lock (_gate) u = _users.GetValueOrDefault(user) ?? throw new ArgumentException($"no user '{user}'", nameof(user));
        return _network.SettledTo(u.Payee);
    }

    public IReadOnlyList<RestCall> Calls
    {
        get { lock (_gate) return _calls.ToList(); }
    }

    private async Task Handle(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        lock (_gate) _calls.Add(new RestCall(http.Request.Method, path + http.Request.QueryString, ""));
        string? user = null;
        var callback = false;
        if (path.StartsWith("/.well-known/lnurlp/", StringComparison.Ordinal)) user = path["/.well-known/lnurlp/".Length..];
        else if (path.StartsWith("/lnurlp/", StringComparison.Ordinal))
        {
            user = path["/lnurlp/".Length..];
            if (user.EndsWith("/callback", StringComparison.Ordinal)) (user, callback) = (user[..^"/callback".Length], true);
        }
        user = user is null ? null : Uri.UnescapeDataString(user);
        LnurlUser? known;
        LnurlMisbehavior misbehavior;
        lock (_gate)
        {
            known = user is null ? null : _users.GetValueOrDefault(user);
            misbehavior = user is null ? new LnurlMisbehavior() : _misbehavior.GetValueOrDefault(user) ?? new LnurlMisbehavior();
        }
        if (known is null || !HttpMethods.IsGet(http.Request.Method))
        {
            await Json(http, 404, Error("Unknown user"));
            return;
        }
        if (!callback)
        {
            await Json(http, 200, new JsonObject
            {
                ["callback"] = new Uri(BaseUrl, $"lnurlp/{Uri.EscapeDataString(known.Name)}/callback").ToString(),
                ["maxSendable"] = known.MaxSendableMsat,
                ["minSendable"] = known.MinSendableMsat,
                ["metadata"] = Metadata(known.Name),
                ["tag"] = "payRequest",
                ["commentAllowed"] = 0,
            });
            return;
        }
        await Callback(http, known, misbehavior);
    }

    private async Task Callback(HttpContext http, LnurlUser user, LnurlMisbehavior misbehavior)
    {
        if (misbehavior.Delay > TimeSpan.Zero)
        {
            try { await Task.Delay(misbehavior.Delay, http.RequestAborted); }
            catch (OperationCanceledException) { return; }
        }
        if (misbehavior.Http500)
        {
            http.Response.StatusCode = 500;
            await http.Response.WriteAsync("Internal Server Error");
            return;
        }
        if (misbehavior.ErrorReason is { } reason)
        {
            await Json(http, 200, Error(reason));
            return;
        }
        if (!long.TryParse(http.Request.Query["amount"], NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            await Json(http, 200, Error("Missing or invalid amount"));
            return;
        }
        if (amount < user.MinSendableMsat || amount > user.MaxSendableMsat)
        {
            await Json(http, 200, Error("Amount out of range"));
            return;
        }
        var metadata = Metadata(user.Name);
        var descriptionHash = SHA256.HashData(Encoding.UTF8.GetBytes(misbehavior.WrongDescriptionHash ? metadata + " " : metadata));
        var network = misbehavior.OtherNetwork
            ? _network.Network == BitcoinNetwork.Mainnet ? BitcoinNetwork.Regtest : BitcoinNetwork.Mainnet
            : _network.Network;
        var bolt11 = misbehavior.ExpiredInvoice
            ? _network.CreateInvoice(user.Payee, amount + misbehavior.ExtraAmountMsat, TimeSpan.FromMinutes(10), descriptionHash: descriptionHash,
                network: network, timestamp: _network.Time.GetUtcNow().AddHours(-2))
            : _network.CreateInvoice(user.Payee, amount + misbehavior.ExtraAmountMsat, descriptionHash: descriptionHash, network: network);
        var issued = _network.Invoice(Core.Lightning.Bolt11Invoice.Parse(bolt11).PaymentHash);
        lock (_gate)
        {
            if (!_issued.TryGetValue(user.Name, out var list)) _issued[user.Name] = list = [];
            list.Add(issued);
        }
        await Json(http, 200, new JsonObject { ["pr"] = bolt11, ["routes"] = new JsonArray() });
    }

    private static JsonObject Error(string reason) => new() { ["status"] = "ERROR", ["reason"] = reason };

    private static async Task Json(HttpContext http, int status, JsonObject body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString());
    }
}

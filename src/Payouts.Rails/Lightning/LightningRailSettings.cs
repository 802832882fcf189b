using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Payouts.Core.Bitcoin;
using Payouts.Core.Sending;

namespace Payouts.Rails.Lightning;

/// <summary>How a store's Lightning rail pays: stored as the rail config's settings JSON.</summary>
public sealed record LightningSending
{
    public const int PaymentTimeoutSecondsDefault = 30, PaymentTimeoutSecondsMax = 600;
    public const int ParallelPaymentsDefault = 8, ParallelPaymentsMax = 64;

    /// <summary>The node's budget for finding a route, and how long a run waits for a payment before leaving it in flight.</summary>
    public int PaymentTimeoutSeconds { get; init; } = PaymentTimeoutSecondsDefault;

    /// <summary>Payments of one run in flight at once.</summary>
    public int ParallelPayments { get; init; } = ParallelPaymentsDefault;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static LightningSending FromJson(string json) => JsonSerializer.Deserialize<LightningSending>(json, Json) ?? new LightningSending();
}

public enum LightningNodeKind { LndRest, ClnSocket, ClnRest }

/// <summary>
/// A store's Lightning node, in BTCPay's connection-string style:
/// <c>type=lnd-rest;server=https://127.0.0.1:8080;macaroon=&lt;hex&gt;;certthumbprint=&lt;sha256&gt;</c> (or
/// <c>macaroonfilepath=…</c>), <c>type=clightning;server=unix:///root/.lightning/bitcoin/lightning-rpc</c>, or
/// <c>type=clnrest;server=https://127.0.0.1:3010;rune=…</c>.
/// </summary>
public sealed record LightningRailSettings(
    LightningNodeKind Kind, Uri? Server, string? SocketPath, string? Macaroon, string? MacaroonFile, string? Rune,
    string? CertThumbprint, bool AllowInsecure, BitcoinNetwork Network, LightningSending Sending)
{
    public const string LndType = "lnd-rest", ClnType = "clightning", ClnRestType = "clnrest";

    public static bool IsLightningType(string type) => type is LndType or ClnType or ClnRestType;

    /// <summary>What the HTTP client waits for beyond the payment's own timeout before calling the outcome unknown.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    public TimeSpan PaymentTimeout => TimeSpan.FromSeconds(Sending.PaymentTimeoutSeconds);

    /// <summary>Validates a configuration; each error names the field it is about (connectionString, network, …).</summary>
    public static bool TryCreate(RailConnectionString cs, string? network, LightningSending sending,
        out LightningRailSettings? settings, out List<(string Path, string Message)> errors)
    {
        errors = [];
        settings = null;
        const string Cs = "connectionString";
        var kind = cs.Type switch
        {
            LndType => LightningNodeKind.LndRest,
            ClnType => LightningNodeKind.ClnSocket,
            ClnRestType => LightningNodeKind.ClnRest,
            _ => throw new ArgumentException($"not a Lightning rail type: {cs.Type}", nameof(cs)),
        };
        Uri? server = null;
        string? socket = null;
        var serverText = cs["server"];
        if (string.IsNullOrEmpty(serverText))
            errors.Add((Cs, kind == LightningNodeKind.ClnSocket
                ? "'server' is required, for example server=unix:///root/.lightning/bitcoin/lightning-rpc."
                : "'server' is required, for example server=https://127.0.0.1:8080."));
        else if (kind == LightningNodeKind.ClnSocket)
        {
            // BTCPay writes unix://root/.lightning/…, meaning /root/.lightning/…: both forms are one absolute path.
            if (!serverText.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
                errors.Add((Cs, "'server' must be the node's RPC socket, for example server=unix:///root/.lightning/bitcoin/lightning-rpc."));
            else
                socket = "/" + serverText["unix://".Length..].TrimStart('/');
        }
        else if (!Uri.TryCreate(serverText, UriKind.Absolute, out server) || server.Scheme is not ("http" or "https")
                 || !string.IsNullOrEmpty(server.UserInfo))
            errors.Add((Cs, "'server' must be an http(s) URL without credentials in it, for example server=https://127.0.0.1:8080."));

        var (macaroon, macaroonFile, rune) = (cs["macaroon"], cs["macaroonfilepath"], cs["rune"]);
        if (kind == LightningNodeKind.LndRest)
        {
            if (macaroon is null == (macaroonFile is null))
                errors.Add((Cs, "Give the macaroon as hex (macaroon=…) or as a file (macaroonfilepath=…), one of them."));
            else if (macaroon is not null && (macaroon.Length % 2 != 0 || !macaroon.All(char.IsAsciiHexDigit)))
                errors.Add((Cs, "'macaroon' must be hex (xxd -p -c 10000 admin.macaroon)."));
            else if (macaroonFile is not null && !Path.IsPathFullyQualified(macaroonFile))
                errors.Add((Cs, "'macaroonfilepath' must be an absolute path."));
        }
        if (kind == LightningNodeKind.ClnRest && string.IsNullOrEmpty(rune))
            errors.Add((Cs, "'rune' is required (lightning-cli createrune)."));

        var thumbprint = cs["certthumbprint"]?.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant();
        if (thumbprint is not null && (thumbprint.Length != 64 || !thumbprint.All(char.IsAsciiHexDigit)))
            errors.Add((Cs, "'certthumbprint' must be the SHA-256 of the node's TLS certificate, 64 hex digits " +
                "(openssl x509 -noout -fingerprint -sha256 -inform pem -in tls.cert)."));
        var allowInsecure = false;
        if (cs["allowinsecure"] is { } insecure && !bool.TryParse(insecure, out allowInsecure))
            errors.Add((Cs, "'allowinsecure' must be true or false."));
        if (!BitcoinNetworks.TryParse(network, out var net))
            errors.Add(("network", "The network is required: mainnet, testnet, signet or regtest."));
        if (sending.PaymentTimeoutSeconds is < 1 or > LightningSending.PaymentTimeoutSecondsMax)
            errors.Add(("paymentTimeoutSeconds", $"Give between 1 and {LightningSending.PaymentTimeoutSecondsMax} seconds."));
        if (sending.ParallelPayments is < 1 or > LightningSending.ParallelPaymentsMax)
            errors.Add(("parallelPayments", $"Give between 1 and {LightningSending.ParallelPaymentsMax} payments."));
        if (errors.Count > 0) return false;
        settings = new LightningRailSettings(kind, server, socket, macaroon?.ToLowerInvariant(), macaroonFile, rune, thumbprint, allowInsecure,
            net, sending);
        return true;
    }

    public static LightningRailSettings FromConfig(RailConfig config)
    {
        if (!RailConnectionString.TryParse(config.ConnectionString, out var cs, out var parseError))
            throw new Core.InvariantViolationException($"stored connection string does not parse: {parseError}");
        return TryCreate(cs, config.Network, LightningSending.FromJson(config.SettingsJson), out var s, out var errors)
            ? s!
            : throw new Core.InvariantViolationException($"stored Lightning configuration is invalid: {string.Join("; ", errors.Select(e => e.Message))}");
    }

    /// <summary>The macaroon as hex, read from its file on each call so that a re-baked macaroon applies at once.</summary>
    public async Task<string> MacaroonHex(CancellationToken ct) =>
        Macaroon ?? Convert.ToHexStringLower(await File.ReadAllBytesAsync(MacaroonFile!, ct));

    public string TypeName => Kind switch
    {
        LightningNodeKind.LndRest => LndType,
        LightningNodeKind.ClnSocket => ClnType,
        LightningNodeKind.ClnRest => ClnRestType,
    };

    internal static string Msat(long msat) => msat.ToString(CultureInfo.InvariantCulture);
}

using Payouts.Rails.Lightning;

namespace Payouts.Server.Processing;

/// <summary><c>Payouts:Lightning</c>: where LNURL-pay requests for Lightning addresses and LNURLs may go.</summary>
public sealed class LightningOptions
{
    public const string Section = "Payouts:Lightning";

    /// <summary>Lets LNURLs point at loopback and private hosts over HTTP: for regtest set-ups only (it opens SSRF).</summary>
    public bool AllowPrivateLnurlHosts { get; set; }

    /// <summary>Lightning-address domains served at another base URL, e.g. <c>"pay.test": "http://127.0.0.1:5123"</c>.</summary>
    public Dictionary<string, string> AddressHosts { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public LnurlOptions ToLnurlOptions() => new()
    {
        AllowPrivateHosts = AllowPrivateLnurlHosts,
        AddressHosts = AddressHosts.ToDictionary(kv => kv.Key.ToLowerInvariant(),
            kv => Uri.TryCreate(kv.Value, UriKind.Absolute, out var u) ? u
                : throw new InvalidOperationException($"{Section}:AddressHosts:{kv.Key} must be an absolute URL, not '{kv.Value}'")),
    };
}

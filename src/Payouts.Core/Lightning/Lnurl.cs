using System.Diagnostics.CodeAnalysis;
using System.Text;
using Payouts.Core.Bitcoin;

namespace Payouts.Core.Lightning;

/// <summary>
/// LNURLs (LUD-01: a URL as bech32 with HRP "lnurl") and Lightning addresses (LUD-16: name@domain). Errors read after
/// "The destination ".
/// </summary>
public static class Lnurl
{
    private const string Hrp = "lnurl";
    private const string UriPrefix = "lightning:";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Any case (not mixed), optional "lightning:" prefix. The URL must be https, or http for a .onion host
    /// (LUD-01) or loopback.</summary>
    public static bool TryDecode(string? lnurl, [NotNullWhen(true)] out Uri? url, [NotNullWhen(false)] out string? error)
    {
        url = null;
        var text = lnurl?.Trim() ?? "";
        if (text.StartsWith(UriPrefix, StringComparison.OrdinalIgnoreCase)) text = text[UriPrefix.Length..];
        if (text.Length == 0) { error = "is empty"; return false; }
        // LNURLs are longer than BIP173's 90 characters; LUD-01 lifts the limit.
        if (!Bech32.TryDecode(text, int.MaxValue, out var decoded, out var bech32Error))
        {
            error = $"is not a valid LNURL: it {bech32Error}";
            return false;
        }
        if (decoded.Hrp != Hrp || decoded.Variant != Bech32.Variant.Bech32)
        {
            error = "is not a valid LNURL: it does not start with \"lnurl1\" or is not bech32";
            return false;
        }
        var bytes = FromWords(decoded.Data);
        string text8;
        try
        {
            text8 = bytes is null ? "" : StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            text8 = "";
        }
        if (!Uri.TryCreate(text8, UriKind.Absolute, out var parsed))
        {
            error = "is not a valid LNURL: it does not hold a URL";
            return false;
        }
        if (!IsAllowedScheme(parsed))
        {
            error = "is an LNURL whose URL is not https (only .onion and loopback hosts may use http)";
            return false;
        }
        url = parsed;
        error = null;
        return true;
    }

    /// <summary>Lowercase "lnurl1…" of the URL as given (its original string).</summary>
    /// <exception cref="ArgumentException">A relative URL.</exception>
    public static string Encode(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri) throw new ArgumentException("An LNURL holds an absolute URL.", nameof(url));
        return Bech32.Encode(Hrp, Bolt11Words.FromBytes(Encoding.UTF8.GetBytes(url.OriginalString)), Bech32.Variant.Bech32, int.MaxValue);
    }

    /// <summary>name@domain to https://domain/.well-known/lnurlp/name (http for .onion), lowercased. The name is LUD-16's
    /// a-z 0-9 - _ . + ; the domain a host name or IPv4 address, with an optional port.</summary>
    public static bool TryLightningAddressUrl(string? address, [NotNullWhen(true)] out Uri? url, [NotNullWhen(false)] out string? error)
    {
        url = null;
        var text = (address?.Trim() ?? "").ToLowerInvariant();
        if (text.StartsWith(UriPrefix, StringComparison.Ordinal)) text = text[UriPrefix.Length..];
        var at = text.IndexOf('@');
        if (text.Length == 0 || at < 0 || at != text.LastIndexOf('@'))
        {
            error = "is not a Lightning address: it must be name@domain";
            return false;
        }
        var name = text[..at];
        var domain = text[(at + 1)..];
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '+'))
        {
            error = "is not a Lightning address: the name may only have a-z, 0-9, '-', '_', '.' and '+'";
            return false;
        }
        if (!IsHostAndPort(domain))
        {
            error = "is not a Lightning address: the domain is not a valid host name";
            return false;
        }
        var scheme = IsOnion(domain.Split(':')[0]) ? "http" : "https";
        url = new Uri($"{scheme}://{domain}/.well-known/lnurlp/{name}");
        error = null;
        return true;
    }

    /// <summary>Loopback may use http too: a regtest service on the node's own machine. Whether a payout may reach it at all is
    /// the resolver's rule (private hosts are refused unless configured).</summary>
    private static bool IsAllowedScheme(Uri url) =>
        url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && (IsOnion(url.Host) || url.IsLoopback));

    private static bool IsOnion(string host) => host.EndsWith(".onion", StringComparison.OrdinalIgnoreCase);

    private static bool IsHostAndPort(string domain)
    {
        var colon = domain.IndexOf(':');
        var host = colon < 0 ? domain : domain[..colon];
        if (colon >= 0 && !(int.TryParse(domain[(colon + 1)..], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535))
            return false;
        return host.Length > 0 && Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4 && !host.EndsWith('.');
    }

    /// <summary>Bytes from 5-bit words; null when the padding is not the zero bits BIP173 requires.</summary>
    private static byte[]? FromWords(byte[] words)
    {
        var bytes = Bolt11Words.ToBytes(words, padLastByte: false);
        var leftover = words.Length * 5 % 8;
        if (leftover >= 5 || (leftover > 0 && (words[^1] & ((1 << leftover) - 1)) != 0)) return null;
        return bytes;
    }
}

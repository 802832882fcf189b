using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Payouts.Core.Lightning;

namespace Payouts.Rails.Lightning;

/// <summary>Where LNURL requests may go. Defaults are for production: HTTPS only (HTTP for .onion), no private hosts.</summary>
public sealed record LnurlOptions
{
    /// <summary>Lets LNURLs and Lightning addresses point at loopback and private hosts over HTTP (regtest set-ups, tests).</summary>
    public bool AllowPrivateHosts { get; init; }

    /// <summary>Lightning-address domains served elsewhere, e.g. <c>pay.test → http://127.0.0.1:5123</c> (like curl --resolve).</summary>
    public IReadOnlyDictionary<string, Uri> AddressHosts { get; init; } = new Dictionary<string, Uri>();

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>The service refused, or answered something that is not a usable LNURL-pay answer: nothing was paid.</summary>
public sealed class LnurlException(string message, Exception? inner = null) : Exception(message, inner);

/// <param name="Metadata">The payRequest's metadata string, whose SHA-256 the invoice's description hash must be (LUD-06).</param>
public sealed record LnurlInvoice(string Invoice, string Metadata);

/// <summary>
/// LNURL-pay (LUD-06) and Lightning addresses (LUD-16): asks the payee's service for an invoice of an exact amount.
/// Each call gets a fresh invoice, so the rail calls this once per attempt and commits what it got before paying.
/// </summary>
public sealed class LnurlPayResolver(HttpClient http, LnurlOptions options)
{
    private const int ResponseBytesMax = 64 * 1024;

    public async Task<LnurlInvoice> Resolve(string destination, long amountMsat, CancellationToken ct)
    {
        var url = Locate(destination);
        var pay = await GetJson(url, "the LNURL-pay service", ct);
        if (pay["tag"]?.GetValue<string>() != "payRequest")
            throw new LnurlException($"{url.Host} did not answer with an LNURL-pay request (tag '{pay["tag"]}')");
        var callbackText = pay["callback"]?.GetValue<string>();
        if (!Uri.TryCreate(callbackText, UriKind.Absolute, out var callback))
            throw new LnurlException($"{url.Host} gave no valid callback URL");
        Check(callback);
        var metadata = pay["metadata"]?.GetValue<string>() ?? throw new LnurlException($"{url.Host} gave no metadata");
        var (min, max) = (Msat(pay["minSendable"]), Msat(pay["maxSendable"]));
        if (min is null || max is null)
            throw new LnurlException($"{url.Host} gave no minSendable/maxSendable");
        if (amountMsat < min || amountMsat > max)
            throw new LnurlException($"{url.Host} accepts {min}–{max} msat, not {amountMsat} msat");

        var separator = string.IsNullOrEmpty(callback.Query) ? "?" : "&";
        var invoiceUrl = new Uri(callback + separator + "amount=" + amountMsat.ToString(CultureInfo.InvariantCulture));
        var answer = await GetJson(invoiceUrl, "the LNURL-pay callback", ct);
        var pr = answer["pr"]?.GetValue<string>();
        if (string.IsNullOrWhiteSpace(pr)) throw new LnurlException($"{url.Host}'s callback gave no invoice");
        return new LnurlInvoice(pr.Trim(), metadata);
    }

    /// <summary>The first URL to ask: the LNURL's own, or the Lightning address's well-known one.</summary>
    public Uri Locate(string destination)
    {
        Uri? url;
        string? error;
        if (destination.Contains('@', StringComparison.Ordinal))
        {
            if (!Lnurl.TryLightningAddressUrl(destination, out url, out error)) throw new LnurlException($"the Lightning address {error}");
            if (options.AddressHosts.TryGetValue(url.Host, out var host))
                url = new UriBuilder(url) { Scheme = host.Scheme, Host = host.Host, Port = host.Port }.Uri;
        }
        else if (!Lnurl.TryDecode(destination, out url, out error))
            throw new LnurlException($"the LNURL {error}");
        Check(url);
        return url;
    }

    private void Check(Uri url)
    {
        var onion = url.Host.EndsWith(".onion", StringComparison.OrdinalIgnoreCase);
        var isPrivate = IsPrivate(url);
        if (isPrivate && !options.AllowPrivateHosts)
            throw new LnurlException($"{url.Host} is a private or loopback host; LNURL requests only go to public hosts");
        if (url.Scheme != "https" && !(url.Scheme == "http" && (onion || (isPrivate && options.AllowPrivateHosts))))
            throw new LnurlException($"{url.Host}: LNURL requests must use HTTPS");
    }

    private static bool IsPrivate(Uri url)
    {
        if (url.IsLoopback || url.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        if (!IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip)) return false;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        var b = ip.GetAddressBytes();
        return ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? b[0] is 10 or 127 or 0 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254)
            : ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || ip.IsIPv6UniqueLocal || IPAddress.IPv6Loopback.Equals(ip);
    }

    private async Task<JsonNode> GetJson(Uri url, string what, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(options.RequestTimeout);
        string text;
        HttpStatusCode status;
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            status = response.StatusCode;
            if (response.Content.Headers.ContentLength > ResponseBytesMax)
                throw new LnurlException($"{what} at {url.Host} answered more than {ResponseBytesMax} bytes");
            text = await response.Content.ReadAsStringAsync(deadline.Token);
        }
        catch (HttpRequestException e)
        {
            throw new LnurlException($"{what} at {url.Host} cannot be reached: {e.Message}", e);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new LnurlException($"{what} at {url.Host} did not answer within {options.RequestTimeout.TotalSeconds:0} s");
        }
        JsonNode? node;
        try { node = text.Length > ResponseBytesMax ? null : JsonNode.Parse(text); }
        catch (JsonException) { node = null; }
        if (node?["status"]?.GetValue<string>() is { } s && s.Equals("ERROR", StringComparison.OrdinalIgnoreCase))
            throw new LnurlException($"{what} at {url.Host} refused: {node["reason"]?.GetValue<string>() ?? "no reason given"}");
        if ((int)status is < 200 or > 299)
            throw new LnurlException($"{what} at {url.Host} answered HTTP {(int)status}");
        return node as JsonObject ?? throw new LnurlException($"{what} at {url.Host} did not answer with a JSON object");
    }

    private static long? Msat(JsonNode? value) => value?.GetValueKind() switch
    {
        JsonValueKind.Number when value.AsValue().TryGetValue<long>(out var v) => v,
        JsonValueKind.String when long.TryParse(value.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) => v,
        _ => null,
    };
}

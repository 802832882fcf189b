using System.Text.RegularExpressions;
using Payouts.Contracts;
using Payouts.Core.Bitcoin;
using Payouts.Core.Lightning;

namespace Payouts.Core.Payouts;

/// <summary>
/// Checks a destination and gives its canonical form, so that "BC1Q…" and "bc1q…" are one destination for the
/// one-active-payout-per-destination rule. On-chain addresses are checked in full (checksum, network, witness
/// version and length); BOLT11 invoices in full (checksum, signature, network), LNURLs and Lightning addresses by
/// syntax, since what they pay is only known when the service is asked, at send time.
/// </summary>
public static partial class Destinations
{
    /// <summary>A BOLT11 invoice with a long description can pass 1,000 characters; nothing legitimate needs 2,000.</summary>
    public const int LengthMax = 2000;

    /// <param name="network">The network of the store's node for this method; null accepts any network.</param>
    public static DestinationResult Normalize(PayoutMethodId method, string? raw, BitcoinNetwork? network = null)
    {
        if (string.IsNullOrWhiteSpace(raw))
            return DestinationResult.Invalid("is required");
        var text = raw.Trim();
        if (text.Length > LengthMax)
            return DestinationResult.Invalid($"must be at most {LengthMax} characters");
        if (text.Any(c => c is <= ' ' or > '~'))
            return DestinationResult.Invalid("must be printable ASCII without spaces");

        if (method == PayoutMethodId.BtcChain)
            return NormalizeChain(text, network);
        if (method == PayoutMethodId.BtcLightning)
            return NormalizeLightning(text, network);
        throw new InvariantViolationException($"unknown payout method {method}");
    }

    private static DestinationResult NormalizeChain(string text, BitcoinNetwork? network)
    {
        var address = text;
        if (address.StartsWith("bitcoin:", StringComparison.OrdinalIgnoreCase))
        {
            // BIP21: the address is what identifies the destination; parameters are ignored.
            address = address["bitcoin:".Length..];
            var q = address.IndexOf('?', StringComparison.Ordinal);
            if (q >= 0) address = address[..q];
        }
        return BitcoinAddress.TryParse(address, network, out var parsed, out var error)
            ? DestinationResult.Valid(parsed.Text)
            : DestinationResult.Invalid(error);
    }

    private static DestinationResult NormalizeLightning(string text, BitcoinNetwork? network)
    {
        var value = text.StartsWith("lightning:", StringComparison.OrdinalIgnoreCase) ? text["lightning:".Length..] : text;
        if (Lnurl().IsMatch(value))
            return Lightning.Lnurl.TryDecode(value, out _, out var lnurlError)
                ? DestinationResult.Valid(value.ToLowerInvariant())
                : DestinationResult.Invalid($"is not a valid LNURL: {lnurlError}");
        if (LightningAddress().IsMatch(value))
            return DestinationResult.Valid(value.ToLowerInvariant());
        if (!value.StartsWith("ln", StringComparison.OrdinalIgnoreCase))
            return DestinationResult.Invalid("is not a BOLT11 invoice, LNURL or Lightning address");
        if (!Bolt11Invoice.TryParse(value, out var invoice, out var error))
            return DestinationResult.Invalid(error.StartsWith("is ", StringComparison.Ordinal) ? error : $"is not a valid BOLT11 invoice: {error}");
        if (network is { } n && invoice.Network != n)
            return DestinationResult.Invalid($"is a {BitcoinNetworks.Name(invoice.Network)} invoice but this store's Lightning node is on {BitcoinNetworks.Name(n)}");
        return new DestinationResult(invoice.Text, null) { Invoice = invoice };
    }

    /// <summary>The payment hash a normalized Lightning destination commits to (a BOLT11 invoice's), for the one-payout-per-hash
    /// rule.</summary>
    public static string? PaymentHash(PayoutMethodId method, string destination) =>
        method == PayoutMethodId.BtcLightning && destination.StartsWith("ln", StringComparison.Ordinal) && !Lnurl().IsMatch(destination)
        && !destination.Contains('@', StringComparison.Ordinal)
            ? Bolt11Invoice.ReadPaymentHash(destination)
            : null;

    [GeneratedRegex("^lnurl1[ac-hj-np-z02-9]{20,}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Lnurl();

    [GeneratedRegex(@"^[a-z0-9._+\-]{1,64}@[a-z0-9\-]+(\.[a-z0-9\-]+)+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LightningAddress();
}

public sealed record DestinationResult(string? Value, string? Error)
{
    /// <summary>The parsed invoice when the destination is a BOLT11 invoice.</summary>
    public Bolt11Invoice? Invoice { get; init; }

    public static DestinationResult Valid(string value) => new(value, null);
    public static DestinationResult Invalid(string error) => new(null, error);
}

/// <summary>What a new payout's destination is checked against beyond its syntax.</summary>
/// <param name="Chain">The network of the store's Bitcoin Core wallet; null (the sandbox) accepts any.</param>
/// <param name="Lightning">The network of the store's Lightning node; null (the sandbox) accepts any.</param>
/// <param name="Bolt11TimeLeftMin">How long a BOLT11 invoice must still be payable: the pull payment's BOLT11 expiration, else zero.</param>
public sealed record DestinationRules(BitcoinNetwork? Chain, BitcoinNetwork? Lightning, DateTimeOffset Now, TimeSpan Bolt11TimeLeftMin)
{
    public BitcoinNetwork? NetworkFor(PayoutMethodId method) => method == PayoutMethodId.BtcChain ? Chain : Lightning;
}

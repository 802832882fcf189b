using System.Text.RegularExpressions;
using Payouts.Contracts;
using Payouts.Core.Bitcoin;

namespace Payouts.Core.Payouts;

/// <summary>
/// Checks a destination and gives its canonical form, so that "BC1Q…" and "bc1q…" are one destination for the
/// one-active-payout-per-destination rule. On-chain addresses are checked in full (checksum, network, witness
/// version and length); Lightning destinations only by syntax, since an invoice's checks need its rail.
/// </summary>
public static partial class Destinations
{
    /// <summary>A BOLT11 invoice with a long description can pass 1,000 characters; nothing legitimate needs 2,000.</summary>
    public const int LengthMax = 2000;

    /// <param name="network">The store wallet's network; null accepts an on-chain address of any network.</param>
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
            return NormalizeLightning(text);
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

    private static DestinationResult NormalizeLightning(string text)
    {
        var value = text.StartsWith("lightning:", StringComparison.OrdinalIgnoreCase) ? text["lightning:".Length..] : text;
        if (Bolt11Invoice().IsMatch(value) || Lnurl().IsMatch(value))
            return DestinationResult.Valid(value.ToLowerInvariant());
        if (LightningAddress().IsMatch(value))
            return DestinationResult.Valid(value.ToLowerInvariant());
        return DestinationResult.Invalid("is not a BOLT11 invoice, LNURL or Lightning address");
    }

    [GeneratedRegex("^ln(bc|tb|tbs|bcrt)[0-9a-z]*1[ac-hj-np-z02-9]{50,}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Bolt11Invoice();

    [GeneratedRegex("^lnurl1[ac-hj-np-z02-9]{20,}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Lnurl();

    [GeneratedRegex(@"^[a-z0-9._+\-]{1,64}@[a-z0-9\-]+(\.[a-z0-9\-]+)+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LightningAddress();
}

public sealed record DestinationResult(string? Value, string? Error)
{
    public static DestinationResult Valid(string value) => new(value, null);
    public static DestinationResult Invalid(string error) => new(null, error);
}

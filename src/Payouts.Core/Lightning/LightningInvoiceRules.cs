using System.Security.Cryptography;
using System.Text;
using Payouts.Core.Bitcoin;

namespace Payouts.Core.Lightning;

/// <summary>
/// When an invoice may pay a payout: at creation (Greenfield's checks: network, amount, time left) and again right
/// before paying, when a Lightning address's freshly fetched invoice is checked against what was asked for. Errors
/// read after "The destination " / "The invoice ".
/// </summary>
public static class LightningInvoiceRules
{
    /// <param name="timeLeftMin">How long the invoice must still be payable (a pull payment's BOLT11 expiration).</param>
    public static string? CheckAtCreation(Bolt11Invoice invoice, BitcoinNetwork? network, DateTimeOffset now, TimeSpan timeLeftMin)
    {
        if (network is { } n && invoice.Network != n)
            return $"is a {BitcoinNetworks.Name(invoice.Network)} invoice but this store's Lightning node is on {BitcoinNetworks.Name(n)}";
        if (invoice.ExpiresAt <= now)
            return $"is an invoice that expired at {invoice.ExpiresAt:u}";
        if (invoice.ExpiresAt < now + timeLeftMin)
            return $"is an invoice that expires at {invoice.ExpiresAt:u}; it must stay payable for at least {Days(timeLeftMin)} (the pull payment's BOLT11 expiration)";
        return null;
    }

    /// <summary>An invoice with an amount pays exactly that: a payout of another amount (in BTC) cannot use it.</summary>
    public static string? AmountMismatch(Bolt11Invoice invoice, decimal amountBtc) =>
        invoice.AmountMsat is { } asked && Bolt11Invoice.BtcToMsat(amountBtc) != asked
            ? $"The amount must be the invoice's {Bolt11Invoice.MsatToBtc(asked)} BTC (or left out), not {amountBtc} BTC."
            : null;

    /// <summary>Right before paying <paramref name="amountMsat"/>: still payable for <paramref name="timeLeftMin"/>, right network and amount.</summary>
    public static string? CheckBeforePaying(Bolt11Invoice invoice, BitcoinNetwork network, long amountMsat, DateTimeOffset now, TimeSpan timeLeftMin)
    {
        if (invoice.Network != network)
            return $"is a {BitcoinNetworks.Name(invoice.Network)} invoice but the node is on {BitcoinNetworks.Name(network)}";
        if (invoice.ExpiresAt <= now + timeLeftMin)
            return $"expired at {invoice.ExpiresAt:u}, or would before the payment could end";
        if (invoice.AmountMsat is { } asked && asked != amountMsat)
            return $"asks for {asked} msat but the payout is {amountMsat} msat";
        return null;
    }

    /// <summary>LUD-06: the service's invoice must be for exactly the amount asked, and commit to its metadata.</summary>
    public static string? CheckLnurlInvoice(Bolt11Invoice invoice, string metadata, long amountMsat)
    {
        if (invoice.AmountMsat != amountMsat)
            return $"from the LNURL service is for {invoice.AmountMsat?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any amount"} msat, not the {amountMsat} msat asked for";
        if (invoice.DescriptionHash is { } hash
            && !string.Equals(hash, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(metadata))), StringComparison.Ordinal))
            return "from the LNURL service does not commit to its metadata (description hash mismatch)";
        return null;
    }

    private static string Days(TimeSpan t) => t.TotalDays >= 1 ? $"{t.TotalDays:0.##} days" : $"{t.TotalMinutes:0} minutes";
}

using System.Diagnostics.CodeAnalysis;
using Payouts.Core.Bitcoin;

namespace Payouts.Core.Lightning;

/// <summary>
/// A BOLT 11 invoice, parsed and checked: the bech32 checksum, the network prefix, the amount, the tagged fields the
/// payout needs, unknown required features, and the signature (against 'n' when present, else by recovering the key).
/// </summary>
public sealed record Bolt11Invoice
{
    /// <summary>Lowercase, without a "lightning:" prefix.</summary>
    public required string Text { get; init; }

    /// <summary>From the prefix: bc = Mainnet, tb = Testnet, tbs = Signet, bcrt = Regtest.</summary>
    public required BitcoinNetwork Network { get; init; }

    /// <summary>Null for an amountless invoice.</summary>
    public long? AmountMsat { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The 'x' field; 3600 seconds when absent.</summary>
    public required TimeSpan Expiry { get; init; }

    public DateTimeOffset ExpiresAt => Timestamp + Expiry;

    /// <summary>64 lowercase hex digits ('p').</summary>
    public required string PaymentHash { get; init; }

    /// <summary>64 lowercase hex digits ('s').</summary>
    public string? PaymentSecret { get; init; }

    /// <summary>The 'd' field; may be empty, which is not the same as absent.</summary>
    public string? Description { get; init; }

    /// <summary>64 lowercase hex digits ('h'): SHA256 of a description given elsewhere (LNURL-pay metadata, say).</summary>
    public string? DescriptionHash { get; init; }

    /// <summary>66 lowercase hex digits: the 'n' field, which the signature verified against, or the key recovered
    /// from the signature.</summary>
    public required string PayeePubKey { get; init; }

    /// <summary>The 'c' field; 18 when absent.</summary>
    public int MinFinalCltvExpiry { get; init; } = DefaultMinFinalCltvExpiry;

    /// <summary>The set bits of the '9' field, ascending.</summary>
    public IReadOnlyList<int> Features { get; init; } = [];

    public static readonly TimeSpan DefaultExpiry = TimeSpan.FromSeconds(3600);
    public const int DefaultMinFinalCltvExpiry = 18;

    public bool IsExpired(DateTimeOffset now) => now >= ExpiresAt;

    /// <summary>Accepts any case (not mixed) and an optional "lightning:" prefix. The error reads after
    /// "The destination ", e.g. "is not a valid BOLT11 invoice: its checksum is wrong".</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Bolt11Invoice? invoice, [NotNullWhen(false)] out string? error)
    {
        invoice = Bolt11Reader.Read(text, out var reason);
        error = reason is null ? null : $"is not a valid BOLT11 invoice: {reason}";
        return invoice is not null;
    }

    /// <summary>The payment hash of an invoice that was already checked in full (the signature is not verified again).</summary>
    public static string? ReadPaymentHash(string text) => Bolt11Reader.Read(text, out _, verifySignature: false)?.PaymentHash;

    /// <exception cref="FormatException">With the error of <see cref="TryParse"/>.</exception>
    public static Bolt11Invoice Parse(string text) =>
        TryParse(text, out var invoice, out var error) ? invoice : throw new FormatException($"The destination {error}.");

    public static decimal MsatToBtc(long msat) => msat / (decimal)Bolt11Amount.MsatPerBtc;

    /// <summary>Null when the amount is not a whole number of millisatoshis or does not fit.</summary>
    public static long? BtcToMsat(decimal btc)
    {
        if (Math.Abs(btc) > long.MaxValue / (decimal)Bolt11Amount.MsatPerBtc) return null;
        var msat = btc * Bolt11Amount.MsatPerBtc;
        return msat == decimal.Truncate(msat) ? (long)msat : null;
    }
}

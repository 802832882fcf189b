using System.Diagnostics.CodeAnalysis;

namespace Payouts.Contracts;

/// <summary>
/// A payout method id as Greenfield spells it (<c>BTC-CHAIN</c>, <c>BTC-LN</c>). BTCPay's legacy ids
/// (<c>BTC</c>, <c>BTC_LightningLike</c>, …) are accepted on input and always written back in the new form.
/// </summary>
public sealed record PayoutMethodId
{
    public static readonly PayoutMethodId BtcChain = new("BTC-CHAIN");
    public static readonly PayoutMethodId BtcLightning = new("BTC-LN");

    public static IReadOnlyList<PayoutMethodId> All { get; } = [BtcChain, BtcLightning];

    /// <summary>Longest id accepted on input, so a hostile value is refused before any lookup.</summary>
    public const int LengthMax = 32;

    public string Value { get; }

    private PayoutMethodId(string value) => Value = value;

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out PayoutMethodId? id)
    {
        id = null;
        if (string.IsNullOrWhiteSpace(text) || text.Length > LengthMax)
            return false;
        id = text.Trim().ToUpperInvariant() switch
        {
            "BTC-CHAIN" or "BTC" or "BTC-ONCHAIN" or "BTC_ONCHAIN" => BtcChain,
            "BTC-LN" or "BTC_LIGHTNINGLIKE" or "BTC-LIGHTNINGNETWORK" or "BTC-LNURL" or "BTC_LNURLPAY" => BtcLightning,
            _ => null,
        };
        return id is not null;
    }

    public override string ToString() => Value;
}

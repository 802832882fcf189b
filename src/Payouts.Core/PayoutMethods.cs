using Payouts.Contracts;
using Payouts.Core.Bitcoin;

namespace Payouts.Core;

/// <summary>What each payout method pays in, how finely, and the least it can send.</summary>
public sealed record PayoutMethod(PayoutMethodId Id, string Currency, int Divisibility, decimal AmountMin);

public static class PayoutMethods
{
    /// <summary>On-chain: satoshis; 546 sat is the dust limit of the largest standard output (P2PKH), the least when the
    /// address is not known (see <see cref="For"/>).</summary>
    public static readonly PayoutMethod BtcChain = new(PayoutMethodId.BtcChain, "BTC", 8, 0.00000546m);

    /// <summary>Lightning: millisatoshis (11 places), as BTCPay does.</summary>
    public static readonly PayoutMethod BtcLightning = new(PayoutMethodId.BtcLightning, "BTC", 11, 0.00000000001m);

    public const decimal SatsPerBtc = 100_000_000m;

    /// <summary>The method as it applies to one normalized destination: on-chain, the least amount is the dust limit of
    /// the address's own script (294 sat for P2WPKH), since that is what nodes relay.</summary>
    public static PayoutMethod For(PayoutMethodId id, string destination)
    {
        var method = Get(id);
        if (id != PayoutMethodId.BtcChain || !BitcoinAddress.TryParse(destination, network: null, out var address, out _))
            return method;
        return method with { AmountMin = address.DustLimitSats / SatsPerBtc };
    }

    public static PayoutMethod Get(PayoutMethodId id) =>
        id == PayoutMethodId.BtcChain ? BtcChain
        : id == PayoutMethodId.BtcLightning ? BtcLightning
        : throw new InvariantViolationException($"unknown payout method {id}");
}

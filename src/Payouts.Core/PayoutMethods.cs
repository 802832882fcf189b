using Payouts.Contracts;

namespace Payouts.Core;

/// <summary>What each payout method pays in, how finely, and the least it can send.</summary>
public sealed record PayoutMethod(PayoutMethodId Id, string Currency, int Divisibility, decimal AmountMin);

public static class PayoutMethods
{
    /// <summary>On-chain: satoshis; 546 sat is the dust limit of the largest standard output (P2PKH).</summary>
    public static readonly PayoutMethod BtcChain = new(PayoutMethodId.BtcChain, "BTC", 8, 0.00000546m);

    /// <summary>Lightning: millisatoshis (11 places), as BTCPay does.</summary>
    public static readonly PayoutMethod BtcLightning = new(PayoutMethodId.BtcLightning, "BTC", 11, 0.00000000001m);

    public static PayoutMethod Get(PayoutMethodId id) =>
        id == PayoutMethodId.BtcChain ? BtcChain
        : id == PayoutMethodId.BtcLightning ? BtcLightning
        : throw new InvariantViolationException($"unknown payout method {id}");
}

using System.Security.Cryptography;
using System.Text;
using Payouts.Contracts;
using Payouts.Core.Bitcoin;
using Payouts.Core.Payouts;
using Payouts.Core.PullPayments;

namespace Payouts.Core.Tests.Support;

/// <summary>Fixed instants and ready-made values. No test reads the wall clock.</summary>
internal static class TestData
{
    public const string StoreId = "store1";
    public const string OtherStoreId = "store2";
    public const string PayoutId = "payout1";
    public const string PullPaymentId = "pp1";

    /// <summary>BIP173's example P2WPKH address.</summary>
    public const string ChainAddress = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";

    /// <summary>A valid mainnet P2WPKH address of its own for each seed (the program is the seed's SHA-256, cut to 20 bytes).</summary>
    public static string ChainAddressFor(string seed) =>
        Bech32.EncodeWitness("bc", 0, SHA256.HashData(Encoding.UTF8.GetBytes(seed)).AsSpan(0, 20));

    public static readonly DateTimeOffset CreatedAt = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Now = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);

    public static readonly Actor Person = Actor.ApiKey("key1");
    public static readonly Actor Processor = Actor.Processor("node-a");

    /// <summary>
    /// A BTC-CHAIN payout of 0.0015 BTC in <paramref name="state"/>. Past AwaitingApproval it carries what approval
    /// set (amount and rate); a payout can only have left AwaitingApproval through approval.
    /// </summary>
    public static Payout Payout(PayoutState state, int revision = 3, string currency = "BTC", decimal amount = 0.0015m) => new()
    {
        Id = PayoutId,
        StoreId = StoreId,
        PullPaymentId = null,
        MethodId = PayoutMethodId.BtcChain,
        Destination = ChainAddress,
        OriginalAmount = amount,
        OriginalCurrency = currency,
        PayoutCurrency = "BTC",
        PayoutAmount = state == PayoutState.AwaitingApproval ? null : amount,
        Rate = state == PayoutState.AwaitingApproval ? null : 1m,
        State = state,
        Revision = revision,
        MetadataJson = "{\"order\":42}",
        PaymentProofJson = null,
        ErrorCount = 0,
        CreatedAt = CreatedAt,
        UpdatedAt = CreatedAt,
    };

    /// <summary>An open, started, unexpired 1 BTC pull payment that accepts on-chain payouts with no minimum of its own.</summary>
    public static PullPayment PullPayment(string currency = "BTC", decimal amount = 1m) => new()
    {
        Id = PullPaymentId,
        StoreId = StoreId,
        Name = "Refunds",
        Description = "",
        Currency = currency,
        Amount = amount,
        StartsAt = null,
        ExpiresAt = null,
        Archived = false,
        AutoApproveClaims = false,
        Bolt11ExpirationDays = global::Payouts.Core.PullPayments.PullPayment.Bolt11ExpirationDaysDefault,
        PayoutMethods = [PayoutMethodId.BtcChain],
        MinimumClaim = 0m,
        CreatedAt = CreatedAt,
    };
}

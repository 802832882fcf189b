using Payouts.Core.Bitcoin;

namespace Payouts.Core.Lightning;

/// <summary>
/// What <see cref="Bolt11Encoder"/> writes. It does not enforce what a reader requires (a payment secret, exactly one of
/// description and description hash), so test simulators can also write invoices a reader must refuse.
/// </summary>
/// <param name="AmountMsat">Null for an amountless invoice; otherwise positive.</param>
/// <param name="Timestamp">Whole seconds are written; 0 to 2^35 - 1 seconds after 1970.</param>
/// <param name="PaymentHash">32 bytes.</param>
/// <param name="PaymentSecret">32 bytes, or null to write none.</param>
/// <param name="DescriptionHash">32 bytes, or null to write none.</param>
/// <param name="Expiry">Written as 'x' when given, in whole seconds.</param>
/// <param name="MinFinalCltvExpiry">Written as 'c' when given.</param>
/// <param name="IncludePayeePubKey">Writes the signing key as 'n'.</param>
/// <param name="Features">Feature bits to set in '9'; none writes no '9' field.</param>
public sealed record Bolt11Draft(
    BitcoinNetwork Network, long? AmountMsat, DateTimeOffset Timestamp, byte[] PaymentHash, byte[]? PaymentSecret,
    string? Description, byte[]? DescriptionHash, TimeSpan? Expiry = null, int? MinFinalCltvExpiry = null,
    bool IncludePayeePubKey = false, IReadOnlyList<int>? Features = null);

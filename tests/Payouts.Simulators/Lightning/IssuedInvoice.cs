using Payouts.Core.Lightning;

namespace Payouts.Simulators.Lightning;

/// <summary>An invoice a payee handed out, with the preimage only it knows until it settles.</summary>
public sealed record IssuedInvoice(SimPayee Payee, Bolt11Invoice Invoice, string PreimageHex, DateTimeOffset IssuedAt)
{
    public string Bolt11 => Invoice.Text;
    public string PaymentHash => Invoice.PaymentHash;
}

/// <summary>A payment the payee settled: who paid what, from which node, and the fee the route took.</summary>
public sealed record SettledPayment(
    string PaymentHash, string Payee, long AmountMsat, long FeeMsat, string FromNode, string PreimageHex, DateTimeOffset SettledAt);

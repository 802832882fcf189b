using System.Security.Cryptography;
using System.Text;
using Payouts.Core.Bitcoin;
using Payouts.Core.Lightning;

namespace Payouts.Core.Tests.Lightning;

public sealed class LightningInvoiceRulesTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static Bolt11Invoice Invoice(long? amountMsat = 150_000, TimeSpan? expiry = null, BitcoinNetwork network = BitcoinNetwork.Regtest,
        string? description = "payout", byte[]? descriptionHash = null) =>
        Bolt11Invoice.Parse(Bolt11Encoder.Encode(new Bolt11Draft(network, amountMsat, T0, RandomNumberGenerator.GetBytes(32),
            RandomNumberGenerator.GetBytes(32), descriptionHash is null ? description : null, descriptionHash, expiry ?? TimeSpan.FromHours(1)), Key));

    [Fact]
    public void AnInvoiceWithTimeLeftOnTheRightNetworkIsAccepted()
    {
        Assert.Null(LightningInvoiceRules.CheckAtCreation(Invoice(), BitcoinNetwork.Regtest, T0.AddMinutes(1), TimeSpan.Zero));
    }

    [Fact]
    public void AnotherNetworkIsRefusedByName()
    {
        var error = LightningInvoiceRules.CheckAtCreation(Invoice(network: BitcoinNetwork.Mainnet), BitcoinNetwork.Regtest, T0, TimeSpan.Zero);

        Assert.Equal("is a mainnet invoice but this store's Lightning node is on regtest", error);
    }

    [Fact]
    public void AnExpiredInvoiceIsRefused()
    {
        var error = LightningInvoiceRules.CheckAtCreation(Invoice(expiry: TimeSpan.FromMinutes(10)), null, T0.AddMinutes(10), TimeSpan.Zero);

        Assert.StartsWith("is an invoice that expired at", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AClaimNeedsThePullPaymentsBolt11ExpirationLeft()
    {
        var invoice = Invoice(expiry: TimeSpan.FromDays(30));

        Assert.Null(LightningInvoiceRules.CheckAtCreation(invoice, null, T0, TimeSpan.FromDays(30)));
        var error = LightningInvoiceRules.CheckAtCreation(invoice, null, T0.AddSeconds(1), TimeSpan.FromDays(30));
        Assert.Contains("at least 30 days", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TheAmountMustBeTheInvoicesWhenItHasOne()
    {
        Assert.Null(LightningInvoiceRules.AmountMismatch(Invoice(150_000), 0.0000015m));
        Assert.Contains("0.0000015 BTC", LightningInvoiceRules.AmountMismatch(Invoice(150_000), 0.000002m), StringComparison.Ordinal);
        Assert.Null(LightningInvoiceRules.AmountMismatch(Invoice(amountMsat: null), 0.000002m));
    }

    [Fact]
    public void BeforePayingTheInvoiceMustOutliveThePaymentTimeout()
    {
        var invoice = Invoice(expiry: TimeSpan.FromMinutes(5));

        Assert.Null(LightningInvoiceRules.CheckBeforePaying(invoice, BitcoinNetwork.Regtest, 150_000, T0.AddMinutes(4), TimeSpan.FromSeconds(30)));
        Assert.Contains("expired", LightningInvoiceRules.CheckBeforePaying(invoice, BitcoinNetwork.Regtest, 150_000, T0.AddMinutes(4.75),
            TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
        Assert.Contains("asks for 150000 msat but the payout is 150001 msat",
            LightningInvoiceRules.CheckBeforePaying(invoice, BitcoinNetwork.Regtest, 150_001, T0, TimeSpan.Zero), StringComparison.Ordinal);
        Assert.Contains("mainnet", LightningInvoiceRules.CheckBeforePaying(invoice, BitcoinNetwork.Mainnet, 150_000, T0, TimeSpan.Zero),
            StringComparison.Ordinal);
    }

    [Fact]
    public void AnLnurlInvoiceMustBeForTheAmountAskedAndCommitToTheMetadata()
    {
        const string Metadata = "[[\"text/plain\",\"Pay to alice\"]]";
        var committed = SHA256.HashData(Encoding.UTF8.GetBytes(Metadata));

        Assert.Null(LightningInvoiceRules.CheckLnurlInvoice(Invoice(150_000, descriptionHash: committed), Metadata, 150_000));
        Assert.Contains("not the 150000 msat asked for",
            LightningInvoiceRules.CheckLnurlInvoice(Invoice(151_000, descriptionHash: committed), Metadata, 150_000), StringComparison.Ordinal);
        Assert.Contains("any amount", LightningInvoiceRules.CheckLnurlInvoice(Invoice(null, descriptionHash: committed), Metadata, 150_000),
            StringComparison.Ordinal);
        Assert.Contains("description hash mismatch",
            LightningInvoiceRules.CheckLnurlInvoice(Invoice(150_000, descriptionHash: new byte[32]), Metadata, 150_000), StringComparison.Ordinal);
    }

    [Fact]
    public void ThePaymentHashOfACheckedInvoiceIsReadWithoutTheSignature()
    {
        var invoice = Invoice();

        Assert.Equal(invoice.PaymentHash, Bolt11Invoice.ReadPaymentHash(invoice.Text));
        Assert.Equal(invoice.PaymentHash, Core.Payouts.Destinations.PaymentHash(Contracts.PayoutMethodId.BtcLightning, invoice.Text));
        Assert.Null(Core.Payouts.Destinations.PaymentHash(Contracts.PayoutMethodId.BtcLightning, "alice@example.com"));
        Assert.Null(Core.Payouts.Destinations.PaymentHash(Contracts.PayoutMethodId.BtcLightning, "lnbc1notaninvoice"));
    }
}

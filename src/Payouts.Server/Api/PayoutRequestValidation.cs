using System.Globalization;
using System.Text.Json;
using Payouts.Contracts;
using Payouts.Contracts.Json;
using Payouts.Contracts.Wire;
using Payouts.Core;
using Payouts.Core.Bitcoin;
using Payouts.Core.Lightning;
using Payouts.Core.Money;
using Payouts.Core.Payouts;
using Payouts.Core.Processors;

namespace Payouts.Server.Api;

/// <summary>Turns a wire request into a validated <see cref="NewPayout"/>, or the 422 entries saying why not.</summary>
public static class PayoutRequestValidation
{
    /// <summary>Largest metadata accepted, in bytes of JSON.</summary>
    public const int MetadataBytesMax = 64 * 1024;

    /// <param name="pullPaymentCurrency">The claimed pull payment's currency, which a claim's amount is in; null when it is
    /// not known (no such pull payment), and then the claim rules check the minimum instead.</param>
    /// <param name="rules">Networks of the store's nodes and the time a BOLT11 invoice must have left; null accepts any network and any
    /// invoice not yet expired.</param>
    public static NewPayout? Validate(CreatePayoutRequest r, string? storeId, string? pullPaymentId, string? pullPaymentCurrency,
        bool approved, JsonElement? metadata, bool amountRequired, ValidationErrors errors, DestinationRules? rules = null)
    {
        PayoutMethodId? method = null;
        if (string.IsNullOrWhiteSpace(r.PayoutMethodId))
            errors.Add("payoutMethodId", $"The payout method is required; supported: {string.Join(", ", PayoutMethodId.All)}.");
        else if (!PayoutMethodId.TryParse(r.PayoutMethodId, out method))
            errors.Add("payoutMethodId", $"Unknown payout method; supported: {string.Join(", ", PayoutMethodId.All)}.");

        string? destination = null;
        Bolt11Invoice? invoice = null;
        if (method is not null)
        {
            var d = Destinations.Normalize(method, r.Destination, rules?.NetworkFor(method));
            if (d.Error is not null) errors.Add("destination", $"The destination {d.Error}.", ErrorCode.InvalidDestination);
            destination = d.Value;
            invoice = d.Invoice;
        }
        else if (string.IsNullOrWhiteSpace(r.Destination))
        {
            errors.Add("destination", "The destination is required.");
        }

        // A store payout's amount is in the method's currency; a claim's is in its pull payment's.
        var amountCurrency = pullPaymentId is null ? method is null ? null : PayoutMethods.Get(method).Currency : pullPaymentCurrency;
        var amount = r.Amount;
        if (invoice is not null)
        {
            var inBtc = string.Equals(amountCurrency, "BTC", StringComparison.OrdinalIgnoreCase);
            // An invoice with an amount sets the payout's (Greenfield), when the payout's amount is in BTC at all.
            if (amount is null && inBtc && invoice.AmountMsat is { } asked) amount = Bolt11Invoice.MsatToBtc(asked);
            if (LightningInvoiceRules.CheckAtCreation(invoice, network: null, rules?.Now ?? DateTimeOffset.UtcNow, rules?.Bolt11TimeLeftMin ?? TimeSpan.Zero)
                is { } invoiceError)
                errors.Add("destination", $"The destination {invoiceError}.", ErrorCode.InvalidDestination);
            if (inBtc && amount is { } a && LightningInvoiceRules.AmountMismatch(invoice, a) is { } mismatch)
                errors.Add("amount", mismatch);
        }

        if (amount is null)
        {
            if (amountRequired) errors.Add("amount", "The amount is required.");
        }
        else if (Amounts.Validate(amount.Value) is { } amountError)
        {
            errors.Add("amount", $"The amount {amountError}.");
        }
        else if (method is not null && destination is not null)
        {
            if (DustError(method, destination, amount.Value, amountCurrency) is { } dust) errors.Add("amount", dust);
        }

        if (pullPaymentId is not null && !Ids.LooksValid(pullPaymentId))
            errors.Add("pullPaymentId", "The pull payment id is malformed.");

        string? metadataJson = null;
        if (metadata is { } m)
        {
            if (m.ValueKind == JsonValueKind.Null) { }
            else if (m.ValueKind != JsonValueKind.Object)
                errors.Add("metadata", "The metadata must be a JSON object.");
            else if ((metadataJson = m.GetRawText()).Length > MetadataBytesMax)
                errors.Add("metadata", $"The metadata must be at most {MetadataBytesMax} bytes.");
        }

        if (errors.Any) return null;
        return new NewPayout(storeId, pullPaymentId, method!, destination!, amount, approved, metadataJson);
    }

    /// <summary>An amount in the method's own currency that the address's output could not carry: nodes would not relay it.
    /// Amounts in other currencies are checked once approval converts them.</summary>
    private static string? DustError(PayoutMethodId method, string destination, decimal amount, string? amountCurrency)
    {
        if (method != PayoutMethodId.BtcChain || amountCurrency is null) return null;
        var m = PayoutMethods.For(method, destination);
        if (!string.Equals(amountCurrency, m.Currency, StringComparison.OrdinalIgnoreCase) || amount >= m.AmountMin) return null;
        return $"The amount must be at least {m.AmountMin} {m.Currency}, the dust limit of a {AddressTypes.Of(method, destination)} address.";
    }

    /// <summary>Greenfield's <c>rateRule</c>: we take a fixed decimal rate; named rate sources need a rate provider we do not have.</summary>
    public static decimal? ParseRate(string? rateRule, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(rateRule)) return null;
        if (DecimalStringJsonConverter.TryParse(rateRule.Trim(), out var rate) && rate > 0 && Amounts.SignificantScale(rate) <= 20)
            return rate;
        errors.Add("rateRule", "The rate rule must be a fixed positive decimal rate, in the payout's currency per unit of the payout method's (for example \"60000\" USD per BTC); rate sources are not supported.");
        return null;
    }

    public static string? ValidateProof(JsonElement? proof, ValidationErrors errors)
    {
        if (proof is not { } p || p.ValueKind == JsonValueKind.Null) return null;
        if (p.ValueKind != JsonValueKind.Object)
        {
            errors.Add("paymentProof", "The payment proof must be a JSON object.");
            return null;
        }
        var text = p.GetRawText();
        if (text.Length > MetadataBytesMax)
        {
            errors.Add("paymentProof", $"The payment proof must be at most {MetadataBytesMax} bytes.");
            return null;
        }
        return text;
    }
}

using System.Text.Json;
using Payouts.Contracts.Wire;
using Payouts.Core.Payouts;
using Payouts.Core.PullPayments;
using Payouts.Core.Stores;

namespace Payouts.Server.Api;

public static class WireMapping
{
    public static StoreData ToWire(this Store s) => new(s.Id, s.Name, s.CreatedAt);

    public static PayoutData ToWire(this Payout p) => new()
    {
        Id = p.Id,
        Revision = p.Revision,
        PullPaymentId = p.PullPaymentId,
        Date = p.CreatedAt,
        Destination = p.Destination,
        OriginalCurrency = p.OriginalCurrency,
        OriginalAmount = p.OriginalAmount,
        PayoutCurrency = p.PayoutCurrency,
        PayoutAmount = p.PayoutAmount,
        PayoutMethodId = p.MethodId,
        State = p.State,
        PaymentProof = Json(p.PaymentProofJson),
        Metadata = Json(p.MetadataJson),
        ErrorCount = p.ErrorCount,
    };

    public static PayoutEventData ToWire(this PayoutEvent e) => new()
    {
        Revision = e.Revision,
        From = e.From,
        To = e.To,
        Actor = e.Actor,
        ProcessorAuto = e.ProcessorAuto,
        At = e.At,
        Detail = e.Detail,
    };

    public static PullPaymentData ToWire(this PullPayment p, HttpRequest request) => new()
    {
        Id = p.Id,
        Name = p.Name,
        Description = p.Description,
        Currency = p.Currency,
        Amount = p.Amount,
        Bolt11ExpirationDays = p.Bolt11ExpirationDays,
        AutoApproveClaims = p.AutoApproveClaims,
        Archived = p.Archived,
        StartsAt = p.StartsAt,
        ExpiresAt = p.ExpiresAt,
        PayoutMethods = p.PayoutMethods.Select(m => m.Value).ToList(),
        MinimumClaim = p.MinimumClaim,
        ViewLink = $"{request.Scheme}://{request.Host}/api/v1/pull-payments/{p.Id}",
    };

    private static JsonElement? Json(string? text)
    {
        if (text is null) return null;
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }
}

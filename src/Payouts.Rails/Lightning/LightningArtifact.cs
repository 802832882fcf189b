using System.Text.Json;

namespace Payouts.Rails.Lightning;

/// <summary>
/// What a Lightning attempt commits before paying: for each payout, the exact invoice to pay — a Lightning address's or
/// LNURL's fetched invoice included, so a re-send after a crash pays that same invoice (same hash, which the node
/// refuses to pay twice) and never asks the service for a new one.
/// </summary>
public sealed record LightningArtifact(string Kind, string Network, IReadOnlyList<LightningArtifactPayment> Payments)
{
    public const string KindName = "lightning-node";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static LightningArtifact Read(string? json)
    {
        var artifact = json is null ? null : JsonSerializer.Deserialize<LightningArtifact>(json, Json);
        if (artifact?.Kind != KindName)
            throw new Core.InvariantViolationException("the attempt's artifact was not made by the Lightning rail (was the store's rail changed?)");
        return artifact;
    }
}

/// <param name="Destination">The payout's destination: the invoice itself, or the LNURL / Lightning address it came from.</param>
/// <param name="AmountMsat">What the payout pays; sent to the node only for an amountless invoice.</param>
/// <param name="FeeLimitMsat">The routing fee cap, fixed when the attempt was prepared.</param>
public sealed record LightningArtifactPayment(string PayoutId, string Destination, string Invoice, string PaymentHash, long AmountMsat,
    bool Amountless, long FeeLimitMsat);

/// <summary>BTCPay's Lightning payout proof (<c>PayoutLightningBlob</c>): the preimage is the receipt.</summary>
public sealed record LightningProof(string ProofType, string PaymentHash, string Preimage)
{
    public static string Json(string paymentHash, string preimage) =>
        JsonSerializer.Serialize(new LightningProof("PayoutLightningBlob", paymentHash, preimage), new JsonSerializerOptions(JsonSerializerDefaults.Web));
}

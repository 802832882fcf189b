namespace Payouts.Rails.Lightning;

/// <summary>
/// The calls the Lightning rail makes on a store's node, whatever it is (LND over REST, Core Lightning over its socket
/// or REST). Both refuse a second payment of one hash while one is in flight or succeeded, which is what makes
/// re-sending a committed invoice harmless.
/// </summary>
public interface ILightningNode
{
    /// <summary>
    /// Pays and waits until the payment ends or <see cref="LightningPayRequest.Wait"/> passes (then the last state seen,
    /// in flight). Throws <see cref="LightningRefusedException"/> when the node answers with an error instead of a
    /// payment, <see cref="LightningUnavailableException"/> when the request cannot have arrived, and anything else
    /// (timeout, dropped connection) when it may have.
    /// </summary>
    Task<LightningPayment> Pay(LightningPayRequest request, CancellationToken ct);

    /// <summary>What the node knows of its payments of this hash; null when it has none.</summary>
    Task<LightningPayment?> Track(string paymentHash, CancellationToken ct);

    Task<LightningNodeInfo> GetInfo(CancellationToken ct);
}

/// <param name="AmountMsat">Only for an amountless invoice: what to pay.</param>
/// <param name="Timeout">The node's own budget for finding a route.</param>
/// <param name="Wait">How long we wait for the end before answering "in flight".</param>
public sealed record LightningPayRequest(string Invoice, string PaymentHash, long? AmountMsat, long FeeLimitMsat, TimeSpan Timeout, TimeSpan Wait);

public enum LightningPaymentStatus { InFlight, Succeeded, Failed }

/// <param name="FailureReason">The node's own words for a failed payment (LND's FAILURE_REASON_*, CLN's error).</param>
/// <param name="InsufficientBalance">Failed because our node cannot fund it: not the payee's fault.</param>
public sealed record LightningPayment(LightningPaymentStatus Status, string PaymentHash, string? Preimage, long? FeeMsat,
    string? FailureReason = null, bool InsufficientBalance = false);

/// <param name="Network">mainnet, testnet, signet or regtest (our names).</param>
public sealed record LightningNodeInfo(string NodeId, string? Alias, string Network, long BlockHeight, string Version, bool Synced,
    decimal? ChannelBalance, int? ActiveChannels);

/// <summary>Why the node refused a payment without making one.</summary>
public enum LightningRefusal
{
    /// <summary>A payment of this hash is in flight (LND "payment is in transition", CLN 200).</summary>
    InFlight,
    /// <summary>A payment of this hash already succeeded (LND "invoice is already paid", CLN 201).</summary>
    AlreadyPaid,
    /// <summary>The invoice itself is at fault: expired, another network, malformed, amount rules.</summary>
    BadInvoice,
    /// <summary>Our credentials were refused.</summary>
    Unauthorized,
    Other,
}

public sealed class LightningRefusedException(LightningRefusal refusal, string message, Exception? inner = null) : Exception(message, inner)
{
    public LightningRefusal Refusal { get; } = refusal;
}

/// <summary>The node could not be reached (connection refused, no socket): the request cannot have arrived.</summary>
public sealed class LightningUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

using Payouts.Core.Bitcoin;
using Payouts.Core.Lightning;

namespace Payouts.Simulators.Lightning.Lnd;

/// <summary>SendPaymentV2's checks, in LND's order (routerrpc's extractIntentFromSendRequest, then the payment DB's).</summary>
public sealed partial class LndSimulator
{
    private long _paymentIndex;

    internal LndPayment Send(SendPaymentRequest request)
    {
        if (request.TimeoutSeconds <= 0) throw new GrpcError(GrpcError.Unknown, "timeout_seconds must be specified");
        if (request.AmtSat != 0 && request.AmtMsat != 0) throw new GrpcError(GrpcError.Unknown, "sat and msat arguments are mutually exclusive");
        if (request.FeeLimitSat != 0 && request.FeeLimitMsat != 0) throw new GrpcError(GrpcError.Unknown, "sat and msat arguments are mutually exclusive");
        if (string.IsNullOrWhiteSpace(request.PaymentRequest))
            throw new GrpcError(GrpcError.Unknown, "payment_request or dest must be specified");
        if (!Bolt11Invoice.TryParse(request.PaymentRequest, out var invoice, out var error))
            throw new GrpcError(GrpcError.Unknown, error ?? "invalid payment request");
        if (invoice!.Network != ChainNetwork)
            throw new GrpcError(GrpcError.Unknown, $"invoice not for current active network '{ChainName(ChainNetwork)}'");
        if (NetworkSim.Time.GetUtcNow() > invoice.ExpiresAt)
            throw new GrpcError(GrpcError.Unknown, $"invoice expired. Valid until {GoTime(invoice.ExpiresAt)}");
        var requested = request.AmtMsat != 0 ? request.AmtMsat : request.AmtSat * 1000;
        if (invoice.AmountMsat is null && requested == 0)
            throw new GrpcError(GrpcError.Unknown, "amount must be specified when paying a zero amount invoice");
        if (invoice.AmountMsat is not null && requested != 0)
            throw new GrpcError(GrpcError.Unknown, "amount must not be specified when paying a non-zero amount invoice");
        var amountMsat = invoice.AmountMsat ?? requested;
        var feeLimitMsat = request.FeeLimitMsat != 0 ? request.FeeLimitMsat : request.FeeLimitSat * 1000;

        lock (_gate)
        {
            // The payment DB's InitPayment: one live payment per hash, and none after one succeeded.
            var earlier = _payments.Where(p => string.Equals(p.PaymentHash, invoice.PaymentHash, StringComparison.OrdinalIgnoreCase)).ToList();
            if (earlier.Any(p => p.State == PaymentState.InFlight)) throw new GrpcError(GrpcError.AlreadyExists, "payment is in transition");
            if (earlier.Any(p => p.State == PaymentState.Succeeded)) throw new GrpcError(GrpcError.AlreadyExists, "invoice is already paid");
            var now = NetworkSim.Time.GetUtcNow();
            LndPayment payment;
            if (amountMsat + NetworkSim.RouteFeeMsat(invoice.PaymentHash) > LocalBalanceLocked())
                payment = new LndPayment(++_paymentIndex, invoice, amountMsat, now, null, LightningFailure.InsufficientBalance);
            else
                payment = new LndPayment(++_paymentIndex, invoice, amountMsat, now,
                    NetworkSim.Send(IdentityPubKey, invoice, amountMsat, feeLimitMsat), null);
            _payments.Add(payment);
            return payment;
        }
    }

    /// <summary>TrackPaymentV2's lookup: the latest payment of the hash, or NotFound as LND's ErrPaymentNotInitiated.</summary>
    internal LndPayment Track(string paymentHashHex)
    {
        lock (_gate)
            return _payments.LastOrDefault(p => string.Equals(p.PaymentHash, paymentHashHex, StringComparison.OrdinalIgnoreCase))
                ?? throw new GrpcError(GrpcError.NotFound, "payment isn't initiated");
    }

    /// <summary>chaincfg's names, which LND prints in its errors and getinfo.</summary>
    internal static string ChainName(BitcoinNetwork network) => network switch
    {
        BitcoinNetwork.Mainnet => "mainnet",
        BitcoinNetwork.Testnet => "testnet3",
        BitcoinNetwork.Signet => "signet",
        BitcoinNetwork.Regtest => "regtest",
    };

    /// <summary>Go's default time.Time formatting, which LND's "Valid until %v" uses.</summary>
    private static string GoTime(DateTimeOffset at) => $"{at.UtcDateTime:yyyy-MM-dd HH:mm:ss} +0000 UTC";
}

internal sealed record SendPaymentRequest(
    string? PaymentRequest, long AmtSat, long AmtMsat, long FeeLimitSat, long FeeLimitMsat, int TimeoutSeconds, bool NoInflightUpdates);

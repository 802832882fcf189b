using Payouts.Core.Lightning;

namespace Payouts.Simulators.Lightning.Lnd;

/// <summary>
/// A payment as LND's database holds it: one per send. It follows its <see cref="NetworkPayment"/>, or failed inside
/// the node (not enough balance) without reaching the network.
/// </summary>
public sealed class LndPayment
{
    private readonly LightningFailure? _localFailure;

    internal LndPayment(long index, Bolt11Invoice invoice, long amountMsat, DateTimeOffset createdAt, NetworkPayment? network, LightningFailure? localFailure)
    {
        PaymentIndex = index;
        Invoice = invoice;
        AmountMsat = amountMsat;
        CreatedAt = createdAt;
        Network = network;
        _localFailure = localFailure;
    }

    public long PaymentIndex { get; }
    public Bolt11Invoice Invoice { get; }
    public string PaymentHash => Invoice.PaymentHash;
    public long AmountMsat { get; }
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Null when the node refused to send it at all.</summary>
    public NetworkPayment? Network { get; }

    public PaymentState State => Network?.State ?? PaymentState.Failed;
    public LightningFailure? Failure => Network is null ? _localFailure : Network.Failure;
    public long FeeMsat => State == PaymentState.Succeeded ? Network!.FeeMsat : 0;
    public Task Finished => Network?.Finished ?? Task.CompletedTask;

    /// <summary>What the channels hold back for it: amount and fee while in flight or once paid, nothing once failed.</summary>
    internal long ReservedMsat => State == PaymentState.Failed ? 0 : AmountMsat + Network!.FeeMsat;

    /// <summary>LND's status names.</summary>
    public string Status => StatusName(State);

    internal static string StatusName(PaymentState state) => state switch
    {
        PaymentState.InFlight => "IN_FLIGHT",
        PaymentState.Succeeded => "SUCCEEDED",
        PaymentState.Failed => "FAILED",
    };

    /// <summary>LND's failure_reason names; a fee above the limit is "no route" in LND.</summary>
    public string FailureReason => State != PaymentState.Failed ? "FAILURE_REASON_NONE" : Failure switch
    {
        LightningFailure.NoRoute or LightningFailure.RouteTooExpensive => "FAILURE_REASON_NO_ROUTE",
        LightningFailure.IncorrectPaymentDetails => "FAILURE_REASON_INCORRECT_PAYMENT_DETAILS",
        LightningFailure.Timeout => "FAILURE_REASON_TIMEOUT",
        LightningFailure.InsufficientBalance => "FAILURE_REASON_INSUFFICIENT_BALANCE",
        LightningFailure.Error or null => "FAILURE_REASON_ERROR",
    };
}

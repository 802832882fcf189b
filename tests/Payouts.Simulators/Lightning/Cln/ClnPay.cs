using Payouts.Core.Lightning;

namespace Payouts.Simulators.Lightning.Cln;

/// <summary>One payment group lightningd recorded (a listpays entry): the pay command's single attempt at an invoice.</summary>
public sealed class ClnPay
{
    internal ClnPay(long groupId, Bolt11Invoice invoice, long amountMsat, DateTimeOffset createdAt, NetworkPayment network)
    {
        GroupId = groupId;
        Invoice = invoice;
        AmountMsat = amountMsat;
        CreatedAt = createdAt;
        Network = network;
    }

    public long GroupId { get; }
    public Bolt11Invoice Invoice { get; }
    public string PaymentHash => Invoice.PaymentHash;
    public long AmountMsat { get; }
    public DateTimeOffset CreatedAt { get; }
    public NetworkPayment Network { get; }
    public PaymentState State => Network.State;
    public long AmountSentMsat => AmountMsat + (State == PaymentState.Failed ? 0 : Network.FeeMsat);

    /// <summary>listpays' status names.</summary>
    public string Status => State switch
    {
        PaymentState.InFlight => "pending",
        PaymentState.Succeeded => "complete",
        PaymentState.Failed => "failed",
    };
}

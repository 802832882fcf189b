using Payouts.Server.Tests.Support;
using Payouts.Simulators.Lightning;

namespace Payouts.Server.Tests.LightningPayouts;

/// <summary>
/// Core Lightning's <c>pay</c> answers only when the payment is over, so a held payment outlives the run's wait: the
/// run must leave it in flight, and the reconciler must follow it through <c>listpays</c>, never paying it again.
/// </summary>
public sealed class LightningClnInFlightTests
{
    // Proves: a payment held by the payee while Core Lightning's pay waits leaves the payout InProgress through later
    // processor runs with one pay call; once settled, listpays shows it complete and the payout is Completed with its
    // preimage; an amountless invoice in the same run is paid the payout's amount. Each invoice is settled once.
    [Fact]
    public async Task AHeldPaymentOutlivesPayAndCompletesFromListpaysWhenSettled()
    {
        await using var s = await LightningStack.Start(NodeKind.Cln, paymentTimeoutSeconds: 1,
            extra: new Dictionary<string, string> { ["Payouts:Processors:LeaseTtlSeconds"] = "30" });
        var held = s.Invoice("holder", 2_500_000);
        var heldHash = Ln.PaymentHash(held);
        s.Network.SetBehavior(heldHash, PaymentBehavior.Hold());
        var amountless = s.Invoice("tipjar", null);
        var heldId = await Ln.CreateApproved(s.Admin, s.StoreId, held);
        var tipId = await Ln.CreateApproved(s.Admin, s.StoreId, amountless, "0.00003");
        await Ln.PutProcessor(s.Admin, s.StoreId);

        await SandboxHttp.WaitForStates(s.Admin, s.StoreId, [tipId], "Completed", Ln.Deadline);
        Ln.AssertPreimageProof(await SandboxHttp.Payout(s.Admin, s.StoreId, tipId), Ln.PaymentHash(amountless));
        Assert.Equal(3_000_000, Assert.Single(s.Network.PaymentsSettled(Ln.PaymentHash(amountless))).AmountMsat);

        await SandboxHttp.WaitForStates(s.Admin, s.StoreId, [heldId], "InProgress", Ln.Deadline);
        var probe = s.Probe();
        var epoch = (await probe.ProcessorLease(s.StoreId, Ln.Method))!.Epoch;
        await SandboxHttp.WaitUntil(async () => await probe.ProcessorLease(s.StoreId, Ln.Method) is { Owner: null } l && l.Epoch >= epoch + 3,
            Ln.Deadline, async () => $"{await probe.ProcessorLease(s.StoreId, Ln.Method)}");
        Assert.Equal("InProgress", SandboxHttp.State(await SandboxHttp.Payout(s.Admin, s.StoreId, heldId)));
        Assert.Single(s.Cln!.PaymentsFor(heldHash));

        Assert.True(s.Network.Settle(heldHash));
        await SandboxHttp.WaitForStates(s.Admin, s.StoreId, [heldId], "Completed", Ln.Deadline);
        var payout = await SandboxHttp.Payout(s.Admin, s.StoreId, heldId);
        Assert.Equal(Assert.Single(s.Network.PaymentsSettled(heldHash)).PreimageHex, Ln.AssertPreimageProof(payout, heldHash));
        Assert.Equal(0, SandboxHttp.ErrorCount(payout));
        Assert.Single(s.Cln.PaymentsFor(heldHash));
        Assert.Equal(2, s.Cln.CallsOf("pay").Count);
        s.Network.AssertNoDoublePayment();
    }
}

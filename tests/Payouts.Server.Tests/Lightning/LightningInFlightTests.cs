using Payouts.Server.Tests.Support;
using Payouts.Simulators.Lightning;

namespace Payouts.Server.Tests.LightningPayouts;

/// <summary>
/// Payments whose end the run did not see: held by the payee, or sent by a node whose answer was lost. The payout stays
/// InProgress, no run sends it again, and the reconciler completes it from what the node later reports — one payment.
/// </summary>
public sealed class LightningInFlightTests
{
    private const string SendPath = "/v2/router/send";
    private const string TrackPrefix = "/v2/router/track/";

    /// <summary>Runs of the store's Lightning processor, counted by the epochs its lease has been through.</summary>
    private static async Task WaitForRuns(LightningStack s, int runs)
    {
        var probe = s.Probe();
        var start = (await probe.ProcessorLease(s.StoreId, Ln.Method))!.Epoch;
        await SandboxHttp.WaitUntil(async () => await probe.ProcessorLease(s.StoreId, Ln.Method) is { Owner: null } l && l.Epoch >= start + runs,
            Ln.Deadline, async () => $"lease {await probe.ProcessorLease(s.StoreId, Ln.Method)} after epoch {start}");
    }

    private static int TrackCalls(LightningStack s) => s.Lnd!.Calls.Count(c => c.Path.StartsWith(TrackPrefix, StringComparison.Ordinal));

    // Proves: a payment the payee holds leaves the payout InProgress through many processor runs with one payment at
    // the node; a node crash and restart changes nothing (the reconciler asks the restarted node again); once the payee
    // settles, the reconciler completes the payout with the preimage as proof, and the invoice was paid once.
    [Fact]
    public async Task AHeldPaymentStaysInProgressThroughRunsAndANodeRestartAndCompletesWhenSettled()
    {
        // A run waits paymentTimeoutSeconds + 10 s for a payment before recording it in flight; the lease gives it 15 s.
        await using var s = await LightningStack.Start(paymentTimeoutSeconds: 1,
            extra: new Dictionary<string, string> { ["Payouts:Processors:LeaseTtlSeconds"] = "30" });
        var invoice = s.Invoice("holder", 2_500_000);
        var hash = Ln.PaymentHash(invoice);
        s.Network.SetBehavior(hash, PaymentBehavior.Hold());
        var id = await Ln.CreateApproved(s.Admin, s.StoreId, invoice);
        await Ln.PutProcessor(s.Admin, s.StoreId);

        await SandboxHttp.WaitUntil(() => Task.FromResult(s.Network.Attempts.Any(a => a.PaymentHash == hash)), Ln.Deadline,
            () => Task.FromResult(Ln.Describe(s.Network, hash)));
        await SandboxHttp.WaitForStates(s.Admin, s.StoreId, [id], "InProgress", Ln.Deadline);
        await WaitForRuns(s, 3);
        Assert.Equal("InProgress", SandboxHttp.State(await SandboxHttp.Payout(s.Admin, s.StoreId, id)));
        Assert.Single(s.Lnd!.CallsTo(SendPath));

        // The node crashes with the HTLC held, and comes back: the reconciler tracks the same payment there.
        await s.Lnd.Stop();
        await WaitForRuns(s, 2);
        await s.Lnd.Restart();
        var tracked = TrackCalls(s);
        await SandboxHttp.WaitUntil(() => Task.FromResult(TrackCalls(s) > tracked), Ln.Deadline, () => Task.FromResult($"{TrackCalls(s)} track calls"));
        Assert.Equal("InProgress", SandboxHttp.State(await SandboxHttp.Payout(s.Admin, s.StoreId, id)));

        Assert.True(s.Network.Settle(hash));
        await SandboxHttp.WaitForStates(s.Admin, s.StoreId, [id], "Completed", Ln.Deadline);
        var payout = await SandboxHttp.Payout(s.Admin, s.StoreId, id);
        var preimage = Ln.AssertPreimageProof(payout, hash);
        Assert.Equal(0, SandboxHttp.ErrorCount(payout));
        Assert.Equal(preimage, Assert.Single(s.Network.PaymentsSettled(hash)).PreimageHex);
        Assert.Single(s.Lnd.CallsTo(SendPath));
        Assert.Single(s.Lnd.PaymentsFor(hash));
        Assert.Single(s.Network.Attempts);
        var states = (await Http.Events(s.Admin, s.StoreId, id)).Select(e => e!["to"]!.GetValue<string>()).ToList();
        Assert.Equal(["AwaitingPayment", "InProgress", "Completed"], states);
    }

    // Proves: when LND starts the payment but the connection drops before any answer, the payout is InProgress (the
    // outcome is unknown, so it is neither failed nor sent again); the reconciler tracks the hash and completes it
    // with the preimage once the payment settles: one send request, one payment, one settlement.
    [Fact]
    public async Task APaymentWhoseAnswerIsLostIsTrackedToCompletionWithoutASecondSend()
    {
        await using var s = await LightningStack.Start();
        var invoice = s.Invoice("quiet", 700_000);
        var hash = Ln.PaymentHash(invoice);
        // Settling a moment later leaves the payout observably InProgress before the reconciler sees the end.
        s.Network.SetBehavior(hash, PaymentBehavior.Succeed(settleDelay: TimeSpan.FromSeconds(2)));
        s.Lnd!.DropAfterAccept(SendPath);
        var id = await Ln.CreateApproved(s.Admin, s.StoreId, invoice);
        await Ln.PutProcessor(s.Admin, s.StoreId);

        await SandboxHttp.WaitForStates(s.Admin, s.StoreId, [id], "InProgress", Ln.Deadline);
        await SandboxHttp.WaitForStates(s.Admin, s.StoreId, [id], "Completed", Ln.Deadline);

        var payout = await SandboxHttp.Payout(s.Admin, s.StoreId, id);
        var preimage = Ln.AssertPreimageProof(payout, hash);
        Assert.Equal(0, SandboxHttp.ErrorCount(payout));
        Assert.Equal(preimage, Assert.Single(s.Network.PaymentsSettled(hash)).PreimageHex);
        Assert.Single(s.Lnd.CallsTo(SendPath));
        Assert.Single(s.Lnd.PaymentsFor(hash));
        Assert.True(TrackCalls(s) >= 1, "the completion can only have come from tracking the payment");
        var states = (await Http.Events(s.Admin, s.StoreId, id)).Select(e => e!["to"]!.GetValue<string>()).ToList();
        Assert.Equal(["AwaitingPayment", "InProgress", "Completed"], states);
        var attempt = Assert.Single(await s.Probe().Attempts(id));
        Assert.Equal(hash, attempt.Reference);
    }
}

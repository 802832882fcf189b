using System.Text.Json.Nodes;
using Payouts.Server.Tests.Support;
using Payouts.Simulators.Lightning;
using Payouts.Simulators.Lightning.Lnurl;

namespace Payouts.Server.Tests.LightningPayouts;

/// <summary>
/// Payments that definitively did not happen: the node reports the payment FAILED, or the payout's Lightning address
/// hands out an invoice the rail must not pay. Each is a failure of the payout (AwaitingPayment, errorCount + 1, an
/// event saying why), never money moved, and after ten the processor leaves the payout alone.
/// </summary>
public sealed class LightningFailureTests
{
    private static async Task<JsonNode> LastEvent(HttpClient c, string storeId, string payoutId) => (await Http.Events(c, storeId, payoutId))[^1]!;

    // Proves: a payment LND reports failed for lack of a route puts the payout back in AwaitingPayment with errorCount
    // 1 and an event from InProgress naming the failure; each further run tries it once more, and after the tenth
    // failure (the event says the processors stop) an eleventh run sends nothing: the node saw exactly ten payments.
    [Fact]
    public async Task ANoRouteFailureCountsAndTheTenthStopsTheProcessor()
    {
        await using var s = await LightningStack.Start();
        var invoice = s.Invoice("unreachable", 1_500_000);
        var hash = Ln.PaymentHash(invoice);
        s.Network.SetBehavior(hash, PaymentBehavior.Fail(LightningFailure.NoRoute));
        var id = await Ln.CreateApproved(s.Admin, s.StoreId, invoice);
        var probe = s.Probe();

        await SandboxHttp.RunProcessorOnce(s.Admin, probe, s.StoreId, Ln.Method);
        var payout = await SandboxHttp.Payout(s.Admin, s.StoreId, id);
        Assert.Equal(("AwaitingPayment", 1), (SandboxHttp.State(payout), SandboxHttp.ErrorCount(payout)));
        Assert.Null(payout["paymentProof"]);
        var first = await LastEvent(s.Admin, s.StoreId, id);
        Assert.Equal(("InProgress", "AwaitingPayment"), (first["from"]!.GetValue<string>(), first["to"]!.GetValue<string>()));
        Assert.Contains("FAILURE_REASON_NO_ROUTE", first["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("(failure 1)", first["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, s.NodePayments(hash));

        for (var failures = 2; failures <= 10; failures++)
        {
            await SandboxHttp.RunProcessorOnce(s.Admin, probe, s.StoreId, Ln.Method);
            payout = await SandboxHttp.Payout(s.Admin, s.StoreId, id);
            Assert.Equal(("AwaitingPayment", failures), (SandboxHttp.State(payout), SandboxHttp.ErrorCount(payout)));
            Assert.Equal(failures, s.NodePayments(hash));
        }
        Assert.Contains("automated processors stop sending it", (await LastEvent(s.Admin, s.StoreId, id))["detail"]!.GetValue<string>(),
            StringComparison.Ordinal);

        // The eleventh run finds nothing to send: no payment reaches the node, and the payout is as it was.
        await SandboxHttp.RunProcessorOnce(s.Admin, probe, s.StoreId, Ln.Method);
        payout = await SandboxHttp.Payout(s.Admin, s.StoreId, id);
        Assert.Equal(("AwaitingPayment", 10), (SandboxHttp.State(payout), SandboxHttp.ErrorCount(payout)));
        Assert.Equal(10, s.NodePayments(hash));
        Assert.Equal(10, s.Lnd!.CallsTo("/v2/router/send").Count);
        Assert.Empty(s.Network.Ledger);
        Assert.Equal(1 + 2 * 10, (await Http.Events(s.Admin, s.StoreId, id)).Count);
    }

    // Proves: a Lightning address whose service answers with an invoice for more than was asked is not paid: the
    // payout goes back to AwaitingPayment with errorCount 1 and an event naming both amounts; the service issued that
    // one invoice, and no payment reached the node or the network.
    [Fact]
    public async Task AnLnurlInvoiceForAnotherAmountIsRefusedAndNothingIsPaid()
    {
        await using var s = await LightningStack.Start();
        s.Lnurl.AddUser("greedy");
        s.Lnurl.SetMisbehavior("greedy", new LnurlMisbehavior { ExtraAmountMsat = 1_000 });
        var id = await Ln.CreateApproved(s.Admin, s.StoreId, Ln.Address("greedy"), "0.0003");

        await SandboxHttp.RunProcessorOnce(s.Admin, s.Probe(), s.StoreId, Ln.Method);

        var payout = await SandboxHttp.Payout(s.Admin, s.StoreId, id);
        Assert.Equal(("AwaitingPayment", 1), (SandboxHttp.State(payout), SandboxHttp.ErrorCount(payout)));
        Assert.Null(payout["paymentProof"]);
        var last = await LastEvent(s.Admin, s.StoreId, id);
        Assert.Equal("AwaitingPayment", last["to"]!.GetValue<string>());
        var detail = last["detail"]!.GetValue<string>();
        Assert.Contains("30001000 msat", detail, StringComparison.Ordinal);
        Assert.Contains("30000000 msat", detail, StringComparison.Ordinal);
        Assert.Single(s.Lnurl.InvoicesIssued("greedy"));
        Assert.Empty(s.Lnd!.CallsTo("/v2/router/send"));
        Assert.Empty(s.Network.Attempts);
        Assert.Empty(s.Network.Ledger);
    }
}

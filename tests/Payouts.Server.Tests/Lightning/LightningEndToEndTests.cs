using Payouts.Server.Tests.Support;

namespace Payouts.Server.Tests.LightningPayouts;

/// <summary>
/// DESIGN §4 and §6 for the Lightning rail, end to end: the store's node (LND over REST, or Core Lightning over its
/// unix socket) is configured through the API, the Lightning processor pays approved BOLT11 and Lightning-address
/// payouts, and each ends Completed with a preimage that is the receipt of its invoice. The checkers are the payees:
/// every invoice settled once, and the LNURL service asked for one invoice per Lightning-address payout.
/// </summary>
public sealed class LightningEndToEndTests
{
    public static TheoryData<NodeKind> Nodes => [NodeKind.Lnd, NodeKind.Cln];

    // Proves: five BOLT11 payouts (amount taken from each invoice) and one Lightning-address payout, approved before
    // the processor exists, are paid by its runs: each Completed with a PayoutLightningBlob whose preimage hashes to
    // the invoice's payment hash, errorCount 0; the payees settled each invoice exactly once, for its exact amount, from
    // the store's node; the LNURL service issued exactly one invoice, and that is the one paid.
    [Theory, MemberData(nameof(Nodes))]
    public async Task BoltElevenAndLightningAddressPayoutsAreEachPaidOnceWithTheirPreimageAsProof(NodeKind kind)
    {
        await using var s = await LightningStack.Start(kind);
        var amounts = new long[] { 1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_123_000 };
        var invoices = amounts.Select((msat, i) => s.Invoice($"payee{i}", msat)).ToList();
        var ids = new List<string>();
        foreach (var invoice in invoices) ids.Add(await Ln.CreateApproved(s.Admin, s.StoreId, invoice, amount: null));
        s.Lnurl.AddUser("alice");
        var addressId = await Ln.CreateApproved(s.Admin, s.StoreId, Ln.Address("alice"), "0.0002");
        foreach (var (id, msat) in ids.Zip(amounts))
            Assert.Equal(Ln.Btc(msat), SandboxHttp.PayoutAmount(await SandboxHttp.Payout(s.Admin, s.StoreId, id)));

        await Ln.PutProcessor(s.Admin, s.StoreId);
        await SandboxHttp.WaitForStates(s.Admin, s.StoreId, [.. ids, addressId], "Completed", Ln.Deadline);

        for (var i = 0; i < invoices.Count; i++)
        {
            var hash = Ln.PaymentHash(invoices[i]);
            var payout = await SandboxHttp.Payout(s.Admin, s.StoreId, ids[i]);
            var preimage = Ln.AssertPreimageProof(payout, hash);
            Assert.Equal(0, SandboxHttp.ErrorCount(payout));
            var settled = Assert.Single(s.Network.PaymentsSettled(hash));
            Assert.Equal((amounts[i], preimage), (settled.AmountMsat, settled.PreimageHex));
            Assert.Equal(1, s.NodePayments(hash));
        }
        var issued = Assert.Single(s.Lnurl.InvoicesIssued("alice"));
        Assert.Equal(20_000_000, issued.Invoice.AmountMsat);
        Ln.AssertPreimageProof(await SandboxHttp.Payout(s.Admin, s.StoreId, addressId), issued.PaymentHash);
        Assert.Equal(issued.PaymentHash, Assert.Single(s.Lnurl.PaidInvoices("alice")).PaymentHash);
        Assert.Equal(1, s.NodePayments(issued.PaymentHash));
        s.Network.AssertNoDoublePayment();
        Assert.Equal(6, s.Network.Ledger.Count);
        Assert.Equal(6, s.Network.Attempts.Count);
    }
}

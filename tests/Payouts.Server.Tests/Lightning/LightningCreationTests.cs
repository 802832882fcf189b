using System.Net;
using System.Text.Json;
using Payouts.Core.Bitcoin;
using Payouts.Server.Tests.Support;

namespace Payouts.Server.Tests.LightningPayouts;

/// <summary>
/// What a BOLT11 destination must be before a payout holds it (Greenfield's checks, through HTTP on a store whose
/// Lightning node is on regtest): the node's network, not expired, enough time left for a pull payment's claim, the
/// invoice's amount, and one payout per payment hash. Each refusal writes nothing.
/// </summary>
public sealed class LightningCreationTests
{
    private static async Task<(long Payouts, long Events, int Listed)> Written(LightningStack s)
    {
        var counts = await new DbProbe("sqlite", s.Node.ConnectionString).CountAll();
        return (counts.Payouts, counts.Events, (await Ln.List(s.Admin, s.StoreId)).Count);
    }

    /// <summary>The answer is <paramref name="status"/> with an entry on <paramref name="path"/> (422) or error <paramref name="code"/> (400), and nothing was written.</summary>
    private static async Task AssertRefused(LightningStack s, Func<Task<RawAnswer>> create, HttpStatusCode status, string path, string? code, string because)
    {
        var before = await Written(s);
        var answer = await create();
        Assert.True(answer.Status == status, $"{because}: expected {(int)status}, got {(int)answer.Status}: {answer.Text}");
        if (status == HttpStatusCode.UnprocessableEntity)
        {
            var entry = Assert.Single(answer.Json.AsArray(), e => e!["path"]!.GetValue<string>() == path)!;
            Assert.Equal(code, entry["code"]?.GetValue<string>());
        }
        else
        {
            Assert.Equal(code, answer.Code);
        }
        Assert.Equal(before, await Written(s));
    }

    private static Task<RawAnswer> Claim(HttpClient c, string pullPaymentId, string destination) =>
        RawHttp.Post(c, $"/api/v1/pull-payments/{pullPaymentId}/payouts",
            JsonSerializer.Serialize(new { destination, payoutMethodId = Ln.Method }));

    // Proves: a testnet invoice (the node is on regtest) and an expired one are 422 invalid-destination on
    // `destination`; an amount other than the invoice's is 422 on `amount`; left out, the amount is the invoice's; and
    // nothing is written by any refusal.
    [Fact]
    public async Task AnInvoiceMustBeForTheNodesNetworkUnexpiredAndOfThePayoutsAmount()
    {
        await using var s = await LightningStack.Start();
        var payee = s.Network.AddPayee("shop");
        var testnet = s.Network.CreateInvoice(payee, 1_000_000, network: BitcoinNetwork.Testnet);
        var expired = s.Network.CreateInvoice(payee, 1_000_000, TimeSpan.FromMinutes(10), timestamp: DateTimeOffset.UtcNow.AddHours(-1));
        var good = s.Network.CreateInvoice(payee, 1_000_000);

        await AssertRefused(s, () => Ln.TryCreate(s.Admin, s.StoreId, testnet, null), HttpStatusCode.UnprocessableEntity, "destination",
            "invalid-destination", "a testnet invoice on a regtest node");
        await AssertRefused(s, () => Ln.TryCreate(s.Admin, s.StoreId, expired, null), HttpStatusCode.UnprocessableEntity, "destination",
            "invalid-destination", "an expired invoice");
        await AssertRefused(s, () => Ln.TryCreate(s.Admin, s.StoreId, good, "0.00001001"), HttpStatusCode.UnprocessableEntity, "amount",
            null, "an amount other than the invoice's");

        var id = await Ln.CreateApproved(s.Admin, s.StoreId, good);
        Assert.Equal(0.00001m, SandboxHttp.PayoutAmount(await SandboxHttp.Payout(s.Admin, s.StoreId, id)));
        // The invoice's own amount, given explicitly, is the same payout: refused only as a second payout of its hash.
        await AssertRefused(s, () => Ln.TryCreate(s.Admin, s.StoreId, good, "0.00001"), HttpStatusCode.BadRequest, "", "duplicate-destination",
            "the same invoice again");
    }

    // Proves: a second payout of a payment hash the store already has is 400 duplicate-destination — while the first
    // is waiting, in another case (the same invoice in capitals), and after the first was paid (Completed keeps its
    // hash); a cancelled payout frees its hash for a new payout; nothing is written by any refusal.
    [Fact]
    public async Task OnePayoutPerPaymentHashIncludingCompletedOnesButNotCancelledOnes()
    {
        await using var s = await LightningStack.Start();
        var paid = s.Invoice("shop", 1_200_000);
        var first = await Ln.CreateApproved(s.Admin, s.StoreId, paid);
        await AssertRefused(s, () => Ln.TryCreate(s.Admin, s.StoreId, paid, null), HttpStatusCode.BadRequest, "", "duplicate-destination",
            "the same invoice while the first waits");
        await AssertRefused(s, () => Ln.TryCreate(s.Admin, s.StoreId, "lightning:" + paid.ToUpperInvariant(), null), HttpStatusCode.BadRequest, "",
            "duplicate-destination", "the same invoice in capitals with a lightning: prefix");

        await Ln.PutProcessor(s.Admin, s.StoreId);
        await SandboxHttp.WaitForStates(s.Admin, s.StoreId, [first], "Completed", Ln.Deadline);
        await AssertRefused(s, () => Ln.TryCreate(s.Admin, s.StoreId, paid, null), HttpStatusCode.BadRequest, "", "duplicate-destination",
            "the invoice of a Completed payout");
        Assert.Single(s.Network.PaymentsSettled(Ln.PaymentHash(paid)));

        // Cancelled, the hash is free again.
        var unpaid = s.Invoice("shop", 1_300_000);
        var cancelled = (await Ln.TryCreate(s.Admin, s.StoreId, unpaid, null, approved: false)).Json["id"]!.GetValue<string>();
        await Http.Expect(await Http.Cancel(s.Admin, s.StoreId, cancelled), HttpStatusCode.OK);
        var again = await Ln.TryCreate(s.Admin, s.StoreId, unpaid, null, approved: false);
        Assert.True(again.Status == HttpStatusCode.OK, again.Text);
    }

    // Proves: a claim on a pull payment whose BOLT11Expiration is 30 days is 422 invalid-destination when its invoice
    // expires in 29 days (nothing written), and accepted with 31 days left, its amount (in the pull payment's BTC) taken from the invoice.
    [Fact]
    public async Task AClaimsInvoiceMustStayPayableForThePullPaymentsBoltElevenExpiration()
    {
        await using var s = await LightningStack.Start();
        var body = JsonSerializer.Serialize(new { name = "refunds", amount = "0.01", currency = "BTC", payoutMethods = new[] { Ln.Method } });
        var pp = await Http.Expect(await s.Admin.PostAsync($"/api/v1/stores/{s.StoreId}/pull-payments", Http.Json(body)), HttpStatusCode.OK);
        Assert.Equal(30, pp["BOLT11Expiration"]!.GetValue<int>());
        var ppId = pp["id"]!.GetValue<string>();

        var tooSoon = s.Invoice("claimer", 2_000_000, TimeSpan.FromDays(29));
        await AssertRefused(s, () => Claim(s.Admin, ppId, tooSoon), HttpStatusCode.UnprocessableEntity, "destination", "invalid-destination",
            "an invoice with 29 days left on a 30-day pull payment");

        var enough = s.Invoice("claimer", 2_000_000, TimeSpan.FromDays(31));
        var claimed = await Claim(s.Admin, ppId, enough);
        Assert.True(claimed.Status is HttpStatusCode.OK or HttpStatusCode.Created, claimed.Text);
        Assert.Equal("0.00002", claimed.Json["originalAmount"]!.ToString());
        Assert.Equal(ppId, claimed.Json["pullPaymentId"]!.GetValue<string>());
    }
}

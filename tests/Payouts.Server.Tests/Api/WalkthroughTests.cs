using System.Net;
using Payouts.Server.Tests.Support;
using static Payouts.Server.Tests.Support.Http;

namespace Payouts.Server.Tests.Api;

/// <summary>The README's walkthrough, step by step, on each engine.</summary>
public sealed class WalkthroughTests
{
    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task CreateStorePayoutApproveAndReadItBack(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();

        var health = await Get(admin, "/health");
        Assert.Equal("ok", health["status"]!.GetValue<string>());

        var storeId = await CreateStore(admin, "My shop");
        var created = await Expect(await admin.PostAsync($"/api/v1/stores/{storeId}/payouts", Json(
            """{"destination":"bcrt1qxhp8wq0rr6xrpmjh8uqu4wvxwmy7xu3ln8ymhq","amount":"0.0015","payoutMethodId":"BTC-CHAIN","metadata":{"source":"walkthrough"}}""")),
            HttpStatusCode.OK);
        var payoutId = created["id"]!.GetValue<string>();
        Assert.Equal("AwaitingApproval", created["state"]!.GetValue<string>());
        Assert.Equal(0, created["revision"]!.GetValue<int>());
        Assert.Equal("0.0015", created["originalAmount"]!.GetValue<string>());
        Assert.Null(created["payoutAmount"]);
        Assert.Equal("walkthrough", created["metadata"]!["source"]!.GetValue<string>());

        var approved = await Expect(await Approve(admin, storeId, payoutId, 0), HttpStatusCode.OK);
        Assert.Equal("AwaitingPayment", approved["state"]!.GetValue<string>());
        Assert.Equal(1, approved["revision"]!.GetValue<int>());
        Assert.Equal("0.0015", approved["payoutAmount"]!.GetValue<string>());

        var fetched = await Get(admin, $"/api/v1/stores/{storeId}/payouts/{payoutId}");
        Assert.Equal(approved.ToJsonString(), fetched.ToJsonString());

        var events = await Events(admin, storeId, payoutId);
        Assert.Equal(2, events.Count);
        Assert.Equal("AwaitingApproval", events[0]!["to"]!.GetValue<string>());
        Assert.Equal("AwaitingPayment", events[1]!["to"]!.GetValue<string>());
        Assert.False(events[1]!["processorAuto"]!.GetValue<bool>());
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task CancelThenReuseTheDestination(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var first = await CreatePayout(admin, storeId, Address(1));

        var duplicate = await Expect(await admin.PostAsync($"/api/v1/stores/{storeId}/payouts",
            Json($$"""{"destination":"{{Address(1)}}","amount":"0.002","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.BadRequest);
        Assert.Equal("duplicate-destination", duplicate["code"]!.GetValue<string>());

        var cancelled = await Expect(await Cancel(admin, storeId, first["id"]!.GetValue<string>()), HttpStatusCode.OK);
        Assert.Equal("Cancelled", cancelled["state"]!.GetValue<string>());
        var again = await CreatePayout(admin, storeId, Address(1));
        Assert.Equal("AwaitingApproval", again["state"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task MarkPaidCompletesAnApprovedPayoutAndIsIdempotent(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var payout = await CreatePayout(admin, storeId, Address(2), approved: true);
        var id = payout["id"]!.GetValue<string>();
        Assert.Equal("AwaitingPayment", payout["state"]!.GetValue<string>());

        var paid = await Expect(await MarkPaid(admin, storeId, id), HttpStatusCode.OK);
        Assert.Equal("Completed", paid["state"]!.GetValue<string>());
        var again = await Expect(await MarkPaid(admin, storeId, id), HttpStatusCode.OK);
        Assert.Equal(paid["revision"]!.GetValue<int>(), again["revision"]!.GetValue<int>());

        var cancel = await Expect(await Cancel(admin, storeId, id), HttpStatusCode.BadRequest);
        Assert.Equal("invalid-state", cancel["code"]!.GetValue<string>());
        Assert.Equal(2, (await Events(admin, storeId, id)).Count);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ApproveWithStaleRevisionReturnsOldRevision(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var id = (await CreatePayout(admin, storeId, Address(3)))["id"]!.GetValue<string>();

        var stale = await Expect(await Approve(admin, storeId, id, 7), HttpStatusCode.BadRequest);
        Assert.Equal("old-revision", stale["code"]!.GetValue<string>());
        var state = await node.Probe().Payout(id);
        Assert.Equal(("AwaitingApproval", 0), state);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ApprovalRoundsThePayoutAmountUp(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var created = await Expect(await admin.PostAsync($"/api/v1/stores/{storeId}/payouts",
            Json($$"""{"destination":"{{Address(4)}}","amount":"0.000010001","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.OK);
        var approved = await Expect(await Approve(admin, storeId, created["id"]!.GetValue<string>(), 0), HttpStatusCode.OK);
        Assert.Equal("0.00001001", approved["payoutAmount"]!.GetValue<string>());
        Assert.Equal("0.000010001", approved["originalAmount"]!.GetValue<string>());
    }
}

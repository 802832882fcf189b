using System.Net;
using Payouts.Server.Tests.Support;
using static Payouts.Server.Tests.Support.Http;

namespace Payouts.Server.Tests.Api;

/// <summary>Greenfield pull-payment behaviours over HTTP: claim limits, remaining balance, reclaim after cancel.</summary>
public sealed class PullPaymentTests
{
    private static async Task<(InProcessNode Node, HttpClient Admin, string StoreId, string PullPaymentId)> Setup(string engine, string body)
    {
        var node = await InProcessNode.Create(engine);
        var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var pp = await Expect(await admin.PostAsync($"/api/v1/stores/{storeId}/pull-payments", Json(body)), HttpStatusCode.OK);
        return (node, admin, storeId, pp["id"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ClaimsStayWithinTheLimitAndAClaimWithoutAmountTakesTheRest(string engine)
    {
        var (node, admin, storeId, ppId) = await Setup(engine, """{"name":"Bounty","amount":"0.01","currency":"BTC"}""");
        await using var _ = node;
        using var anonymous = node.CreateClient();

        var pp = await Get(anonymous, $"/api/v1/pull-payments/{ppId}");
        Assert.Equal("0.01", pp["amount"]!.GetValue<string>());
        Assert.Equal(30, pp["BOLT11Expiration"]!.GetValue<int>());

        var first = await Expect(await anonymous.PostAsync($"/api/v1/pull-payments/{ppId}/payouts",
            Json($$"""{"destination":"{{Address(1)}}","amount":"0.004","payoutMethodId":"BTC"}""")), HttpStatusCode.OK);
        Assert.Equal("AwaitingApproval", first["state"]!.GetValue<string>());
        Assert.Equal("BTC-CHAIN", first["payoutMethodId"]!.GetValue<string>());
        Assert.Equal(ppId, first["pullPaymentId"]!.GetValue<string>());

        var over = await Expect(await anonymous.PostAsync($"/api/v1/pull-payments/{ppId}/payouts",
            Json($$"""{"destination":"{{Address(2)}}","amount":"0.0061","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.BadRequest);
        Assert.Equal("overdraft", over["code"]!.GetValue<string>());

        var rest = await Expect(await anonymous.PostAsync($"/api/v1/pull-payments/{ppId}/payouts",
            Json($$"""{"destination":"{{Address(2)}}","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.OK);
        Assert.Equal("0.006", rest["originalAmount"]!.GetValue<string>());

        var empty = await Expect(await anonymous.PostAsync($"/api/v1/pull-payments/{ppId}/payouts",
            Json($$"""{"destination":"{{Address(3)}}","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.BadRequest);
        Assert.Equal("overdraft", empty["code"]!.GetValue<string>());

        // Cancelling a claim returns its amount to the pull payment, and frees its destination.
        await Expect(await Cancel(admin, storeId, first["id"]!.GetValue<string>()), HttpStatusCode.OK);
        var reclaimed = await Expect(await anonymous.PostAsync($"/api/v1/pull-payments/{ppId}/payouts",
            Json($$"""{"destination":"{{Address(1)}}","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.OK);
        Assert.Equal("0.004", reclaimed["originalAmount"]!.GetValue<string>());

        var viaPp = await Get(anonymous, $"/api/v1/pull-payments/{ppId}/payouts/{reclaimed["id"]!.GetValue<string>()}");
        Assert.Equal(reclaimed.ToJsonString(), viaPp.ToJsonString());
        admin.Dispose();
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task DuplicateDestinationIsRefusedBeforeOverdraft(string engine)
    {
        var (node, admin, _, ppId) = await Setup(engine, """{"amount":"0.001","currency":"BTC"}""");
        await using var _n = node;
        using var _a = admin;
        using var anonymous = node.CreateClient();
        await Expect(await anonymous.PostAsync($"/api/v1/pull-payments/{ppId}/payouts",
            Json($$"""{"destination":"{{Address(5)}}","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.OK);
        var again = await Expect(await anonymous.PostAsync($"/api/v1/pull-payments/{ppId}/payouts",
            Json($$"""{"destination":"{{Address(5)}}","amount":"5","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.BadRequest);
        Assert.Equal("duplicate-destination", again["code"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task AutoApprovedClaimsAwaitPaymentWithTheirAmountSet(string engine)
    {
        var (node, admin, _, ppId) = await Setup(engine, """{"amount":"100000","currency":"SATS","autoApproveClaims":true}""");
        await using var _n = node;
        using var _a = admin;
        using var anonymous = node.CreateClient();
        var claim = await Expect(await anonymous.PostAsync($"/api/v1/pull-payments/{ppId}/payouts",
            Json($$"""{"destination":"{{Address(6)}}","amount":"2500","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.OK);
        Assert.Equal("AwaitingPayment", claim["state"]!.GetValue<string>());
        Assert.Equal("SATS", claim["originalCurrency"]!.GetValue<string>());
        Assert.Equal("0.000025", claim["payoutAmount"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ClaimsOutsideTheWindowOrArchivedAreRefused(string engine)
    {
        var future = DateTimeOffset.UtcNow.AddDays(10).ToUnixTimeSeconds();
        var (node, admin, _, ppId) = await Setup(engine, $$"""{"amount":"1","currency":"BTC","startsAt":{{future}}}""");
        await using var _n = node;
        using var _a = admin;
        using var anonymous = node.CreateClient();
        var early = await Expect(await anonymous.PostAsync($"/api/v1/pull-payments/{ppId}/payouts",
            Json($$"""{"destination":"{{Address(7)}}","payoutMethodId":"BTC-CHAIN"}""")), HttpStatusCode.BadRequest);
        Assert.Equal("not-started", early["code"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task StoreRouteCanCreateAnApprovedPayoutAgainstAPullPayment(string engine)
    {
        var (node, admin, storeId, ppId) = await Setup(engine, """{"amount":"0.5","currency":"BTC"}""");
        await using var _n = node;
        using var _a = admin;
        var payout = await Expect(await admin.PostAsync($"/api/v1/stores/{storeId}/payouts",
            Json($$"""{"destination":"{{Address(8)}}","payoutMethodId":"BTC-CHAIN","pullPaymentId":"{{ppId}}","approved":true}""")), HttpStatusCode.OK);
        Assert.Equal("AwaitingPayment", payout["state"]!.GetValue<string>());
        Assert.Equal("0.5", payout["payoutAmount"]!.GetValue<string>());

        var otherStore = await CreateStore(admin, "Other");
        var foreign = await Expect(await admin.PostAsync($"/api/v1/stores/{otherStore}/payouts",
            Json($$"""{"destination":"{{Address(9)}}","payoutMethodId":"BTC-CHAIN","pullPaymentId":"{{ppId}}"}""")), HttpStatusCode.NotFound);
        Assert.Equal("pullpayment-not-found", foreign["code"]!.GetValue<string>());
    }
}

using System.Text;
using System.Text.Json.Nodes;
using Payouts.Contracts;
using Payouts.Core.Webhooks;

namespace Payouts.Core.Tests.Webhooks;

/// <summary>BTCPay's webhook rules: which change is which event, the signature, the retry schedule, the body.</summary>
public sealed class WebhookRulesTests
{
    [Theory]
    [InlineData(null, PayoutState.AwaitingApproval, "PayoutCreated")]
    [InlineData(null, PayoutState.AwaitingPayment, "PayoutCreated")]
    [InlineData(PayoutState.AwaitingApproval, PayoutState.AwaitingPayment, "PayoutApproved")]
    [InlineData(PayoutState.AwaitingApproval, PayoutState.Cancelled, "PayoutUpdated")]
    [InlineData(PayoutState.AwaitingPayment, PayoutState.InProgress, "PayoutUpdated")]
    [InlineData(PayoutState.InProgress, PayoutState.AwaitingPayment, "PayoutUpdated")]
    [InlineData(PayoutState.InProgress, PayoutState.Completed, "PayoutUpdated")]
    public void EachChangeIsOneEvent(PayoutState? from, PayoutState to, string type) => Assert.Equal(type, WebhookEventTypes.For(from, to));

    [Fact]
    public void TheSignatureIsTheLowercaseHexHmacSha256OfTheBody() =>
        // RFC 4231, test case 2.
        Assert.Equal("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            WebhookSignature.Sign("Jefe", Encoding.UTF8.GetBytes("what do ya want for nothing?")));

    [Fact]
    public void AGeneratedSecretIs32RandomBytesBase64Url()
    {
        var a = WebhookSignature.NewSecret();
        Assert.Equal(43, a.Length);
        Assert.All(a, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
        Assert.NotEqual(a, WebhookSignature.NewSecret());
    }

    [Fact]
    public void RetriesFollowBtcpaysScheduleThenGiveUp()
    {
        var waits = Enumerable.Range(1, 9).Select(n => WebhookRetry.After(n, 500, automaticRedelivery: true)).ToList();
        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), .. Enumerable.Repeat<TimeSpan?>(TimeSpan.FromMinutes(10), 6), null], waits);
        Assert.Null(WebhookRetry.After(1, 500, automaticRedelivery: false));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(400, false)]
    [InlineData(404, false)]
    [InlineData(410, false)]
    [InlineData(301, false)]
    public void OnlyAnswersThatMayChangeAreRetried(int? status, bool retried) =>
        Assert.Equal(retried, WebhookRetry.After(1, status, automaticRedelivery: true) is not null);

    [Theory]
    [InlineData("https://example.com/hook", true)]
    [InlineData("http://127.0.0.1:8080/x?y=1", true)]
    [InlineData("ftp://example.com/x", false)]
    [InlineData("/relative", false)]
    [InlineData("example.com", false)]
    [InlineData("", false)]
    public void AWebhookUrlIsAbsoluteHttpOrHttps(string url, bool valid) => Assert.Equal(valid, Webhook.IsValidUrl(url));

    [Fact]
    public void ARedeliveryKeepsTheEventAndNamesTheOriginal()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var body = WebhookEventBody.Build("d1", "w1", "d1", false, "PayoutApproved", at, "s1", "p1", "pp1", "AwaitingPayment");
        var again = JsonNode.Parse(WebhookEventBody.AsRedelivery(body, "d2", "d1", at.AddHours(1)))!;
        Assert.Equal("d2", again["deliveryId"]!.GetValue<string>());
        Assert.Equal("d1", again["originalDeliveryId"]!.GetValue<string>());
        Assert.True(again["isRedelivery"]!.GetValue<bool>());
        Assert.Equal(1_700_003_600, again["timestamp"]!.GetValue<long>());
        foreach (var (key, value) in new[] { ("webhookId", "w1"), ("type", "PayoutApproved"), ("storeId", "s1"), ("payoutId", "p1"),
                     ("pullPaymentId", "pp1"), ("payoutState", "AwaitingPayment") })
            Assert.Equal(value, again[key]!.GetValue<string>());
    }
}

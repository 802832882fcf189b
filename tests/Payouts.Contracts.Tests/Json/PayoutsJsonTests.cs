using System.Text.Json;
using Payouts.Contracts.Json;
using Payouts.Contracts.Wire;

namespace Payouts.Contracts.Tests.Json;

public sealed class PayoutsJsonTests
{
    private static T? Read<T>(string json) => JsonSerializer.Deserialize<T>(json, PayoutsJson.Options);

    [Fact]
    public void OptionsAreReadOnly()
    {
        Assert.True(PayoutsJson.Options.IsReadOnly);
        Assert.Throws<InvalidOperationException>(() => PayoutsJson.Options.MaxDepth = 1000);
    }

    [Fact]
    public void RequestWithKnownMembersIsRead()
    {
        var request = Read<CreatePayoutThroughStoreRequest>(
            "{\"destination\":\"bc1q\",\"amount\":\"0.1\",\"payoutMethodId\":\"BTC-CHAIN\",\"pullPaymentId\":null,\"approved\":true,\"metadata\":{\"a\":1}}");

        Assert.NotNull(request);
        Assert.Equal("bc1q", request.Destination);
        Assert.Equal(0.1m, request.Amount);
        Assert.Equal("BTC-CHAIN", request.PayoutMethodId);
        Assert.Null(request.PullPaymentId);
        Assert.True(request.Approved);
        Assert.Equal(1, request.Metadata!.Value.GetProperty("a").GetInt32());
    }

    [Fact]
    public void MemberNamesAreCaseInsensitive()
    {
        Assert.Equal("bc1q", Read<CreatePayoutThroughStoreRequest>("{\"Destination\":\"bc1q\"}")!.Destination);
    }

    [Theory]
    [InlineData("{\"destination\":\"bc1q\",\"amont\":\"0.1\"}")]
    [InlineData("{\"paymentMethod\":\"BTC\"}")]
    [InlineData("{\"metadata\":{},\"extra\":null}")]
    public void UnknownMemberIsRefused(string json)
    {
        Assert.Throws<JsonException>(() => Read<CreatePayoutThroughStoreRequest>(json));
    }

    [Theory]
    [InlineData("{\"amount\":1e5}")]
    [InlineData("{\"approved\":\"true\"}")]
    [InlineData("{\"destination\":\"bc1q\",}")] // trailing comma
    [InlineData("{/* comment */\"destination\":\"bc1q\"}")]
    public void LooseJsonIsRefused(string json)
    {
        Assert.Throws<JsonException>(() => Read<CreatePayoutThroughStoreRequest>(json));
    }

    [Fact]
    public void NestingDeeperThanDepthMaxIsRefused()
    {
        string Nested(int depth) => "{\"metadata\":" + string.Concat(Enumerable.Repeat("[", depth - 1)) + string.Concat(Enumerable.Repeat("]", depth - 1)) + "}";

        Assert.NotNull(Read<CreatePayoutThroughStoreRequest>(Nested(PayoutsJson.DepthMax)));
        Assert.Throws<JsonException>(() => Read<CreatePayoutThroughStoreRequest>(Nested(PayoutsJson.DepthMax + 1)));
    }

    [Theory]
    [InlineData("\"AwaitingPayment\"", PayoutState.AwaitingPayment)]
    [InlineData("\"Completed\"", PayoutState.Completed)]
    public void EnumIsReadByName(string json, PayoutState expected)
    {
        Assert.Equal(expected, Read<MarkPayoutRequest>($"{{\"state\":{json}}}")!.State);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("\"1\"")]
    [InlineData("\"Paid\"")]
    public void EnumIntegerOrUnknownNameIsRefused(string json)
    {
        Assert.Throws<JsonException>(() => Read<MarkPayoutRequest>($"{{\"state\":{json}}}"));
        Assert.Throws<JsonException>(() => Read<PayoutState>(json));
    }

    [Fact]
    public void EnumIsWrittenByName()
    {
        Assert.Equal("\"AwaitingApproval\"", JsonSerializer.Serialize(PayoutState.AwaitingApproval, PayoutsJson.Options));
    }

    [Fact]
    public void PayoutDataIsWrittenInGreenfieldShape()
    {
        var payout = new PayoutData
        {
            Id = "p1",
            Revision = 2,
            PullPaymentId = null,
            Date = new DateTimeOffset(2025, 3, 14, 15, 9, 26, TimeSpan.Zero),
            Destination = "bc1q",
            OriginalCurrency = "BTC",
            OriginalAmount = 0.00150m,
            PayoutCurrency = "BTC",
            PayoutAmount = null,
            PayoutMethodId = PayoutMethodId.BtcLightning,
            State = PayoutState.AwaitingApproval,
        };

        Assert.Equal(
            "{\"id\":\"p1\",\"revision\":2,\"pullPaymentId\":null,\"date\":1741964966,\"destination\":\"bc1q\"," +
            "\"originalCurrency\":\"BTC\",\"originalAmount\":\"0.0015\",\"payoutCurrency\":\"BTC\",\"payoutAmount\":null," +
            "\"payoutMethodId\":\"BTC-LN\",\"state\":\"AwaitingApproval\",\"paymentProof\":null,\"metadata\":null,\"errorCount\":0}",
            JsonSerializer.Serialize(payout, PayoutsJson.Options));
    }

    [Fact]
    public void ValidationEntryWithoutCodeKeepsGreenfieldShape()
    {
        Assert.Equal("{\"path\":\"amount\",\"message\":\"The amount is required.\"}",
            JsonSerializer.Serialize(new GreenfieldValidationError("amount", "The amount is required."), PayoutsJson.Options));
    }

    [Fact]
    public void ValidationEntryWithCodeWritesItLast()
    {
        Assert.Equal("{\"path\":\"destination\",\"message\":\"The destination has an invalid checksum.\",\"code\":\"invalid-destination\"}",
            JsonSerializer.Serialize(new GreenfieldValidationError("destination", "The destination has an invalid checksum.", "invalid-destination"),
                PayoutsJson.Options));
    }
}

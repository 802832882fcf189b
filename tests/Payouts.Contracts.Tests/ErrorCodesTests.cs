namespace Payouts.Contracts.Tests;

public sealed class ErrorCodesTests
{
    [Fact]
    public void EveryErrorCodeAppearsExactlyOnce()
    {
        var codes = Enum.GetValues<ErrorCode>();

        Assert.Equal(codes.Length, ErrorCodes.All.Count);
        Assert.All(codes, code => Assert.Single(ErrorCodes.All, e => e.Code == code));
    }

    [Fact]
    public void WireCodesAreUniqueLowercaseKebab()
    {
        Assert.Equal(ErrorCodes.All.Count, ErrorCodes.All.Select(e => e.Wire).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(ErrorCodes.All, e =>
            Assert.Matches("^[a-z]+(-[a-z]+)*$", e.Wire));
    }

    [Fact]
    public void StatusesAreClientOrServerErrors()
    {
        Assert.All(ErrorCodes.All, e => Assert.InRange(e.HttpStatus, 400, 599));
    }

    [Fact]
    public void EveryCodeHasMessage()
    {
        Assert.All(ErrorCodes.All, e => Assert.False(string.IsNullOrWhiteSpace(e.Message), e.Wire));
        Assert.Equal(ErrorCodes.All.Count, ErrorCodes.All.Select(e => e.Message).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void GetReturnsTableEntryForEveryCode()
    {
        Assert.All(ErrorCodes.All, e => Assert.Same(e, ErrorCodes.Get(e.Code)));
    }

    [Fact]
    public void GetOfUnmappedCodeThrows()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ErrorCodes.Get((ErrorCode)9999));
    }

    /// <summary>
    /// The wire is a contract: clients match on these codes (Greenfield's where it has one) and on the numbers
    /// stored or logged. "Append new members; never renumber."
    /// </summary>
    [Theory]
    [InlineData(ErrorCode.InvalidState, 1, "invalid-state", 400)]
    [InlineData(ErrorCode.OldRevision, 2, "old-revision", 400)]
    [InlineData(ErrorCode.AmountTooLow, 3, "amount-too-low", 400)]
    [InlineData(ErrorCode.RateUnavailable, 4, "rate-unavailable", 400)]
    [InlineData(ErrorCode.ProcessorActive, 5, "processor-active", 400)]
    [InlineData(ErrorCode.Archived, 10, "archived", 400)]
    [InlineData(ErrorCode.Expired, 11, "expired", 400)]
    [InlineData(ErrorCode.NotStarted, 12, "not-started", 400)]
    [InlineData(ErrorCode.PaymentMethodNotSupported, 13, "payment-method-not-supported", 400)]
    [InlineData(ErrorCode.DuplicateDestination, 14, "duplicate-destination", 400)]
    [InlineData(ErrorCode.Overdraft, 15, "overdraft", 400)]
    [InlineData(ErrorCode.StoreNotFound, 20, "store-not-found", 404)]
    [InlineData(ErrorCode.PayoutNotFound, 21, "payout-not-found", 404)]
    [InlineData(ErrorCode.PullPaymentNotFound, 22, "pullpayment-not-found", 404)]
    [InlineData(ErrorCode.NotFound, 23, "not-found", 404)]
    [InlineData(ErrorCode.InvalidJson, 30, "invalid-json", 400)]
    [InlineData(ErrorCode.BodyTooLarge, 31, "body-too-large", 413)]
    [InlineData(ErrorCode.UnsupportedMediaType, 32, "unsupported-media-type", 415)]
    [InlineData(ErrorCode.ConcurrentUpdate, 33, "concurrent-update", 409)]
    [InlineData(ErrorCode.InvalidRequest, 34, "invalid-request", 400)]
    [InlineData(ErrorCode.InvalidDestination, 35, "invalid-destination", 422)]
    [InlineData(ErrorCode.Unauthenticated, 40, "unauthenticated", 401)]
    [InlineData(ErrorCode.MissingPermission, 41, "missing-permission", 403)]
    [InlineData(ErrorCode.ServiceUnavailable, 50, "service-unavailable", 503)]
    [InlineData(ErrorCode.InvalidIdempotencyKey, 60, "invalid-idempotency-key", 400)]
    [InlineData(ErrorCode.IdempotencyKeyReused, 61, "idempotency-key-reused", 422)]
    [InlineData(ErrorCode.IdempotencyKeyInUse, 62, "idempotency-key-in-use", 409)]
    [InlineData(ErrorCode.StoreHasPendingPayouts, 70, "store-has-pending-payouts", 409)]
    [InlineData(ErrorCode.ProcessorNotFound, 71, "processor-not-found", 404)]
    [InlineData(ErrorCode.RailBusy, 80, "rail-busy", 409)]
    [InlineData(ErrorCode.RailNotFound, 81, "rail-not-found", 404)]
    [InlineData(ErrorCode.WebhookNotFound, 90, "webhook-not-found", 404)]
    [InlineData(ErrorCode.WebhookDeliveryNotFound, 91, "webhookdelivery-not-found", 404)]
    [InlineData(ErrorCode.ApiKeyNotFound, 72, "apikey-not-found", 404)]
    public void WireContractIsStable(ErrorCode code, int number, string wire, int status)
    {
        Assert.Equal(number, (int)code);
        var info = ErrorCodes.Get(code);
        Assert.Equal(wire, info.Wire);
        Assert.Equal(status, info.HttpStatus);
    }

    [Fact]
    public void StabilityTableListsEveryCode()
    {
        var pinned = typeof(ErrorCodesTests).GetMethod(nameof(WireContractIsStable))!
            .GetCustomAttributes(typeof(InlineDataAttribute), inherit: false)
            .Cast<InlineDataAttribute>()
            .Select(a => (ErrorCode)a.GetData(null!).Single()[0])
            .ToHashSet();

        Assert.True(pinned.SetEquals(Enum.GetValues<ErrorCode>()), "pin every new ErrorCode in WireContractIsStable");
    }
}

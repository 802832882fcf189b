using System.Collections.Frozen;

namespace Payouts.Contracts;

public sealed record ErrorInfo(ErrorCode Code, string Wire, int HttpStatus, string Message);

/// <summary>The one table from <see cref="ErrorCode"/> to wire code, HTTP status and message.</summary>
public static class ErrorCodes
{
    private static readonly ErrorInfo[] Table =
    [
        new(ErrorCode.InvalidState, "invalid-state", 400, "The payout is not in a state that allows this."),
        new(ErrorCode.OldRevision, "old-revision", 400, "The payout was changed since this revision; fetch it again and retry with its current revision."),
        new(ErrorCode.AmountTooLow, "amount-too-low", 400, "The amount is below the minimum for this payout method or pull payment."),
        new(ErrorCode.RateUnavailable, "rate-unavailable", 400, "No rate is available to convert the payout's currency to the payout method's currency."),
        new(ErrorCode.ProcessorActive, "processor-active", 400, "An automated payout processor is enabled for this store and payout method; it moves the money, not a manual action."),
        new(ErrorCode.Archived, "archived", 400, "The pull payment is archived."),
        new(ErrorCode.Expired, "expired", 400, "The pull payment has expired."),
        new(ErrorCode.NotStarted, "not-started", 400, "The pull payment has not started yet."),
        new(ErrorCode.PaymentMethodNotSupported, "payment-method-not-supported", 400, "This payout method is not supported here."),
        new(ErrorCode.DuplicateDestination, "duplicate-destination", 400, "This destination already has an active payout in this store."),
        new(ErrorCode.Overdraft, "overdraft", 400, "The amount exceeds what remains of the pull payment."),
        new(ErrorCode.StoreNotFound, "store-not-found", 404, "The store was not found."),
        new(ErrorCode.PayoutNotFound, "payout-not-found", 404, "The payout was not found."),
        new(ErrorCode.PullPaymentNotFound, "pullpayment-not-found", 404, "The pull payment was not found."),
        new(ErrorCode.NotFound, "not-found", 404, "Nothing is at this path."),
        new(ErrorCode.InvalidJson, "invalid-json", 400, "The request body is not valid JSON."),
        new(ErrorCode.BodyTooLarge, "body-too-large", 413, "The request body is larger than allowed."),
        new(ErrorCode.UnsupportedMediaType, "unsupported-media-type", 415, "The request body must be application/json."),
        new(ErrorCode.ConcurrentUpdate, "concurrent-update", 409, "The payout kept changing while this request was applied; retry."),
        new(ErrorCode.InvalidRequest, "invalid-request", 400, "The request is not valid."),
        new(ErrorCode.InvalidDestination, "invalid-destination", 422, "The destination is not valid for this payout method."),
        new(ErrorCode.Unauthenticated, "unauthenticated", 401, "Authentication is required: send 'Authorization: token <api key>'."),
        new(ErrorCode.MissingPermission, "missing-permission", 403, "The API key does not have the permission this request needs."),
        new(ErrorCode.ServiceUnavailable, "service-unavailable", 503, "The service is temporarily unavailable; retry later."),
        new(ErrorCode.InvalidIdempotencyKey, "invalid-idempotency-key", 400, "The Idempotency-Key header must be one value of 1 to 255 visible ASCII characters."),
        new(ErrorCode.IdempotencyKeyReused, "idempotency-key-reused", 422, "This Idempotency-Key was already used with a different request."),
        new(ErrorCode.IdempotencyKeyInUse, "idempotency-key-in-use", 409, "A request with this Idempotency-Key is still being processed; retry later."),
        new(ErrorCode.StoreHasPendingPayouts, "store-has-pending-payouts", 409, "The store still has approved payouts that are not completed; cancel or complete them first."),
        new(ErrorCode.ProcessorNotFound, "processor-not-found", 404, "No such payout processor is configured."),
        new(ErrorCode.ApiKeyNotFound, "apikey-not-found", 404, "The API key was not found."),
        new(ErrorCode.RailBusy, "rail-busy", 409, "A send attempt through the current rail is unfinished; only that rail can finish it. Retry once its payouts are completed or waiting again."),
        new(ErrorCode.RailNotFound, "rail-not-found", 404, "No rail is configured for this payout method; the store sends through the sandbox."),
        new(ErrorCode.WebhookNotFound, "webhook-not-found", 404, "The webhook was not found."),
        new(ErrorCode.WebhookDeliveryNotFound, "webhookdelivery-not-found", 404, "The webhook delivery was not found."),
    ];

    private static readonly FrozenDictionary<ErrorCode, ErrorInfo> ByCode = Table.ToFrozenDictionary(e => e.Code);

    public static IReadOnlyList<ErrorInfo> All => Table;

    public static ErrorInfo Get(ErrorCode code) =>
        ByCode.TryGetValue(code, out var info) ? info : throw new ArgumentOutOfRangeException(nameof(code), code, "unmapped error code");
}

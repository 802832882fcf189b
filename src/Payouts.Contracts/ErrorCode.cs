namespace Payouts.Contracts;

/// <summary>
/// Every refusal the API can answer with. The wire code, HTTP status and default message of each
/// live in <see cref="ErrorCodes"/> and nowhere else. Append new members; never renumber.
/// </summary>
public enum ErrorCode
{
    // Payout lifecycle (Greenfield's well-known codes).
    InvalidState = 1,
    OldRevision = 2,
    AmountTooLow = 3,
    RateUnavailable = 4,
    ProcessorActive = 5,

    // Claims against a pull payment, in the order Greenfield checks them.
    Archived = 10,
    Expired = 11,
    NotStarted = 12,
    PaymentMethodNotSupported = 13,
    DuplicateDestination = 14,
    Overdraft = 15,

    // Lookups.
    StoreNotFound = 20,
    PayoutNotFound = 21,
    PullPaymentNotFound = 22,
    NotFound = 23,

    // Requests.
    InvalidJson = 30,
    BodyTooLarge = 31,
    UnsupportedMediaType = 32,
    ConcurrentUpdate = 33,
    InvalidRequest = 34,
    /// <summary>The code of a 422 entry (not a body of its own): the destination is not valid for the method.</summary>
    InvalidDestination = 35,

    // Authentication and authorization.
    Unauthenticated = 40,
    MissingPermission = 41,

    ServiceUnavailable = 50,

    // Idempotency-Key (beyond Greenfield).
    InvalidIdempotencyKey = 60,
    IdempotencyKeyReused = 61,
    IdempotencyKeyInUse = 62,

    // Added with the full API.
    StoreHasPendingPayouts = 70,
    ProcessorNotFound = 71,
    ApiKeyNotFound = 72,

    // Rails (issue 5).
    RailBusy = 80,
    RailNotFound = 81,

    // Webhooks.
    WebhookNotFound = 90,
    WebhookDeliveryNotFound = 91,
}

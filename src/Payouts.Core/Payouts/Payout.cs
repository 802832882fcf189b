using Payouts.Contracts;

namespace Payouts.Core.Payouts;

/// <summary>A payout as stored. Immutable: a change is a new value with <see cref="Revision"/> + 1.</summary>
public sealed record Payout
{
    public required string Id { get; init; }
    public required string StoreId { get; init; }
    public string? PullPaymentId { get; init; }
    public required PayoutMethodId MethodId { get; init; }
    public required string Destination { get; init; }
    public required decimal OriginalAmount { get; init; }
    public required string OriginalCurrency { get; init; }
    public required string PayoutCurrency { get; init; }

    /// <summary>Set at approval: <see cref="OriginalAmount"/> × <see cref="Rate"/>, rounded up to the method's divisibility.</summary>
    public decimal? PayoutAmount { get; init; }
    public decimal? Rate { get; init; }

    public required PayoutState State { get; init; }
    public required int Revision { get; init; }

    /// <summary>Client JSON, stored as given (already validated as JSON).</summary>
    public string? MetadataJson { get; init; }
    public string? PaymentProofJson { get; init; }

    /// <summary>Failed send attempts so far (processors, later issue).</summary>
    public int ErrorCount { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Active payouts hold their destination: no second active payout may use it in the store.</summary>
    public bool IsActive => State is not (PayoutState.Completed or PayoutState.Cancelled);
}

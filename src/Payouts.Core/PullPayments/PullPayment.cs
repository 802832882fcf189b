using Payouts.Contracts;

namespace Payouts.Core.PullPayments;

/// <summary>A budget that people claim payouts from (Greenfield pull payment).</summary>
public sealed record PullPayment
{
    public const int NameLengthMax = 200;
    public const int DescriptionLengthMax = 5000;
    public const int Bolt11ExpirationDaysDefault = 30;
    public const int Bolt11ExpirationDaysMax = 3650;

    public required string Id { get; init; }
    public required string StoreId { get; init; }
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required string Currency { get; init; }

    /// <summary>The limit: the sum of its non-cancelled payouts never exceeds it.</summary>
    public required decimal Amount { get; init; }

    public DateTimeOffset? StartsAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public required bool Archived { get; init; }
    public required bool AutoApproveClaims { get; init; }
    public required int Bolt11ExpirationDays { get; init; }
    public required IReadOnlyList<PayoutMethodId> PayoutMethods { get; init; }

    /// <summary>Smallest claim accepted, in <see cref="Currency"/>; 0 means the payout method's own minimum.</summary>
    public required decimal MinimumClaim { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

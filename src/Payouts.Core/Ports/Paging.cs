using Payouts.Contracts;

namespace Payouts.Core.Ports;

/// <summary>Listings are newest first; a cursor is the last (creation time, id) of the previous page.</summary>
public sealed record PageCursor(long CreatedAtMs, string Id);

public static class Paging
{
    public const int LimitDefault = 100;
    public const int LimitMax = 1_000;
}

public sealed record PayoutListParams(
    string? StoreId,
    string? PullPaymentId,
    PayoutState? State,
    bool IncludeCancelled,
    PayoutMethodId? Method,
    DateTimeOffset? CreatedFrom,
    DateTimeOffset? CreatedTo,
    PageCursor? After,
    int Limit);

public sealed record PullPaymentListParams(
    string StoreId,
    bool IncludeArchived,
    DateTimeOffset? CreatedFrom,
    DateTimeOffset? CreatedTo,
    PageCursor? After,
    int Limit);

public sealed record ListParams(PageCursor? After, int Limit);

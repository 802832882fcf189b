namespace Payouts.Core.Stores;

/// <summary>The tenant: every payout, pull payment and processor belongs to one store.</summary>
public sealed record Store(string Id, string Name, DateTimeOffset CreatedAt)
{
    public const int NameLengthMax = 200;
}

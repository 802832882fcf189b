using Payouts.Contracts;
using Payouts.Core.Money;

namespace Payouts.Core.PullPayments;

/// <summary>What storage reads, under the pull payment's lock, before a claim is decided.</summary>
/// <param name="ClaimedTotal">Sum of the original amounts of the pull payment's payouts that are not Cancelled.</param>
/// <param name="DestinationActive">The store already has an active payout to this destination.</param>
public sealed record ClaimSnapshot(PullPayment PullPayment, decimal ClaimedTotal, bool DestinationActive);

public abstract record ClaimDecision
{
    private ClaimDecision() { }
    public sealed record Accepted(decimal Amount) : ClaimDecision;
    public sealed record Refused(ErrorCode Code, string Message) : ClaimDecision;
}

/// <summary>Claims against a pull payment, checked in Greenfield's order.</summary>
public static class ClaimRules
{
    /// <param name="method">The method as it applies to the claim's destination (<see cref="Core.PayoutMethods.For"/>).</param>
    /// <param name="amount">Null claims what remains.</param>
    public static ClaimDecision Decide(ClaimSnapshot s, PayoutMethod method, decimal? amount, DateTimeOffset now)
    {
        var pp = s.PullPayment;
        if (pp.Archived)
            return Refuse(ErrorCode.Archived, $"The pull payment {pp.Id} is archived.");
        if (pp.ExpiresAt is { } expires && expires <= now)
            return Refuse(ErrorCode.Expired, $"The pull payment {pp.Id} expired at {expires:u}.");
        if (pp.StartsAt is { } starts && starts > now)
            return Refuse(ErrorCode.NotStarted, $"The pull payment {pp.Id} starts at {starts:u}.");
        if (!pp.PayoutMethods.Contains(method.Id))
            return Refuse(ErrorCode.PaymentMethodNotSupported,
                $"The pull payment accepts {string.Join(", ", pp.PayoutMethods)}, not {method.Id}.");
        if (s.DestinationActive)
            return Refuse(ErrorCode.DuplicateDestination, ErrorCodes.Get(ErrorCode.DuplicateDestination).Message);

        var remaining = pp.Amount - s.ClaimedTotal;
        var claimed = amount ?? remaining;
        if (claimed > remaining || remaining <= 0)
            return Refuse(ErrorCode.Overdraft, $"Only {Math.Max(remaining, 0)} {pp.Currency} remains of this pull payment.");

        var minimum = MinimumClaim(pp, method);
        if (claimed <= 0 || claimed < minimum)
            return Refuse(ErrorCode.AmountTooLow, $"The amount must be at least {minimum} {pp.Currency}.");
        return new ClaimDecision.Accepted(claimed);
    }

    /// <summary>The pull payment's own minimum, and, when it pays in the method's currency, the method's minimum too.</summary>
    public static decimal MinimumClaim(PullPayment pp, PayoutMethod method)
    {
        var rate = Currencies.FixedRate(pp.Currency, method.Currency);
        var methodMinimum = rate is { } r ? method.AmountMin * r : 0m;
        return Math.Max(pp.MinimumClaim, methodMinimum);
    }

    private static ClaimDecision.Refused Refuse(ErrorCode code, string message) => new(code, message);
}

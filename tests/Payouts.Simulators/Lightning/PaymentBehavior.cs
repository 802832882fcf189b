namespace Payouts.Simulators.Lightning;

/// <summary>What happens to a payment once it reaches the network: the route's fee, and how the payee answers.</summary>
public sealed record PaymentBehavior
{
    public PaymentOutcome Outcome { get; init; } = PaymentOutcome.Succeed;

    /// <summary>The reason a <see cref="PaymentOutcome.Fail"/> payment reports.</summary>
    public LightningFailure Failure { get; init; } = LightningFailure.NoRoute;

    /// <summary>What the only route charges; above the sender's fee limit the payment fails as too expensive.</summary>
    public long RouteFeeMsat { get; init; }

    /// <summary>How long a succeeding payment stays in flight before it settles (measured on the network's clock).</summary>
    public TimeSpan SettleDelay { get; init; } = TimeSpan.Zero;

    public static PaymentBehavior Succeed(long routeFeeMsat = 0, TimeSpan? settleDelay = null) =>
        new() { RouteFeeMsat = routeFeeMsat, SettleDelay = settleDelay ?? TimeSpan.Zero };

    public static PaymentBehavior Fail(LightningFailure reason, long routeFeeMsat = 0) =>
        new() { Outcome = PaymentOutcome.Fail, Failure = reason, RouteFeeMsat = routeFeeMsat };

    /// <summary>The HTLC is accepted and held until the test calls Settle or Fail on the network.</summary>
    public static PaymentBehavior Hold(long routeFeeMsat = 0) => new() { Outcome = PaymentOutcome.Hold, RouteFeeMsat = routeFeeMsat };
}

public enum PaymentOutcome { Succeed, Fail, Hold }

namespace Payouts.Rails.Sandbox;

/// <summary>The simulated world of the sandbox rails (<c>Payouts:Sandbox</c>).</summary>
public sealed class SandboxOptions
{
    public const string Section = "Payouts:Sandbox";

    /// <summary>Seconds between simulated blocks.</summary>
    public double BlockIntervalSeconds { get; set; } = 2;

    /// <summary>Blocks after which an on-chain batch counts as confirmed (payouts Completed).</summary>
    public int Confirmations { get; set; } = 1;

    /// <summary>Fee of one on-chain batch transaction, in BTC.</summary>
    public decimal ChainFeePerBatch { get; set; } = 0.00001m;

    /// <summary>Fee of one Lightning payment, in BTC.</summary>
    public decimal LightningFeePerPayment { get; set; } = 0.00000001m;

    /// <summary>Balance each store's simulated wallet starts with, per payout method, in BTC.</summary>
    public decimal InitialBalance { get; set; } = 1000m;

    /// <summary>How long a payout with the in-flight trigger (amount ending in 102 sats) stays unsettled.</summary>
    public double InFlightMinutes { get; set; } = 2;

    public TimeSpan BlockInterval => TimeSpan.FromSeconds(BlockIntervalSeconds);
    public TimeSpan InFlight => TimeSpan.FromMinutes(InFlightMinutes);
}

/// <summary>
/// Fault triggers a user can set off in test mode through the payout amount's last three satoshi digits
/// (documented in the README): 402 insufficient funds, 400 rejected for good, 408 times out after the money
/// left, 102 stays in flight for <see cref="SandboxOptions.InFlightMinutes"/>.
/// </summary>
public enum SandboxTrigger
{
    None,
    InsufficientFunds,
    FailsDefinitively,
    TimesOutAfterSending,
    StaysInFlight,
}

public static class SandboxTriggers
{
    public static SandboxTrigger Of(decimal amountBtc) =>
        ((long)decimal.Floor(amountBtc * 100_000_000m) % 1000) switch
        {
            402 => SandboxTrigger.InsufficientFunds,
            400 => SandboxTrigger.FailsDefinitively,
            408 => SandboxTrigger.TimesOutAfterSending,
            102 => SandboxTrigger.StaysInFlight,
            _ => SandboxTrigger.None,
        };
}

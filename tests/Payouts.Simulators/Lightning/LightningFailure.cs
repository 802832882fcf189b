namespace Payouts.Simulators.Lightning;

/// <summary>Why a payment failed in the simulated network. Each node simulator maps these to its own wire form.</summary>
public enum LightningFailure
{
    /// <summary>No path to the payee could carry the payment.</summary>
    NoRoute,

    /// <summary>The payee refused the HTLC: unknown or already paid invoice, wrong amount, expired.</summary>
    IncorrectPaymentDetails,

    /// <summary>The sender gave up before any route worked.</summary>
    Timeout,

    /// <summary>A route exists but its fee is above the sender's limit. LND reports it as no route; CLN as 206.</summary>
    RouteTooExpensive,

    /// <summary>The sending node's channels cannot carry amount plus fee.</summary>
    InsufficientBalance,

    /// <summary>Anything else (LND's FAILURE_REASON_ERROR).</summary>
    Error,
}

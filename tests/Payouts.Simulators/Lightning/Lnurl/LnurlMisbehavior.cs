namespace Payouts.Simulators.Lightning.Lnurl;

/// <summary>How one user's LNURL-pay callback lies or fails, so a test can check the payer refuses what it must.</summary>
public sealed record LnurlMisbehavior
{
    /// <summary>The invoice asks for this many msat more than was requested.</summary>
    public long ExtraAmountMsat { get; init; }

    /// <summary>The invoice commits to a description hash other than SHA256(metadata).</summary>
    public bool WrongDescriptionHash { get; init; }

    /// <summary>The invoice was issued two hours ago with a ten-minute expiry.</summary>
    public bool ExpiredInvoice { get; init; }

    /// <summary>The invoice is for another chain (mainnet, or regtest when the network is mainnet).</summary>
    public bool OtherNetwork { get; init; }

    /// <summary>The callback answers HTTP 500 with a plain-text body.</summary>
    public bool Http500 { get; init; }

    /// <summary>The callback answers {"status":"ERROR","reason":…} with this reason.</summary>
    public string? ErrorReason { get; init; }

    /// <summary>The callback waits this long (real time) before answering.</summary>
    public TimeSpan Delay { get; init; }
}

/// <summary>A user of the LNURL service: its payee in the network and the amounts it accepts.</summary>
public sealed record LnurlUser(string Name, SimPayee Payee, long MinSendableMsat, long MaxSendableMsat);

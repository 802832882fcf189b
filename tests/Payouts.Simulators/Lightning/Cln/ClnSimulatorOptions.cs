using System.Security.Cryptography;
using Payouts.Core.Bitcoin;

namespace Payouts.Simulators.Lightning.Cln;

/// <summary>How a <see cref="ClnSimulator"/> starts.</summary>
public sealed record ClnSimulatorOptions
{
    /// <summary>The chain lightningd runs on; invoices for another are refused. Defaults to the network's.</summary>
    public BitcoinNetwork? Network { get; init; }

    /// <summary>Also serve the clnrest plugin's HTTP front (POST /v1/{method} with a Rune header).</summary>
    public bool Rest { get; init; }

    /// <summary>clnrest over HTTPS with a self-signed certificate, as it runs by default.</summary>
    public bool RestHttps { get; init; }

    /// <summary>The rune clnrest accepts.</summary>
    public string Rune { get; init; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(36)).Replace('+', '-').Replace('/', '_');

    public string Alias { get; init; } = "cln-sim";
    public long SpendableMsat { get; init; } = 10_000_000_000;
    public int BlockHeight { get; init; } = 800;
}

using System.Security.Cryptography;
using Payouts.Core.Bitcoin;

namespace Payouts.Simulators.Lightning.Lnd;

/// <summary>How an <see cref="LndSimulator"/> starts.</summary>
public sealed record LndSimulatorOptions
{
    /// <summary>The chain LND runs on; invoices for another are refused. Defaults to the network's.</summary>
    public BitcoinNetwork? Network { get; init; }

    /// <summary>HTTPS with a self-signed certificate (as LND's REST always is) or plain HTTP for simple tests.</summary>
    public bool Https { get; init; }

    /// <summary>The admin macaroon, hex, that every call must carry in Grpc-Metadata-macaroon.</summary>
    public string MacaroonHex { get; init; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(64));

    public string Alias { get; init; } = "lnd-sim";
    public long LocalBalanceSat { get; init; } = 10_000_000;
    public long RemoteBalanceSat { get; init; } = 5_000_000;
    public int BlockHeight { get; init; } = 800;
}

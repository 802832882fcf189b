using Payouts.Core.Bitcoin;

namespace Payouts.Simulators.Bitcoind;

/// <summary>How a <see cref="BitcoindSimulator"/> starts. Either <see cref="RpcUser"/>/<see cref="RpcPassword"/> or
/// <see cref="CookieFilePath"/> (bitcoind's <c>.cookie</c>, written as <c>__cookie__:&lt;hex&gt;</c>).</summary>
public sealed record BitcoindSimulatorOptions
{
    public BitcoinNetwork Network { get; init; } = BitcoinNetwork.Regtest;
    public string? RpcUser { get; init; } = "user";
    public string? RpcPassword { get; init; } = "pass";
    public string? CookieFilePath { get; init; }
    public IReadOnlyList<string> Wallets { get; init; } = [];

    /// <summary>Bitcoin Core persists its mempool (mempool.dat) across restarts by default; false drops it on <c>Restart</c>.</summary>
    public bool KeepMempoolOnRestart { get; init; } = true;

    /// <summary>Core 28's default (<c>-mempoolfullrbf=1</c>): a conflict replaces whether or not the original signals BIP125.</summary>
    public bool FullRbf { get; init; } = true;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

namespace Payouts.Core.Bitcoin;

/// <summary>The chains whose addresses this service tells apart. Testnet3 and testnet4 share prefixes, so they are one.</summary>
public enum BitcoinNetwork { Mainnet, Testnet, Signet, Regtest }

public static class BitcoinNetworks
{
    /// <summary>Our names, and the ones bitcoind's getblockchaininfo reports as "chain" (main, test, testnet4, signet, regtest).</summary>
    public static bool TryParse(string? text, out BitcoinNetwork network)
    {
        BitcoinNetwork? parsed = text?.Trim().ToLowerInvariant() switch
        {
            "mainnet" or "main" => BitcoinNetwork.Mainnet,
            "testnet" or "test" or "testnet4" => BitcoinNetwork.Testnet,
            "signet" => BitcoinNetwork.Signet,
            "regtest" => BitcoinNetwork.Regtest,
            _ => null,
        };
        network = parsed.GetValueOrDefault();
        return parsed is not null;
    }

    public static string Name(BitcoinNetwork network) => network switch
    {
        BitcoinNetwork.Mainnet => "mainnet",
        BitcoinNetwork.Testnet => "testnet",
        BitcoinNetwork.Signet => "signet",
        BitcoinNetwork.Regtest => "regtest",
    };
}

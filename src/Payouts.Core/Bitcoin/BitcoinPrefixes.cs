namespace Payouts.Core.Bitcoin;

/// <summary>Each network's address prefixes (Bitcoin Core's chainparams).</summary>
internal static class BitcoinPrefixes
{
    private static readonly BitcoinNetwork[] Mainnet = [BitcoinNetwork.Mainnet];
    private static readonly BitcoinNetwork[] TestnetSignet = [BitcoinNetwork.Testnet, BitcoinNetwork.Signet];
    private static readonly BitcoinNetwork[] Regtest = [BitcoinNetwork.Regtest];
    // Regtest reuses testnet's base58 versions, so Core accepts a testnet legacy address there too.
    private static readonly BitcoinNetwork[] TestnetSignetRegtest = [BitcoinNetwork.Testnet, BitcoinNetwork.Signet, BitcoinNetwork.Regtest];

    public static string Hrp(BitcoinNetwork network) => network switch
    {
        BitcoinNetwork.Mainnet => "bc",
        BitcoinNetwork.Testnet or BitcoinNetwork.Signet => "tb",
        BitcoinNetwork.Regtest => "bcrt",
    };

    public static byte PubkeyHashVersion(BitcoinNetwork network) => network == BitcoinNetwork.Mainnet ? (byte)0x00 : (byte)0x6f;

    public static byte ScriptHashVersion(BitcoinNetwork network) => network == BitcoinNetwork.Mainnet ? (byte)0x05 : (byte)0xc4;

    /// <summary>The HRP of text that starts like one of our segwit addresses (in either case), else null.</summary>
    public static string? HrpOf(string text) =>
        text.StartsWith("bc1", StringComparison.OrdinalIgnoreCase) ? "bc"
        : text.StartsWith("tb1", StringComparison.OrdinalIgnoreCase) ? "tb"
        : text.StartsWith("bcrt1", StringComparison.OrdinalIgnoreCase) ? "bcrt"
        : null;

    public static IReadOnlyList<BitcoinNetwork> NetworksOfHrp(string hrp) => hrp switch
    {
        "bc" => Mainnet,
        "tb" => TestnetSignet,
        "bcrt" => Regtest,
        _ => throw new InvariantViolationException($"NetworksOfHrp({hrp}) after HrpOf accepted it"),
    };

    public static IReadOnlyList<BitcoinNetwork>? NetworksOfPubkeyHash(byte version) => version switch
    {
        0x00 => Mainnet,
        0x6f => TestnetSignetRegtest,
        _ => null,
    };

    public static IReadOnlyList<BitcoinNetwork>? NetworksOfScriptHash(byte version) => version switch
    {
        0x05 => Mainnet,
        0xc4 => TestnetSignetRegtest,
        _ => null,
    };
}

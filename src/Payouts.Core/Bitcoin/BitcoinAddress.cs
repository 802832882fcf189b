using System.Diagnostics.CodeAnalysis;

namespace Payouts.Core.Bitcoin;

/// <summary>
/// A checked Bitcoin address: what script it pays and on which networks it is valid. Parsing needs no node, so a
/// payout to a mistyped, wrong-network or unspendable address is refused when it is created, not when it is sent.
/// </summary>
/// <param name="Text">Canonical form: bech32 lowercased, base58 as given.</param>
/// <param name="Networks">Testnet and signet share every prefix, and regtest shares their base58 ones.</param>
public sealed record BitcoinAddress(string Text, BitcoinScriptType Type, byte[] ScriptPubKey, IReadOnlyList<BitcoinNetwork> Networks)
{
    /// <summary>The smallest output Bitcoin Core relays to this script (see <see cref="BitcoinDust"/>).</summary>
    public long DustLimitSats => BitcoinDust.LimitSats(ScriptPubKey);

    /// <param name="network">Null accepts an address of any network.</param>
    /// <param name="error">A phrase that reads after "The destination ".</param>
    public static bool TryParse(string? text, BitcoinNetwork? network,
        [NotNullWhen(true)] out BitcoinAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        if (string.IsNullOrEmpty(text)) { error = "is empty"; return false; }
        var parsed = BitcoinPrefixes.HrpOf(text) is not null ? ParseSegwit(text, out error)
            : Bech32.TryDecode(text, out var other, out _)
                ? Refuse($"has the bech32 prefix \"{other.Hrp}\", which is not a Bitcoin network's (bc, tb or bcrt)", out error)
            : ParseBase58(text, out error);
        if (parsed is null)
        {
            Invariant.Ensure(error is not null);
            return false;
        }
        if (network is { } n && !parsed.Networks.Contains(n))
        {
            error = $"is a {Describe(parsed.Networks)} address but this store's wallet is on {BitcoinNetworks.Name(n)}";
            return false;
        }
        address = parsed;
        return true;
    }

    /// <summary>The address of a standard output script: the inverse of <see cref="TryParse"/>, for simulators.</summary>
    /// <exception cref="ArgumentException">A script no address stands for.</exception>
    public static string FromScriptPubKey(ReadOnlySpan<byte> scriptPubKey, BitcoinNetwork network)
    {
        var s = scriptPubKey;
        if (s is [0x76, 0xa9, 0x14, .., 0x88, 0xac] && s.Length == 25)
            return Base58Check.Encode([BitcoinPrefixes.PubkeyHashVersion(network), .. s[3..23]]);
        if (s is [0xa9, 0x14, .., 0x87] && s.Length == 23)
            return Base58Check.Encode([BitcoinPrefixes.ScriptHashVersion(network), .. s[2..22]]);
        if (s.Length >= 2 && s[1] == s.Length - 2 && (s[0] == 0 || s[0] is >= 0x51 and <= 0x60)
            && s.Length - 2 is >= Bech32.WitnessProgramLengthMin and <= Bech32.WitnessProgramLengthMax)
            return Bech32.EncodeWitness(BitcoinPrefixes.Hrp(network), s[0] == 0 ? 0 : s[0] - 0x50, s[2..]);
        throw new ArgumentException($"The script {Convert.ToHexStringLower(s)} is not one an address stands for.", nameof(scriptPubKey));
    }

    private static BitcoinAddress? ParseSegwit(string text, out string? error)
    {
        if (!Bech32.TryDecodeWitness(text, out var witness, out error)) return null;
        var type = (witness.Version, witness.Program.Length) switch
        {
            (0, 20) => BitcoinScriptType.P2wpkh,
            (0, 32) => BitcoinScriptType.P2wsh,
            (1, 32) => BitcoinScriptType.P2tr,
            _ => BitcoinScriptType.WitnessUnknown,
        };
        // OP_0 for version 0, OP_1 (0x51) to OP_16 (0x60) for the others; then a push of the program.
        byte[] script = [(byte)(witness.Version == 0 ? 0 : 0x50 + witness.Version), (byte)witness.Program.Length, .. witness.Program];
        return new BitcoinAddress(text.ToLowerInvariant(), type, script, BitcoinPrefixes.NetworksOfHrp(witness.Hrp));
    }

    private static BitcoinAddress? ParseBase58(string text, out string? error)
    {
        if (!Base58Check.TryDecode(text, out var payload))
            return Refuse(Base58Check.IsBase58(text) ? "has an invalid checksum" : "is not a Bitcoin address", out error);
        if (payload.Length != 21)
            return Refuse($"is base58 with a {payload.Length}-byte payload; an address has a version byte and a 20-byte hash", out error);
        var hash = payload.AsSpan(1);
        error = null;
        if (BitcoinPrefixes.NetworksOfPubkeyHash(payload[0]) is { } p2pkh)
            return new BitcoinAddress(text, BitcoinScriptType.P2pkh, [0x76, 0xa9, 0x14, .. hash, 0x88, 0xac], p2pkh);
        if (BitcoinPrefixes.NetworksOfScriptHash(payload[0]) is { } p2sh)
            return new BitcoinAddress(text, BitcoinScriptType.P2sh, [0xa9, 0x14, .. hash, 0x87], p2sh);
        return Refuse($"has the base58 version byte 0x{payload[0]:x2}, which is not a Bitcoin network's", out error);
    }

    private static BitcoinAddress? Refuse(string message, out string? error)
    {
        error = message;
        return null;
    }

    private static string Describe(IReadOnlyList<BitcoinNetwork> networks)
    {
        var names = networks.Select(BitcoinNetworks.Name).ToList();
        return names.Count == 1 ? names[0] : $"{string.Join(", ", names[..^1])} or {names[^1]}";
    }
}

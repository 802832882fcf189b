using System.Security.Cryptography;
using System.Text;
using Payouts.Rails.Bitcoin;

namespace Payouts.Simulators.Bitcoind.Wallet;

/// <summary>
/// Stand-in for ECDSA, which would cost more than the simulator is worth: a key is a wallet secret and an index, the
/// "public key" and the P2WPKH program derive from it by hashing, and a "signature" is an HMAC over the unsigned
/// transaction's txid (which commits to every input, output and the lock time), the input index and the amount spent.
/// Only the owning wallet can produce it, and any change to the transaction breaks it, which is all the rail's tests
/// need from real signatures. Sizes match real ones closely (33-byte key, 65-byte signature with sighash byte), so
/// vsize and fee arithmetic stay realistic.
/// </summary>
internal sealed class FakeKeys
{
    public const int PubKeyBytes = 33;
    public const int SignatureBytes = 65;
    private const byte SighashAll = 0x01;

    /// <summary>scriptPubKey hex → (secret, public key): who may spend each simulated P2WPKH output.</summary>
    private readonly Dictionary<string, (byte[] Secret, byte[] PubKey)> _owners = new(StringComparer.Ordinal);

    public (byte[] PubKey, byte[] ScriptPubKey) Derive(byte[] secret, int index)
    {
        var pubKey = new byte[PubKeyBytes];
        pubKey[0] = 0x02;
        SHA256.HashData([.. secret, .. Encoding.ASCII.GetBytes($"/key/{index}")], pubKey.AsSpan(1));
        byte[] script = [0x00, 0x14, .. Program(pubKey)];
        _owners[Convert.ToHexStringLower(script)] = (secret, pubKey);
        return (pubKey, script);
    }

    public bool TryGetPubKey(byte[] secret, ReadOnlySpan<byte> scriptPubKey, out byte[] pubKey)
    {
        pubKey = [];
        if (!_owners.TryGetValue(Convert.ToHexStringLower(scriptPubKey), out var owner) || !owner.Secret.AsSpan().SequenceEqual(secret))
            return false;
        pubKey = owner.PubKey;
        return true;
    }

    public static byte[] Sign(byte[] secret, string unsignedTxid, int inputIndex, long amountSats) =>
        [.. HMACSHA512.HashData(secret, Encoding.ASCII.GetBytes($"{unsignedTxid}/{inputIndex}/{amountSats}")), SighashAll];

    /// <summary>Null when the input's witness is valid; else the script error bitcoind would name.</summary>
    public string? Verify(BitcoinTransaction tx, int inputIndex, TxOut spent)
    {
        var witness = tx.Inputs[inputIndex].Witness;
        if (!_owners.TryGetValue(Convert.ToHexStringLower(spent.ScriptPubKey), out var owner))
            return "Witness program hash mismatch";
        if (witness.Count == 0) return "Witness program was passed an empty witness";
        if (witness.Count != 2 || !witness[1].AsSpan().SequenceEqual(owner.PubKey)) return "Witness program hash mismatch";
        // The txid leaves witnesses out, so it is the same before and after signing: the PSBT's unsigned txid.
        var expected = Sign(owner.Secret, tx.Txid, inputIndex, spent.ValueSats);
        return witness[0].AsSpan().SequenceEqual(expected) ? null : "Script evaluated without error but finished with a false/empty top stack element";
    }

    private static byte[] Program(byte[] pubKey) => SHA256.HashData(pubKey)[..20];
}

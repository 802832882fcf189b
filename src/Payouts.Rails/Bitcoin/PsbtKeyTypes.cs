namespace Payouts.Rails.Bitcoin;

/// <summary>The BIP174 (version 0) key types this codec understands; every other type is kept as unknown.</summary>
public static class PsbtKeyTypes
{
    public const ulong GlobalUnsignedTx = 0x00;
    public const ulong GlobalXpub = 0x01;
    public const ulong GlobalVersion = 0xfb;

    public const ulong InputNonWitnessUtxo = 0x00;
    public const ulong InputWitnessUtxo = 0x01;
    public const ulong InputPartialSig = 0x02;
    public const ulong InputSighashType = 0x03;
    public const ulong InputRedeemScript = 0x04;
    public const ulong InputWitnessScript = 0x05;
    public const ulong InputBip32Derivation = 0x06;
    public const ulong InputFinalScriptSig = 0x07;
    public const ulong InputFinalScriptWitness = 0x08;

    public const ulong OutputRedeemScript = 0x00;
    public const ulong OutputWitnessScript = 0x01;
    public const ulong OutputBip32Derivation = 0x02;

    /// <summary>BIP32 extended keys are 78 bytes serialized.</summary>
    public const int XpubBytes = 78;

    /// <summary>Public keys in partial signatures and derivations: compressed (33) or uncompressed (65).</summary>
    public static bool IsPubKeyLength(int length) => length is 33 or 65;

    /// <summary>
    /// Input fields a BIP174 finalizer clears once the final scriptSig/witness is set: everything known except the
    /// UTXOs (kept so an extractor can still check fees). 0x09–0x0d are hash preimages, 0x13–0x18 taproot (BIP371).
    /// </summary>
    internal static bool IsClearedOnFinalize(ulong inputKeyType) =>
        inputKeyType is >= InputPartialSig and <= 0x0d or >= 0x13 and <= 0x18;
}

namespace Payouts.Rails.Bitcoin;

/// <summary>
/// The shape rules a BIP174 parser must enforce on known keys (key data present or absent, lengths, values that must
/// decode completely). Each failure names the rule, so a rejected PSBT says why.
/// </summary>
internal static class PsbtValidation
{
    public static void Global(PsbtMap map)
    {
        foreach (var e in map.Entries)
        {
            switch (e.KeyType)
            {
                case PsbtKeyTypes.GlobalUnsignedTx: NoKeyData(e, "global unsigned tx"); break;
                case PsbtKeyTypes.GlobalXpub when e.KeyData.Length != PsbtKeyTypes.XpubBytes:
                    throw new FormatException("global xpub key must hold a 78-byte extended key");
                case PsbtKeyTypes.GlobalVersion:
                    NoKeyData(e, "global version");
                    if (e.Value.Length != 4) throw new FormatException("global version must be a 4-byte integer");
                    if (BitConverter.ToUInt32(e.Value) != 0) throw new FormatException("unsupported PSBT version (only version 0 is supported)");
                    break;
            }
        }
    }

    public static void Input(PsbtMap map, TxIn input)
    {
        foreach (var e in map.Entries)
        {
            switch (e.KeyType)
            {
                case PsbtKeyTypes.InputNonWitnessUtxo:
                    NoKeyData(e, "non-witness utxo");
                    if (BitcoinTransaction.Parse(e.Value).Txid != input.Prevout.Txid)
                        throw new FormatException("non-witness utxo does not match the input's outpoint hash");
                    break;
                case PsbtKeyTypes.InputWitnessUtxo: NoKeyData(e, "witness utxo"); PsbtCodec.ReadTxOut(e.Value); break;
                case PsbtKeyTypes.InputPartialSig: PubKeyKeyData(e, "partial signature"); break;
                case PsbtKeyTypes.InputSighashType:
                    NoKeyData(e, "sighash type");
                    if (e.Value.Length != 4) throw new FormatException("sighash type must be a 4-byte integer");
                    break;
                case PsbtKeyTypes.InputRedeemScript: NoKeyData(e, "input redeemScript"); break;
                case PsbtKeyTypes.InputWitnessScript: NoKeyData(e, "input witnessScript"); break;
                case PsbtKeyTypes.InputBip32Derivation: PubKeyKeyData(e, "input BIP32 derivation"); break;
                case PsbtKeyTypes.InputFinalScriptSig: NoKeyData(e, "final scriptSig"); break;
                case PsbtKeyTypes.InputFinalScriptWitness: NoKeyData(e, "final scriptWitness"); PsbtCodec.ReadWitness(e.Value); break;
            }
        }
    }

    public static void Output(PsbtMap map)
    {
        foreach (var e in map.Entries)
        {
            switch (e.KeyType)
            {
                case PsbtKeyTypes.OutputRedeemScript: NoKeyData(e, "output redeemScript"); break;
                case PsbtKeyTypes.OutputWitnessScript: NoKeyData(e, "output witnessScript"); break;
                case PsbtKeyTypes.OutputBip32Derivation: PubKeyKeyData(e, "output BIP32 derivation"); break;
            }
        }
    }

    private static void NoKeyData(PsbtEntry e, string what)
    {
        if (!e.KeyData.IsEmpty) throw new FormatException($"{what} key must be exactly one byte (no key data)");
    }

    private static void PubKeyKeyData(PsbtEntry e, string what)
    {
        if (!PsbtKeyTypes.IsPubKeyLength(e.KeyData.Length))
            throw new FormatException($"{what} key must hold a 33- or 65-byte public key");
    }
}

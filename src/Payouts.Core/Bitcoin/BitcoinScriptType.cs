namespace Payouts.Core.Bitcoin;

/// <summary>The standard output scripts an address can stand for; <see cref="WitnessUnknown"/> is any other witness
/// version or length that BIP350 lets an address encode (spendable under future soft forks, so not refused).</summary>
public enum BitcoinScriptType { P2pkh, P2sh, P2wpkh, P2wsh, P2tr, WitnessUnknown }

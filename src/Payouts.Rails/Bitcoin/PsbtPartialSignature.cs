namespace Payouts.Rails.Bitcoin;

/// <summary>A PSBT input's partial signature (key type 0x02): the public key and the signature with its sighash byte.</summary>
public sealed record PsbtPartialSignature(byte[] PubKey, byte[] Signature);

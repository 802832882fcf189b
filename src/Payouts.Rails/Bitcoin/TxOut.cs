namespace Payouts.Rails.Bitcoin;

/// <summary>One output. <see cref="ScriptPubKey"/> compares by reference; see <see cref="TxIn"/>.</summary>
public sealed record TxOut(long ValueSats, byte[] ScriptPubKey);

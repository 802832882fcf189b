namespace Payouts.Rails.Bitcoin;

/// <summary>
/// One input. The byte arrays compare by reference (records do not look inside arrays): compare transactions by
/// <see cref="BitcoinTransaction.Wtxid"/> or their serialization instead.
/// </summary>
public sealed record TxIn(OutPoint Prevout, byte[] ScriptSig, uint Sequence, IReadOnlyList<byte[]> Witness)
{
    /// <summary>The final sequence: no relative lock time and no BIP125 signal.</summary>
    public const uint SequenceFinal = 0xffffffff;

    /// <summary>What Bitcoin Core's wallet writes when a transaction opts in to replacement (BIP125).</summary>
    public const uint SequenceRbf = 0xfffffffd;

    /// <summary>An input with no scriptSig and no witness, as in an unsigned transaction.</summary>
    public static TxIn Unsigned(OutPoint prevout, uint sequence) => new(prevout, [], sequence, []);
}

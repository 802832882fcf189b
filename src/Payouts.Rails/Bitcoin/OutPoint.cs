namespace Payouts.Rails.Bitcoin;

/// <summary>
/// A reference to one output of an earlier transaction. <see cref="Txid"/> is the displayed form (the reversed hash,
/// lowercase hex), the one RPC and explorers show, so it can be compared with what a node answers without converting.
/// </summary>
public sealed record OutPoint
{
    public OutPoint(string Txid, uint Vout)
    {
        this.Txid = TxidHex.Normalize(Txid);
        this.Vout = Vout;
    }

    public string Txid { get; }
    public uint Vout { get; }

    public override string ToString() => $"{Txid}:{Vout}";
}

using Payouts.Rails.Bitcoin;

namespace Payouts.Simulators.Bitcoind.Node;

internal sealed record SimBlock(int Height, string Hash, string PreviousHash, long Time, IReadOnlyList<BitcoinTransaction> Txs);

/// <summary>A confirmed unspent output: where it came from, so spends can be checked and coinbase maturity applied.</summary>
internal sealed record Coin(TxOut Output, int Height, bool Coinbase);

/// <summary>A mempool transaction with what policy computed when it entered; <see cref="Sequence"/> keeps parents first.</summary>
internal sealed record MempoolEntry(BitcoinTransaction Tx, long FeeSats, long Time, int Height, long Sequence)
{
    public int VirtualSize => Tx.VirtualSize;

    /// <summary>sat/kvB, as Core's CFeeRate compares them.</summary>
    public long FeeRateSatPerKvB => FeeSats * 1000 / VirtualSize;
}

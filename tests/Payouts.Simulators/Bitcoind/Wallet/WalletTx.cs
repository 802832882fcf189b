using Payouts.Rails.Bitcoin;

namespace Payouts.Simulators.Bitcoind.Wallet;

/// <summary>A transaction the wallet keeps: like Core's CWalletTx it outlives eviction, replacement and reorgs.</summary>
internal sealed class WalletTx(BitcoinTransaction tx, long timeReceived, long order)
{
    public BitcoinTransaction Tx { get; } = tx;
    public string Txid => Tx.Txid;
    public long TimeReceived { get; } = timeReceived;
    public long Order { get; } = order;
    public bool Abandoned { get; set; }
    public string? ReplacedBy { get; set; }
    public string? Replaces { get; set; }
}

/// <summary>A wallet output that can be spent, as coin selection and listunspent see it.</summary>
internal sealed record WalletCoin(OutPoint OutPoint, TxOut Output, int Confirmations);

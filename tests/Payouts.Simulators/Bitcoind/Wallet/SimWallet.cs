using Payouts.Core.Bitcoin;
using Payouts.Rails.Bitcoin;
using Payouts.Simulators.Bitcoind.Node;

namespace Payouts.Simulators.Bitcoind.Wallet;

/// <summary>
/// A descriptor wallet of P2WPKH keys. Like Bitcoin Core's it remembers every transaction that pays or spends it, and
/// treats an output as spent while any of its non-abandoned, non-conflicted transactions spends it, even one that is no
/// longer in the mempool: so after an eviction the wallet will not fund a new transaction from the same coins.
/// </summary>
internal sealed class SimWallet(string name, byte[] secret)
{
    private readonly Dictionary<string, int> _scripts = new(StringComparer.Ordinal);
    private long _order;

    public string Name { get; } = name;
    public byte[] Secret { get; } = secret;
    public int KeysIssued { get; private set; }
    public HashSet<OutPoint> Locked { get; } = [];
    public Dictionary<string, WalletTx> Txs { get; } = new(StringComparer.Ordinal);

    public bool IsMine(ReadOnlySpan<byte> script) => _scripts.ContainsKey(Convert.ToHexStringLower(script));

    public string NewAddress(NodeState node)
    {
        var (_, script) = node.Keys.Derive(Secret, KeysIssued);
        _scripts[Convert.ToHexStringLower(script)] = KeysIssued++;
        return BitcoinAddress.FromScriptPubKey(script, node.Network);
    }

    public byte[] NewScript(NodeState node) =>
        BitcoinAddress.TryParse(NewAddress(node), node.Network, out var a, out _) ? a.ScriptPubKey : throw new InvalidOperationException();

    public void Observe(BitcoinTransaction tx, NodeState node)
    {
        if (Txs.ContainsKey(tx.Txid)) return;
        var involved = tx.Outputs.Any(o => IsMine(o.ScriptPubKey)) || IsFromMe(tx, node);
        if (!involved) return;
        Txs[tx.Txid] = new WalletTx(tx, node.Now(), ++_order);
        // Core's CWallet::AddToSpends unlocks each outpoint a new wallet transaction spends: a lock taken by
        // walletcreatefundedpsbt's lockUnspents ends when the transaction is seen, so if it is later conflicted or
        // abandoned, its other coins are free again.
        foreach (var input in tx.Inputs) Locked.Remove(input.Prevout);
    }

    /// <summary>Spends at least one of this wallet's outputs (Core's IsFromMe: a debit).</summary>
    public bool IsFromMe(BitcoinTransaction tx, NodeState node) => Debit(tx, node) > 0;

    public long Debit(BitcoinTransaction tx, NodeState node) =>
        tx.Inputs.Select(i => node.FindAnyOutput(i.Prevout)).Where(o => o is not null && IsMine(o.ScriptPubKey)).Sum(o => o!.ValueSats);

    public long Credit(BitcoinTransaction tx) => tx.Outputs.Where(o => IsMine(o.ScriptPubKey)).Sum(o => o.ValueSats);

    /// <summary>Core's depth: confirmations when mined, minus the conflicting block's depth when conflicted, else 0.</summary>
    public static int Depth(WalletTx wtx, NodeState node)
    {
        var confirmations = node.Confirmations(wtx.Txid);
        return confirmations > 0 ? confirmations : -node.ConflictDepth(wtx.Tx);
    }

    /// <summary>Core's trusted: mined, or in the mempool and spending only our own trusted outputs.</summary>
    public bool IsTrusted(WalletTx wtx, NodeState node, int recursion = 0)
    {
        var depth = Depth(wtx, node);
        if (depth >= 1) return true;
        if (depth < 0 || !node.Mempool.ContainsKey(wtx.Txid) || recursion > 32) return false;
        foreach (var input in wtx.Tx.Inputs)
        {
            if (!Txs.TryGetValue(input.Prevout.Txid, out var parent)) return false;
            if (!IsMine(parent.Tx.Outputs[(int)input.Prevout.Vout].ScriptPubKey) || !IsTrusted(parent, node, recursion + 1)) return false;
        }
        return true;
    }

    public bool IsSpent(OutPoint outPoint, NodeState node) =>
        Txs.Values.Any(w => !w.Abandoned && w.Tx.Inputs.Any(i => i.Prevout == outPoint) && Depth(w, node) >= 0);

    /// <summary>Unspent outputs of ours with their depth; coinbase outputs only once mature, as Core's AvailableCoins.</summary>
    public IEnumerable<WalletCoin> Unspent(NodeState node)
    {
        foreach (var wtx in Txs.Values.OrderBy(w => w.Order))
        {
            var depth = Depth(wtx, node);
            if (depth < 0 || wtx.Abandoned && depth == 0) continue;
            if (NodeState.IsCoinbase(wtx.Tx) && depth < NodeState.CoinbaseMaturity) continue;
            for (var vout = 0; vout < wtx.Tx.Outputs.Count; vout++)
            {
                var outPoint = new OutPoint(wtx.Txid, (uint)vout);
                if (IsMine(wtx.Tx.Outputs[vout].ScriptPubKey) && !IsSpent(outPoint, node))
                    yield return new WalletCoin(outPoint, wtx.Tx.Outputs[vout], depth);
            }
        }
    }

    /// <summary>Coins coin selection may use: unlocked, and confirmed or our own trusted unconfirmed change.</summary>
    public IEnumerable<WalletCoin> Spendable(NodeState node, int minConfirmations = 0) =>
        Unspent(node).Where(c => !Locked.Contains(c.OutPoint) && c.Confirmations >= minConfirmations
            && (c.Confirmations >= 1 || IsTrusted(Txs[c.OutPoint.Txid], node)));

    public (long Trusted, long UntrustedPending, long Immature) Balances(NodeState node)
    {
        long trusted = 0, pending = 0, immature = 0;
        foreach (var wtx in Txs.Values)
        {
            var depth = Depth(wtx, node);
            if (depth < 0 || wtx.Abandoned && depth == 0) continue;
            var mine = Enumerable.Range(0, wtx.Tx.Outputs.Count)
                .Where(v => IsMine(wtx.Tx.Outputs[v].ScriptPubKey) && !IsSpent(new OutPoint(wtx.Txid, (uint)v), node))
                .Sum(v => wtx.Tx.Outputs[v].ValueSats);
            if (NodeState.IsCoinbase(wtx.Tx) && depth < NodeState.CoinbaseMaturity) immature += mine;
            else if (IsTrusted(wtx, node)) trusted += mine;
            else if (depth == 0 && node.Mempool.ContainsKey(wtx.Txid)) pending += mine;
        }
        return (trusted, pending, immature);
    }

    /// <summary>Other wallet transactions spending any of the same outputs (Core's walletconflicts).</summary>
    public IEnumerable<string> Conflicts(WalletTx wtx)
    {
        var prevouts = wtx.Tx.Inputs.Select(i => i.Prevout).ToHashSet();
        return Txs.Values.Where(w => w.Txid != wtx.Txid && w.Tx.Inputs.Any(i => prevouts.Contains(i.Prevout)))
            .OrderBy(w => w.Order).Select(w => w.Txid);
    }
}

using System.Security.Cryptography;
using System.Text;
using Payouts.Core.Bitcoin;
using Payouts.Rails.Bitcoin;
using Payouts.Simulators.Bitcoind.Wallet;

namespace Payouts.Simulators.Bitcoind.Node;

/// <summary>
/// Everything a node knows: the active chain, its UTXO set, the mempool and the wallets. Not thread-safe on its own:
/// <see cref="BitcoindSimulator"/> holds one lock around every RPC call and control method, as simple as the tests
/// need and enough to make each call atomic, which bitcoind's cs_main gives too.
/// </summary>
internal sealed class NodeState
{
    /// <summary>Regtest's block subsidy, halving every 150 blocks, so generatetoaddress pays what a real regtest node pays.</summary>
    private const long RegtestSubsidySats = 50 * BtcJson.SatsPerBtc;
    private const int RegtestHalvingInterval = 150;
    public const int CoinbaseMaturity = 100;

    private readonly TimeProvider _time;
    private long _sequence;
    private long _nonce;

    public NodeState(BitcoinNetwork network, bool fullRbf, TimeProvider time)
    {
        Network = network;
        FullRbf = fullRbf;
        _time = time;
        Blocks.Add(new SimBlock(0, GenesisHash(network), new string('0', 64), Now(), []));
    }

    public BitcoinNetwork Network { get; }
    public bool FullRbf { get; }
    public FakeKeys Keys { get; } = new();
    public List<SimBlock> Blocks { get; } = [];
    public Dictionary<OutPoint, Coin> Utxos { get; } = [];

    /// <summary>Txid → height, for transactions of the active chain.</summary>
    public Dictionary<string, int> ChainTxHeights { get; } = new(StringComparer.Ordinal);

    /// <summary>Outpoint → txid of the confirmed transaction that spent it: how conflicts with the chain are found.</summary>
    public Dictionary<OutPoint, string> ChainSpends { get; } = [];

    public Dictionary<string, MempoolEntry> Mempool { get; } = new(StringComparer.Ordinal);
    public Dictionary<OutPoint, string> MempoolSpends { get; } = [];

    /// <summary>Every transaction ever accepted into the mempool or a block, kept after eviction or reorg.</summary>
    public Dictionary<string, BitcoinTransaction> Seen { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, SimWallet> Wallets { get; } = new(StringComparer.Ordinal);

    /// <summary>Conf target → sat/vB, as set by the test.</summary>
    public SortedDictionary<int, decimal> FeeEstimates { get; } = [];

    public int Height => Blocks.Count - 1;
    public SimBlock Tip => Blocks[^1];
    public long Now() => _time.GetUtcNow().ToUnixTimeSeconds();

    public int Confirmations(string txid) => ChainTxHeights.TryGetValue(txid, out var h) ? Height - h + 1 : 0;

    /// <summary>
    /// How deep the deepest confirmed transaction conflicting with <paramref name="tx"/> is (0 when none). Core's
    /// wallet reports a conflicted transaction's confirmations as minus this.
    /// </summary>
    public int ConflictDepth(BitcoinTransaction tx) =>
        tx.Inputs.Select(i => ChainSpends.TryGetValue(i.Prevout, out var spender) && spender != tx.Txid ? Confirmations(spender) : 0)
            .DefaultIfEmpty(0).Max();

    /// <summary>The output <paramref name="prevout"/> names, from the chain's UTXO set or a mempool transaction.</summary>
    public TxOut? FindOutput(OutPoint prevout)
    {
        if (Utxos.TryGetValue(prevout, out var coin)) return coin.Output;
        return Mempool.TryGetValue(prevout.Txid, out var parent) && prevout.Vout < parent.Tx.Outputs.Count
            ? parent.Tx.Outputs[(int)prevout.Vout] : null;
    }

    /// <summary>Any output ever seen, spent or not: what a wallet needs to describe an old transaction.</summary>
    public TxOut? FindAnyOutput(OutPoint prevout) =>
        Seen.TryGetValue(prevout.Txid, out var tx) && prevout.Vout < tx.Outputs.Count ? tx.Outputs[(int)prevout.Vout] : null;

    public long? FeeOf(BitcoinTransaction tx)
    {
        long inputs = 0;
        foreach (var input in tx.Inputs)
        {
            if (FindAnyOutput(input.Prevout) is not { } output) return null;
            inputs += output.ValueSats;
        }
        return inputs - tx.Outputs.Sum(o => o.ValueSats);
    }

    public void AddToMempool(BitcoinTransaction tx, long feeSats)
    {
        Mempool[tx.Txid] = new MempoolEntry(tx, feeSats, Now(), Height, ++_sequence);
        foreach (var input in tx.Inputs) MempoolSpends[input.Prevout] = tx.Txid;
        Observe(tx);
    }

    /// <summary>Removes the transaction and, as Core does, every mempool descendant; returns what was removed.</summary>
    public List<BitcoinTransaction> RemoveFromMempool(string txid)
    {
        var removed = new List<BitcoinTransaction>();
        var pending = new Stack<string>([txid]);
        while (pending.TryPop(out var next))
        {
            if (!Mempool.Remove(next, out var entry)) continue;
            removed.Add(entry.Tx);
            foreach (var input in entry.Tx.Inputs)
                if (MempoolSpends.TryGetValue(input.Prevout, out var spender) && spender == next) MempoolSpends.Remove(input.Prevout);
            for (var vout = 0; vout < entry.Tx.Outputs.Count; vout++)
                if (MempoolSpends.TryGetValue(new OutPoint(next, (uint)vout), out var child)) pending.Push(child);
        }
        return removed;
    }

    public List<string> Descendants(string txid)
    {
        var found = new List<string>();
        var pending = new Stack<string>([txid]);
        while (pending.TryPop(out var next))
        {
            if (!Mempool.TryGetValue(next, out var entry)) continue;
            for (var vout = 0; vout < entry.Tx.Outputs.Count; vout++)
                if (MempoolSpends.TryGetValue(new OutPoint(next, (uint)vout), out var child) && !found.Contains(child))
                {
                    found.Add(child);
                    pending.Push(child);
                }
        }
        return found;
    }

    /// <summary>Mines one block with a coinbase to <paramref name="coinbaseScript"/> and the given transactions in order.</summary>
    public SimBlock ConnectBlock(byte[] coinbaseScript, IReadOnlyList<BitcoinTransaction> txs)
    {
        var height = Height + 1;
        var fees = txs.Sum(tx => Mempool.TryGetValue(tx.Txid, out var e) ? e.FeeSats : 0);
        var coinbase = Coinbase(height, coinbaseScript, Subsidy(height) + fees);
        var all = new List<BitcoinTransaction> { coinbase };
        all.AddRange(txs);
        var hash = BlockHash(Tip.Hash, height, all);
        var block = new SimBlock(height, hash, Tip.Hash, Math.Max(Now(), Tip.Time + 1), all);
        Blocks.Add(block);
        Apply(block);
        foreach (var tx in all)
        {
            RemoveFromMempool(tx.Txid);
            // A mempool transaction that spent what this block spends differently can never confirm now.
            foreach (var input in tx.Inputs)
                if (MempoolSpends.TryGetValue(input.Prevout, out var loser)) RemoveFromMempool(loser);
            Observe(tx);
        }
        return block;
    }

    /// <summary>Pops the tip; the UTXO set is rebuilt from the remaining blocks (small chains: simple beats clever).</summary>
    public SimBlock DisconnectTip()
    {
        var block = Blocks[^1];
        Blocks.RemoveAt(Blocks.Count - 1);
        Utxos.Clear();
        ChainTxHeights.Clear();
        ChainSpends.Clear();
        foreach (var b in Blocks) Apply(b);
        return block;
    }

    /// <summary>Tells every wallet about a transaction that entered the mempool or a block; each keeps what involves it.</summary>
    public void Observe(BitcoinTransaction tx)
    {
        Seen.TryAdd(tx.Txid, tx);
        foreach (var wallet in Wallets.Values) wallet.Observe(tx, this);
    }

    public static bool IsCoinbase(BitcoinTransaction tx) =>
        tx.Inputs.Count == 1 && tx.Inputs[0].Prevout.Txid == NullTxid && tx.Inputs[0].Prevout.Vout == uint.MaxValue;

    public static readonly string NullTxid = new('0', 64);

    private void Apply(SimBlock block)
    {
        foreach (var tx in block.Txs)
        {
            var coinbase = IsCoinbase(tx);
            if (!coinbase)
                foreach (var input in tx.Inputs)
                {
                    Utxos.Remove(input.Prevout);
                    ChainSpends[input.Prevout] = tx.Txid;
                }
            for (var vout = 0; vout < tx.Outputs.Count; vout++)
                Utxos[new OutPoint(tx.Txid, (uint)vout)] = new Coin(tx.Outputs[vout], block.Height, coinbase);
            ChainTxHeights[tx.Txid] = block.Height;
        }
    }

    private BitcoinTransaction Coinbase(int height, byte[] script, long valueSats)
    {
        // BIP34 puts the height first in the scriptSig; the nonce keeps coinbases of re-mined heights distinct.
        byte[] scriptSig = [0x04, .. BitConverter.GetBytes(height), 0x08, .. BitConverter.GetBytes(++_nonce)];
        return new BitcoinTransaction(2, [new TxIn(new OutPoint(NullTxid, uint.MaxValue), scriptSig, TxIn.SequenceFinal, [])],
            [new TxOut(valueSats, script)], 0);
    }

    private long Subsidy(int height) =>
        height / RegtestHalvingInterval >= 64 ? 0 : RegtestSubsidySats >> (height / RegtestHalvingInterval);

    private string BlockHash(string previous, int height, IEnumerable<BitcoinTransaction> txs)
    {
        var text = $"{previous}/{height}/{++_nonce}/{string.Join(',', txs.Select(t => t.Txid))}";
        return Convert.ToHexStringLower(SHA256.HashData(SHA256.HashData(Encoding.ASCII.GetBytes(text))));
    }

    /// <summary>The real genesis hashes, so a client that checks which chain it talks to sees the expected one.</summary>
    private static string GenesisHash(BitcoinNetwork network) => network switch
    {
        BitcoinNetwork.Mainnet => "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
        BitcoinNetwork.Testnet => "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943",
        BitcoinNetwork.Signet => "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6",
        BitcoinNetwork.Regtest => "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
    };
}

using System.Security.Cryptography;
using Payouts.Core.Bitcoin;
using Payouts.Rails.Bitcoin;
using Payouts.Simulators.Bitcoind.Node;
using Payouts.Simulators.Bitcoind.Wallet;

namespace Payouts.Simulators.Bitcoind;

/// <summary>What a test makes happen to the node and its chain.</summary>
public sealed partial class BitcoindSimulator
{
    /// <summary>Where test-mined coinbases and double spends pay: a script no wallet owns.</summary>
    private static readonly byte[] ForeignScript = [0x00, 0x14, .. SHA256.HashData("foreign"u8)[..20]];

    private readonly HashSet<string> _trusted = new(StringComparer.Ordinal);
    private long _faucetCounter;

    public void CreateWallet(string name)
    {
        lock (_gate)
        {
            if (_node.Wallets.ContainsKey(name)) throw new ArgumentException($"wallet '{name}' already exists", nameof(name));
            _node.Wallets[name] = new SimWallet(name, RandomNumberGenerator.GetBytes(32));
        }
    }

    public string NewAddress(string wallet)
    {
        lock (_gate) return WalletNamed(wallet).NewAddress(_node);
    }

    /// <summary>
    /// Credits <paramref name="btc"/> to a fresh address of the wallet in a transaction from outside (not a coinbase, so
    /// it needs no maturity), mined <paramref name="confirmations"/> deep, or left in the mempool with 0.
    /// </summary>
    public Task<string> Fund(string wallet, decimal btc, int confirmations = 1)
    {
        lock (_gate)
        {
            var script = WalletNamed(wallet).NewScript(_node);
            var faucetInput = new OutPoint(Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(++_faucetCounter))), 0);
            var tx = new BitcoinTransaction(2, [new TxIn(faucetInput, [], TxIn.SequenceFinal, [[0x01]])],
                [new TxOut((long)(btc * BtcJson.SatsPerBtc), script)], 0);
            _trusted.Add(tx.Txid);
            if (confirmations <= 0) _node.AddToMempool(tx, 0);
            else
            {
                _node.ConnectBlock(ForeignScript, [tx]);
                for (var i = 1; i < confirmations; i++) _node.ConnectBlock(ForeignScript, []);
            }
            return Task.FromResult(tx.Txid);
        }
    }

    /// <summary>Mines blocks; the first takes the whole mempool (parents before children). Returns the block hashes.</summary>
    public IReadOnlyList<string> Mine(int blocks = 1)
    {
        lock (_gate)
        {
            var hashes = new List<string>();
            for (var i = 0; i < blocks; i++)
                hashes.Add(_node.ConnectBlock(ForeignScript, _node.Mempool.Values.OrderBy(e => e.Sequence).Select(e => e.Tx).ToList()).Hash);
            return hashes;
        }
    }

    /// <summary>What estimatesmartfee answers for this target; null removes it (no estimates at all: "Insufficient data").</summary>
    public void SetFeeEstimate(int target, decimal? satPerVbyte)
    {
        lock (_gate)
        {
            if (satPerVbyte is { } rate) _node.FeeEstimates[target] = rate;
            else _node.FeeEstimates.Remove(target);
        }
    }

    /// <summary>The node drops the transaction (and its descendants) from its mempool, as on expiry or restart; wallets keep it.</summary>
    public void EvictFromMempool(string txid)
    {
        lock (_gate)
        {
            if (!_node.Mempool.ContainsKey(txid)) throw new InvalidOperationException($"{txid} is not in the mempool");
            _node.RemoveFromMempool(txid);
        }
    }

    /// <summary>
    /// Disconnects the top <paramref name="depth"/> blocks. Their transactions go back to the mempool if still valid,
    /// except those in <paramref name="dropTxids"/> (as if the node never saw them again). Mine to extend the new tip.
    /// </summary>
    public void Reorg(int depth, IEnumerable<string>? dropTxids = null)
    {
        lock (_gate)
        {
            if (depth < 1 || depth > _node.Height) throw new ArgumentOutOfRangeException(nameof(depth));
            var dropped = (dropTxids ?? []).ToHashSet(StringComparer.Ordinal);
            var disconnected = new List<BitcoinTransaction>();
            for (var i = 0; i < depth; i++) disconnected.InsertRange(0, _node.DisconnectTip().Txs.Where(t => !NodeState.IsCoinbase(t)));
            foreach (var tx in disconnected.Where(t => !dropped.Contains(t.Txid)))
            {
                if (_trusted.Contains(tx.Txid))
                {
                    if (tx.Inputs.All(i => !_node.MempoolSpends.ContainsKey(i.Prevout))) _node.AddToMempool(tx, 0);
                    continue;
                }
                try { Broadcast.Commit(_node, tx, MempoolPolicy.Check(_node, tx)); }
                catch (RpcException) { /* no longer valid on the new tip: it stays out, as in Core */ }
            }
        }
    }

    /// <summary>
    /// A transaction from elsewhere (same keys, another node) spends the first input of wallet transaction
    /// <paramref name="txid"/>: it replaces the victim in the mempool, or is mined at once. The wallet then reports the
    /// victim with the spender in walletconflicts and, once mined, negative confirmations. Returns the spender's txid.
    /// </summary>
    public string DoubleSpend(string txid, bool mine)
    {
        lock (_gate)
        {
            if (!_node.Seen.TryGetValue(txid, out var victim)) throw new ArgumentException($"unknown transaction {txid}", nameof(txid));
            if (_node.Confirmations(txid) > 0) throw new InvalidOperationException($"{txid} is mined; Reorg it out first");
            var prevout = victim.Inputs[0].Prevout;
            var spent = _node.FindAnyOutput(prevout) ?? throw new InvalidOperationException("the victim's first input is unknown");
            var fee = Math.Min(spent.ValueSats / 2, (_node.FeeOf(victim) ?? 0) + 10_000);
            var spender = new BitcoinTransaction(2, [new TxIn(prevout, [], TxIn.SequenceFinal, [new byte[64], new byte[33]])],
                [new TxOut(spent.ValueSats - fee, ForeignScript)], 0);
            _trusted.Add(spender.Txid);
            var conflicting = _node.MempoolSpends.GetValueOrDefault(prevout);
            if (conflicting is not null) _node.RemoveFromMempool(conflicting);
            if (mine) _node.ConnectBlock(ForeignScript, [spender]);
            else _node.AddToMempool(spender, fee);
            return spender.Txid;
        }
    }

    public int Height
    {
        get { lock (_gate) return _node.Height; }
    }

    public bool InMempool(string txid)
    {
        lock (_gate) return _node.Mempool.ContainsKey(txid);
    }

    public int Confirmations(string txid)
    {
        lock (_gate) return _node.Confirmations(txid);
    }

    /// <summary>The wallet's trusted balance in sats (getbalances' mine.trusted).</summary>
    public long BalanceSats(string wallet)
    {
        lock (_gate) return WalletNamed(wallet).Balances(_node).Trusted;
    }

    internal BitcoinNetwork Network => _options.Network;
}

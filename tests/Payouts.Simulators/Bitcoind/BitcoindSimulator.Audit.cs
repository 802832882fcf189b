using Payouts.Core.Bitcoin;
using Payouts.Rails.Bitcoin;
using Payouts.Simulators.Bitcoind.Node;

namespace Payouts.Simulators.Bitcoind;

/// <summary>
/// What a test checks after the fact: every transaction that ever paid an address, and the property the send protocol
/// exists for (DESIGN §4): no destination can be paid twice, because any two transactions paying it that could still
/// confirm spend a common input, so at most one of them can.
/// </summary>
public sealed partial class BitcoindSimulator
{
    private const int ViabilityDepthMax = 64;

    public IReadOnlyList<SimPayment> PaymentsTo(string address)
    {
        if (!BitcoinAddress.TryParse(address, _options.Network, out var parsed, out var error))
            throw new ArgumentException($"The address {error}", nameof(address));
        lock (_gate)
            return _node.Seen.Values
                .Where(tx => tx.Outputs.Any(o => o.ScriptPubKey.AsSpan().SequenceEqual(parsed.ScriptPubKey)))
                .Select(tx => new SimPayment(tx.Txid,
                    tx.Outputs.Where(o => o.ScriptPubKey.AsSpan().SequenceEqual(parsed.ScriptPubKey)).Sum(o => o.ValueSats),
                    _node.Confirmations(tx.Txid), _node.Mempool.ContainsKey(tx.Txid), IsViable(tx, 0)))
                .ToList();
    }

    /// <summary>Throws when some destination other than the payer's own change is paid by two viable transactions that share no input.</summary>
    public void AssertNoDoublePayment()
    {
        lock (_gate)
        {
            var byScript = new Dictionary<string, List<BitcoinTransaction>>(StringComparer.Ordinal);
            // Coinbases and the test's own funding and double spends are not payments; a payer's change is not one either.
            foreach (var tx in _node.Seen.Values.Where(t => !NodeState.IsCoinbase(t) && !_trusted.Contains(t.Txid) && IsViable(t, 0)))
            {
                var payers = _node.Wallets.Values.Where(w => w.IsFromMe(tx, _node)).ToList();
                foreach (var output in tx.Outputs.Where(o => !payers.Any(w => w.IsMine(o.ScriptPubKey))))
                {
                    var key = Convert.ToHexStringLower(output.ScriptPubKey);
                    if (!byScript.TryGetValue(key, out var list)) byScript[key] = list = [];
                    if (!list.Contains(tx)) list.Add(tx);
                }
            }
            foreach (var (script, txs) in byScript)
                for (var a = 0; a < txs.Count; a++)
                    for (var b = a + 1; b < txs.Count; b++)
                        if (!txs[a].Inputs.Any(i => txs[b].Inputs.Any(j => j.Prevout == i.Prevout)))
                            throw new InvalidOperationException(
                                $"double payment: {Describe(script)} is paid by {txs[a].Txid} and {txs[b].Txid}, which share no input and could both confirm");
        }
    }

    /// <summary>Mined, or could still be: no input spent by another mined transaction, and every parent viable.</summary>
    private bool IsViable(BitcoinTransaction tx, int depth)
    {
        if (_node.Confirmations(tx.Txid) > 0) return true;
        if (depth > ViabilityDepthMax || _node.ConflictDepth(tx) > 0) return false;
        if (_trusted.Contains(tx.Txid)) return true;
        foreach (var input in tx.Inputs)
        {
            if (_node.Confirmations(input.Prevout.Txid) > 0) continue;
            if (!_node.Seen.TryGetValue(input.Prevout.Txid, out var parent) || !IsViable(parent, depth + 1)) return false;
        }
        return true;
    }

    private string Describe(string scriptHex)
    {
        try { return BitcoinAddress.FromScriptPubKey(Convert.FromHexString(scriptHex), _options.Network); }
        catch (ArgumentException) { return scriptHex; }
    }
}

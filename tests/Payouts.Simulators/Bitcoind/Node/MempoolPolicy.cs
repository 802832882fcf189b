using Payouts.Core.Bitcoin;
using Payouts.Rails.Bitcoin;

namespace Payouts.Simulators.Bitcoind.Node;

/// <summary>What accepting a transaction would do: its fee, and the mempool transactions it would evict.</summary>
internal sealed record Acceptance(long FeeSats, IReadOnlyList<string> Evicts);

/// <summary>
/// Bitcoin Core's mempool acceptance (validation.cpp PreChecks, ReplacementChecks, PolicyScriptChecks) reduced to the
/// rules a payout rail meets, in Core's order and with Core's reject reasons: standardness (dust), missing or spent
/// inputs, input value, minimum relay fee, replacement (BIP125 rules 2, 3, 4 and 6, full RBF by default), scripts.
/// </summary>
internal static class MempoolPolicy
{
    /// <summary>Core's defaults for -minrelaytxfee and -incrementalrelayfee: 1 sat/vB each.</summary>
    public const long MinRelaySatPerKvB = 1_000;
    public const long IncrementalRelaySatPerKvB = 1_000;
    private const int ReplacementsMax = 100;

    public static Acceptance Check(NodeState node, BitcoinTransaction tx)
    {
        var txid = tx.Txid;
        if (tx.Inputs.Count == 0) throw Rejected("bad-txns-vin-empty");
        if (tx.Outputs.Count == 0) throw Rejected("bad-txns-vout-empty");
        if (NodeState.IsCoinbase(tx)) throw Rejected("coinbase");
        if (tx.Outputs.Any(o => o.ValueSats < 0)) throw Rejected("bad-txns-vout-negative");
        if (tx.Outputs.Any(o => o.ValueSats > BtcJson.MoneyMaxSats)) throw Rejected("bad-txns-vout-toolarge");
        if (tx.Outputs.Any(o => !IsNullData(o.ScriptPubKey) && o.ValueSats < BitcoinDust.LimitSats(o.ScriptPubKey))) throw Rejected("dust");
        if (node.Mempool.ContainsKey(txid)) throw Rejected("txn-same-nonwitness-data-in-mempool");

        var conflicts = tx.Inputs.Select(i => node.MempoolSpends.GetValueOrDefault(i.Prevout)).OfType<string>().Distinct().ToList();
        if (!node.FullRbf && conflicts.Any(c => !node.Mempool[c].Tx.SignalsRbf)) throw Rejected("txn-mempool-conflict");
        var evicted = conflicts.Concat(conflicts.SelectMany(node.Descendants)).Distinct().ToList();

        long valueIn = 0;
        foreach (var input in tx.Inputs)
        {
            if (evicted.Contains(input.Prevout.Txid)) throw Rejected("bad-txns-spends-conflicting-tx");
            var output = node.FindOutput(input.Prevout) ?? throw new RpcException(RpcErrorCodes.TransactionError, "bad-txns-inputs-missingorspent");
            if (node.Utxos.TryGetValue(input.Prevout, out var coin) && coin.Coinbase && node.Height + 1 - coin.Height < NodeState.CoinbaseMaturity)
                throw Rejected("bad-txns-premature-spend-of-coinbase");
            valueIn += output.ValueSats;
        }
        var valueOut = tx.Outputs.Sum(o => o.ValueSats);
        if (valueIn < valueOut)
            throw Rejected($"bad-txns-in-belowout, value in ({BtcJson.FormatMoney(valueIn)}) < value out ({BtcJson.FormatMoney(valueOut)})");
        var fee = valueIn - valueOut;
        var vsize = tx.VirtualSize;
        if (fee < FeeFor(MinRelaySatPerKvB, vsize)) throw Rejected($"min relay fee not met, {fee} < {FeeFor(MinRelaySatPerKvB, vsize)}");

        if (conflicts.Count > 0) CheckReplacement(node, tx, fee, conflicts, evicted);

        for (var i = 0; i < tx.Inputs.Count; i++)
            if (node.Keys.Verify(tx, i, node.FindOutput(tx.Inputs[i].Prevout)!) is { } scriptError)
                throw Rejected($"mandatory-script-verify-flag-failed ({scriptError})");
        return new Acceptance(fee, evicted);
    }

    /// <summary>Core's <c>CFeeRate::GetFee</c>: rounded up, so a rate is never undercut.</summary>
    public static long FeeFor(long satPerKvB, int vsize) => (satPerKvB * vsize + 999) / 1000;

    private static void CheckReplacement(NodeState node, BitcoinTransaction tx, long fee, List<string> conflicts, List<string> evicted)
    {
        var txid = tx.Txid;
        if (evicted.Count > ReplacementsMax)
            throw Rejected($"too many potential replacements, rejecting replacement {txid}; too many potential replacements ({evicted.Count} > {ReplacementsMax})");
        // Rule 2: no new unconfirmed inputs, so a replacement cannot pull in low-fee parents.
        var conflictParents = conflicts.SelectMany(c => node.Mempool[c].Tx.Inputs.Select(i => i.Prevout.Txid)).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < tx.Inputs.Count; i++)
            if (node.Mempool.ContainsKey(tx.Inputs[i].Prevout.Txid) && !conflictParents.Contains(tx.Inputs[i].Prevout.Txid))
                throw Rejected($"replacement-adds-unconfirmed, replacement {txid} adds unconfirmed input, idx {i}");
        // Rule 6: a higher feerate than every transaction it directly replaces.
        var feeRate = fee * 1000 / tx.VirtualSize;
        foreach (var conflict in conflicts.Select(c => node.Mempool[c]))
            if (feeRate <= conflict.FeeRateSatPerKvB)
                throw Rejected($"insufficient fee, rejecting replacement {txid}; new feerate {BtcJson.FeeRateText(feeRate)} <= old feerate {BtcJson.FeeRateText(conflict.FeeRateSatPerKvB)}");
        // Rules 3 and 4: pay for everything evicted, and for its own relay on top.
        var evictedFees = evicted.Sum(e => node.Mempool[e].FeeSats);
        if (fee < evictedFees)
            throw Rejected($"insufficient fee, rejecting replacement {txid}, less fees than conflicting txs; {BtcJson.FormatMoney(fee)} < {BtcJson.FormatMoney(evictedFees)}");
        var relayFee = FeeFor(IncrementalRelaySatPerKvB, tx.VirtualSize);
        if (fee - evictedFees < relayFee)
            throw Rejected($"insufficient fee, rejecting replacement {txid}, not enough additional fees to relay; {BtcJson.FormatMoney(fee - evictedFees)} < {BtcJson.FormatMoney(relayFee)}");
    }

    private static bool IsNullData(byte[] script) => script is [0x6a, ..];

    private static RpcException Rejected(string reason) => new(RpcErrorCodes.TransactionRejected, reason);
}

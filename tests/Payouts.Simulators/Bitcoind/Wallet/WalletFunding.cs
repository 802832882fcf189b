using Payouts.Core.Bitcoin;
using Payouts.Rails.Bitcoin;
using Payouts.Simulators.Bitcoind.Node;

namespace Payouts.Simulators.Bitcoind.Wallet;

internal sealed record FundingRequest(
    IReadOnlyList<TxOut> Outputs,
    IReadOnlyList<OutPoint> PresetInputs,
    bool AddInputs,
    long FeeRateSatPerKvB,
    uint Sequence,
    uint LockTime,
    int? ChangePosition,
    IReadOnlyList<int> SubtractFeeFrom,
    int MinConfirmations);

internal sealed record Funded(BitcoinTransaction Tx, long FeeSats, int ChangePosition, IReadOnlyList<TxOut> Spent);

/// <summary>
/// The wallet's FundTransaction: select coins, price the transaction at the fee rate on its estimated signed size, add
/// change. Deterministic where Core randomizes (largest coins first, change last), so tests can predict the result.
/// The estimate uses a 72-byte signature like Core's, so the signed transaction (65-byte signatures) never pays less
/// than the rate asked for.
/// </summary>
internal static class WalletFunding
{
    private const int EstimatedSignatureBytes = 72;

    /// <summary>Core's change dust threshold for P2WPKH at the 3 sat/vB dust relay fee.</summary>
    private static readonly long ChangeDustSats = BitcoinDust.LimitSats([0x00, 0x14, .. new byte[20]]);

    public static Funded Fund(SimWallet wallet, NodeState node, FundingRequest request)
    {
        if (request.Outputs.Any(o => o.ValueSats < BitcoinDust.LimitSats(o.ScriptPubKey) && !request.SubtractFeeFrom.Any()))
            throw new RpcException(RpcErrorCodes.WalletError, "Transaction amount too small");
        var changePosition = request.ChangePosition ?? request.Outputs.Count;
        if (changePosition < 0 || changePosition > request.Outputs.Count)
            throw new RpcException(RpcErrorCodes.InvalidParameter, "changePosition out of bounds");

        var selected = request.PresetInputs.Select(p => (p, Output: node.FindAnyOutput(p)
            ?? throw new RpcException(RpcErrorCodes.WalletError, $"Not found pre-selected input {p}"))).ToList();
        var candidates = request.AddInputs
            ? wallet.Spendable(node, request.MinConfirmations)
                .Where(c => !request.PresetInputs.Contains(c.OutPoint))
                .OrderByDescending(c => c.Output.ValueSats).ThenByDescending(c => c.Confirmations).ThenBy(c => c.OutPoint.ToString(), StringComparer.Ordinal)
                .ToList()
            : [];
        var target = request.Outputs.Sum(o => o.ValueSats);
        var changeScript = new byte[22];

        foreach (var next in candidates.Cast<WalletCoin?>().Prepend(null))
        {
            if (next is not null) selected.Add((next.OutPoint, next.Output));
            var inputs = selected.Sum(s => s.Output.ValueSats);
            var feeWithChange = Fee(selected.Count, request, changeScript, changePosition);
            var feeNoChange = Fee(selected.Count, request, null, changePosition);
            var subtract = request.SubtractFeeFrom.Count > 0;
            var change = inputs - target - (subtract ? 0 : feeWithChange);
            if (change >= ChangeDustSats)
                return Build(wallet, node, request, selected, target, feeWithChange, change, changePosition);
            if (inputs - target - (subtract ? 0 : feeNoChange) >= 0)
                return Build(wallet, node, request, selected, target, subtract ? feeNoChange : inputs - target, 0, -1);
        }
        throw new RpcException(RpcErrorCodes.WalletError, request.PresetInputs.Count > 0 && !request.AddInputs
            ? "The preselected coins total amount does not cover the transaction target. Please allow other inputs to be automatically selected or include more coins manually"
            : "Insufficient funds");
    }

    private static Funded Build(SimWallet wallet, NodeState node, FundingRequest request,
        List<(OutPoint OutPoint, TxOut Output)> selected, long target, long fee, long change, int changePosition)
    {
        var outputs = request.Outputs.ToList();
        if (request.SubtractFeeFrom.Count > 0)
        {
            // Core splits the fee evenly and the first subtracted output also pays the remainder.
            var share = fee / request.SubtractFeeFrom.Count;
            var remainder = fee - share * request.SubtractFeeFrom.Count;
            for (var k = 0; k < request.SubtractFeeFrom.Count; k++)
            {
                var i = request.SubtractFeeFrom[k];
                var value = outputs[i].ValueSats - share - (k == 0 ? remainder : 0);
                if (value < BitcoinDust.LimitSats(outputs[i].ScriptPubKey))
                    throw new RpcException(RpcErrorCodes.WalletError, "The transaction amount is too small to pay the fee");
                outputs[i] = outputs[i] with { ValueSats = value };
            }
        }
        if (changePosition >= 0) outputs.Insert(changePosition, new TxOut(change, wallet.NewScript(node)));
        var inputs = selected.Select(s => TxIn.Unsigned(s.OutPoint, request.Sequence)).ToList();
        var tx = new BitcoinTransaction(2, inputs, outputs, request.LockTime);
        return new Funded(tx, selected.Sum(s => s.Output.ValueSats) - outputs.Sum(o => o.ValueSats), changePosition,
            selected.Select(s => s.Output).ToList());
    }

    /// <summary>The fee for the transaction as it will be once signed: every input with a P2WPKH witness.</summary>
    private static long Fee(int inputCount, FundingRequest request, byte[]? changeScript, int changePosition)
    {
        var outputs = request.Outputs.ToList();
        if (changeScript is not null) outputs.Insert(changePosition, new TxOut(0, changeScript));
        byte[][] witness = [new byte[EstimatedSignatureBytes], new byte[FakeKeys.PubKeyBytes]];
        var inputs = Enumerable.Range(0, inputCount)
            .Select(i => new TxIn(new OutPoint(NodeState.NullTxid, (uint)i), [], request.Sequence, witness)).ToList();
        var vsize = new BitcoinTransaction(2, inputs, outputs, request.LockTime).VirtualSize;
        return MempoolPolicy.FeeFor(request.FeeRateSatPerKvB, vsize);
    }

    /// <summary>The PSBT walletcreatefundedpsbt and psbtbumpfee return: unsigned, with each input's UTXO and key path.</summary>
    public static Psbt ToPsbt(SimWallet wallet, NodeState node, BitcoinTransaction tx, bool bip32Derivs)
    {
        var psbt = Psbt.FromUnsignedTransaction(tx);
        for (var i = 0; i < tx.Inputs.Count; i++)
        {
            var prevout = tx.Inputs[i].Prevout;
            var map = psbt.Inputs[i];
            if (node.Seen.TryGetValue(prevout.Txid, out var previous))
                map = map.With(PsbtEntry.Typed(PsbtKeyTypes.InputNonWitnessUtxo, previous.Serialize(includeWitness: false)));
            if (node.FindAnyOutput(prevout) is { } spent)
            {
                map = map.With(PsbtEntry.Typed(PsbtKeyTypes.InputWitnessUtxo, WitnessUtxo(spent)));
                if (bip32Derivs && node.Keys.TryGetPubKey(wallet.Secret, spent.ScriptPubKey, out var pubKey))
                    map = map.With(PsbtEntry.Typed(PsbtKeyTypes.InputBip32Derivation, KeyOrigin(wallet), pubKey));
            }
            psbt = psbt.WithInput(i, map);
        }
        return psbt;
    }

    private static byte[] WitnessUtxo(TxOut output) =>
        [.. BitConverter.GetBytes(output.ValueSats), (byte)output.ScriptPubKey.Length, .. output.ScriptPubKey];

    /// <summary>A master fingerprint and the path m/84'/1'/0' (BIP84): enough for a client that reads key origins.</summary>
    private static byte[] KeyOrigin(SimWallet wallet) =>
        [.. wallet.Secret[..4], .. BitConverter.GetBytes(0x80000054u), .. BitConverter.GetBytes(0x80000001u), .. BitConverter.GetBytes(0x80000000u)];
}

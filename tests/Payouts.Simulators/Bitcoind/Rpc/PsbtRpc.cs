using System.Text.Json;
using System.Text.Json.Nodes;
using Payouts.Core.Bitcoin;
using Payouts.Rails.Bitcoin;
using Payouts.Simulators.Bitcoind.Node;
using Payouts.Simulators.Bitcoind.Wallet;

namespace Payouts.Simulators.Bitcoind.Rpc;

/// <summary>The PSBT flow the on-chain rail drives: create funded, process (sign), finalize, and bump.</summary>
internal static class PsbtRpc
{
    public static JsonNode WalletCreateFundedPsbt(RpcContext c)
    {
        var w = c.Wallet();
        var presets = ParseInputs(c.Params.Array(0));
        var outputs = ParseOutputs(c.Params.Required(1), c.Node.Network);
        var lockTime = (uint)c.Params.Int(2, 0);
        var options = c.Params.Object(3);
        var feeRate = FeeRate(c.Node, options);
        var replaceable = Option(options, "replaceable") is not { } r || r.GetBoolean();
        var funded = WalletFunding.Fund(w, c.Node, new FundingRequest(
            outputs,
            presets,
            AddInputs: Option(options, "add_inputs") is { } add ? add.GetBoolean() : presets.Count == 0,
            feeRate,
            replaceable ? TxIn.SequenceRbf : TxIn.SequenceFinal - 1,
            lockTime,
            Option(options, "changePosition") is { } pos ? pos.GetInt32() : null,
            SubtractFeeFrom(options, outputs.Count),
            MinConfirmations: 0));
        if (Option(options, "lockUnspents") is { ValueKind: JsonValueKind.True })
            foreach (var input in funded.Tx.Inputs) w.Locked.Add(input.Prevout);
        var psbt = WalletFunding.ToPsbt(w, c.Node, funded.Tx, c.Params.Bool(4, true));
        return new JsonObject { ["psbt"] = psbt.ToBase64(), ["fee"] = BtcJson.Btc(funded.FeeSats), ["changepos"] = funded.ChangePosition };
    }

    /// <summary>Signs (and by default finalizes) every input this wallet owns; others are left as they are.</summary>
    public static JsonNode WalletProcessPsbt(RpcContext c)
    {
        var w = c.Wallet();
        var psbt = DecodePsbt(c.Params.String(0));
        var sign = c.Params.Bool(1, true);
        var sighash = c.Params.OptionalString(2) ?? "DEFAULT";
        if (sighash is not ("DEFAULT" or "ALL"))
            throw new RpcException(RpcErrorCodes.InvalidParameter, $"'{sighash}' is not a valid sighash parameter.");
        var finalize = c.Params.Bool(4, true);
        for (var i = 0; i < psbt.Inputs.Count && sign; i++)
        {
            if (psbt.IsInputFinalized(i)) continue;
            var spent = psbt.GetWitnessUtxo(i) ?? c.Node.FindAnyOutput(psbt.UnsignedTx.Inputs[i].Prevout);
            if (spent is null || !c.Node.Keys.TryGetPubKey(w.Secret, spent.ScriptPubKey, out var pubKey)) continue;
            if (psbt.GetWitnessUtxo(i) is null) psbt = psbt.WithWitnessUtxo(i, spent);
            var signature = FakeKeys.Sign(w.Secret, psbt.UnsignedTx.Txid, i, spent.ValueSats);
            psbt = finalize
                ? psbt.WithFinalizedInput(i, scriptSig: null, witness: [signature, pubKey])
                : psbt.WithPartialSignature(i, pubKey, signature);
        }
        var result = new JsonObject { ["psbt"] = psbt.ToBase64(), ["complete"] = psbt.IsComplete };
        if (psbt.IsComplete) result["hex"] = psbt.Extract().ToHex();
        return result;
    }

    /// <summary>Finalizes P2WPKH inputs that carry a partial signature; with extract, a complete PSBT becomes hex.</summary>
    public static JsonNode FinalizePsbt(RpcContext c)
    {
        var psbt = DecodePsbt(c.Params.String(0));
        for (var i = 0; i < psbt.Inputs.Count; i++)
        {
            if (psbt.IsInputFinalized(i) || psbt.GetPartialSignatures(i) is not [var partial]) continue;
            if (psbt.GetWitnessUtxo(i) is { ScriptPubKey: [0x00, 0x14, ..] })
                psbt = psbt.WithFinalizedInput(i, scriptSig: null, witness: [partial.Signature, partial.PubKey]);
        }
        var extract = c.Params.Bool(1, true);
        if (psbt.IsComplete && extract) return new JsonObject { ["hex"] = psbt.Extract().ToHex(), ["complete"] = true };
        return new JsonObject { ["psbt"] = psbt.ToBase64(), ["complete"] = psbt.IsComplete };
    }

    /// <summary>
    /// Core's psbtbumpfee: an unsigned replacement that spends every input of the original (so at most one of them can
    /// confirm), keeps the recipients, lowers the change, and adds confirmed inputs if the change cannot pay.
    /// </summary>
    public static JsonNode PsbtBumpFee(RpcContext c)
    {
        var w = c.Wallet();
        var txid = c.Params.String(0);
        var options = c.Params.Object(1);
        if (!w.Txs.TryGetValue(txid, out var wtx)) throw new RpcException(RpcErrorCodes.InvalidAddressOrKey, "Invalid or non-wallet transaction id");
        var node = c.Node;
        if (w.Txs.Values.Any(o => o.Tx.Inputs.Any(i => i.Prevout.Txid == txid) && SimWallet.Depth(o, node) >= 0 && !o.Abandoned))
            throw new RpcException(RpcErrorCodes.InvalidParameter, "Transaction has descendants in the wallet");
        if (node.Descendants(txid).Count > 0) throw new RpcException(RpcErrorCodes.InvalidParameter, "Transaction has descendants in the mempool");
        if (SimWallet.Depth(wtx, node) != 0)
            throw new RpcException(RpcErrorCodes.WalletError, "Transaction has been mined, or is conflicted with a mined transaction");
        if (!node.FullRbf && !wtx.Tx.SignalsRbf) throw new RpcException(RpcErrorCodes.InvalidParameter, "Transaction is not BIP 125 replaceable");
        if (wtx.ReplacedBy is not null)
            throw new RpcException(RpcErrorCodes.WalletError, $"Cannot bump transaction {txid} which was already bumped by transaction {wtx.ReplacedBy}");
        if (!w.IsFromMe(wtx.Tx, node) || wtx.Tx.Inputs.Any(i => node.FindAnyOutput(i.Prevout) is not { } o || !w.IsMine(o.ScriptPubKey)))
            throw new RpcException(RpcErrorCodes.WalletError, "Transaction contains inputs that don't belong to this wallet");

        var oldFee = node.FeeOf(wtx.Tx)!.Value;
        var oldRate = oldFee * 1000 / wtx.Tx.VirtualSize;
        // Core's minimum: the old rate plus the incremental relay fee; without fee_rate it estimates, but never below that.
        var minRate = oldRate + MempoolPolicy.IncrementalRelaySatPerKvB;
        var requested = Option(options, "fee_rate") is { } rate ? SatPerVbyteToKvB(rate) : (long?)null;
        var feeRate = requested ?? Math.Max(minRate, FeeRate(node, options, allowFallback: true));
        var recipients = wtx.Tx.Outputs.Where(o => !w.IsMine(o.ScriptPubKey)).ToList();
        var funded = WalletFunding.Fund(w, node, new FundingRequest(recipients, wtx.Tx.Inputs.Select(i => i.Prevout).ToList(),
            AddInputs: true, feeRate, wtx.Tx.Inputs[0].Sequence, wtx.Tx.LockTime, null, [], MinConfirmations: 1));
        var minFee = oldFee + MempoolPolicy.FeeFor(MempoolPolicy.IncrementalRelaySatPerKvB, funded.Tx.VirtualSize);
        if (requested is not null && (funded.FeeSats < minFee || feeRate <= oldRate))
            throw new RpcException(RpcErrorCodes.InvalidParameter,
                $"Insufficient total fee {BtcJson.FormatMoney(funded.FeeSats)}, must be at least {BtcJson.FormatMoney(minFee)} (oldFee {BtcJson.FormatMoney(oldFee)} + incrementalFee {BtcJson.FormatMoney(minFee - oldFee)})");
        var psbt = WalletFunding.ToPsbt(w, node, funded.Tx, bip32Derivs: true);
        return new JsonObject { ["psbt"] = psbt.ToBase64(), ["origfee"] = BtcJson.Btc(oldFee), ["fee"] = BtcJson.Btc(funded.FeeSats), ["errors"] = new JsonArray() };
    }

    private static List<OutPoint> ParseInputs(JsonElement? inputs) =>
        inputs?.EnumerateArray().Select(i =>
        {
            var txid = i.TryGetProperty("txid", out var t) ? t.GetString() : null;
            if (txid is not { Length: 64 }) throw new RpcException(RpcErrorCodes.InvalidParameter, "txid must be of length 64");
            if (!i.TryGetProperty("vout", out var v) || v.ValueKind != JsonValueKind.Number)
                throw new RpcException(RpcErrorCodes.InvalidParameter, "Invalid parameter, missing vout key");
            if (v.GetInt32() < 0) throw new RpcException(RpcErrorCodes.InvalidParameter, "Invalid parameter, vout cannot be negative");
            return new OutPoint(txid, (uint)v.GetInt32());
        }).ToList() ?? [];

    /// <summary>Core's ParseOutputs: an array of one-key objects or one object; "data" is an OP_RETURN.</summary>
    private static List<TxOut> ParseOutputs(JsonElement outputs, BitcoinNetwork network)
    {
        var pairs = outputs.ValueKind switch
        {
            JsonValueKind.Object => outputs.EnumerateObject().ToList(),
            JsonValueKind.Array => outputs.EnumerateArray().SelectMany(o => RpcParams.Expect(o, JsonValueKind.Object).EnumerateObject()).ToList(),
            _ => throw new RpcException(RpcErrorCodes.TypeError, "JSON value of type " + outputs.ValueKind.ToString().ToLowerInvariant() + " is not of expected type array"),
        };
        if (pairs.Count == 0) throw new RpcException(RpcErrorCodes.InvalidParameter, "Invalid parameter, output argument must be non-null");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<TxOut>();
        foreach (var pair in pairs)
        {
            if (pair.Name == "data")
            {
                var data = Convert.FromHexString(pair.Value.GetString() ?? "");
                result.Add(new TxOut(0, [0x6a, (byte)data.Length, .. data]));
                continue;
            }
            if (!BitcoinAddress.TryParse(pair.Name, network, out var address, out _))
                throw new RpcException(RpcErrorCodes.InvalidAddressOrKey, $"Invalid Bitcoin address: {pair.Name}");
            if (!seen.Add(address.Text)) throw new RpcException(RpcErrorCodes.InvalidParameter, $"Invalid parameter, duplicated address: {pair.Name}");
            result.Add(new TxOut(BtcJson.ParseAmountSats(pair.Value), address.ScriptPubKey));
        }
        return result;
    }

    private static List<int> SubtractFeeFrom(JsonElement? options, int outputCount)
    {
        if (Option(options, "subtractFeeFromOutputs") is not { } array) return [];
        var indexes = array.EnumerateArray().Select(e => e.GetInt32()).ToList();
        foreach (var i in indexes)
        {
            if (i < 0 || i >= outputCount) throw new RpcException(RpcErrorCodes.InvalidParameter, $"Invalid parameter, value out of range: {i}");
            if (indexes.Count(x => x == i) > 1) throw new RpcException(RpcErrorCodes.InvalidParameter, $"Invalid parameter, duplicated position: {i}");
        }
        return indexes.Distinct().ToList();
    }

    /// <summary>
    /// The fee rate in sat/kvB from fee_rate (sat/vB) or feeRate (BTC/kvB), else the estimate for conf_target. Core has
    /// no fallback fee by default, so without an estimate funding fails as it does on a fresh node.
    /// </summary>
    private static long FeeRate(NodeState node, JsonElement? options, bool allowFallback = false)
    {
        var satPerVbyte = Option(options, "fee_rate");
        var btcPerKvB = Option(options, "feeRate");
        var confTarget = Option(options, "conf_target");
        if (satPerVbyte is not null && btcPerKvB is not null)
            throw new RpcException(RpcErrorCodes.InvalidParameter, "Cannot specify both fee_rate (sat/vB) and feeRate (BTC/kvB)");
        if ((satPerVbyte ?? btcPerKvB) is not null && confTarget is not null)
            throw new RpcException(RpcErrorCodes.InvalidParameter,
                "Cannot specify both conf_target and fee_rate. Please provide either a confirmation target in blocks for automatic fee estimation, or an explicit fee rate.");
        long? rate = satPerVbyte is { } s ? SatPerVbyteToKvB(s) : btcPerKvB is { } b ? BtcJson.ParseAmountSats(b) : null;
        if (rate is { } explicitRate)
        {
            if (explicitRate < MempoolPolicy.MinRelaySatPerKvB)
                throw new RpcException(RpcErrorCodes.WalletError,
                    $"Fee rate ({explicitRate / 1000m:0.000} sat/vB) is lower than the minimum fee rate setting ({MempoolPolicy.MinRelaySatPerKvB / 1000m:0.000} sat/vB)");
            return explicitRate;
        }
        var target = confTarget?.GetInt32() ?? 6;
        if (ChainRpc.EstimateFor(node, Math.Max(target, 2)) is { } estimate) return (long)Math.Ceiling(estimate.SatPerVbyte * 1000);
        if (allowFallback) return MempoolPolicy.MinRelaySatPerKvB;
        throw new RpcException(RpcErrorCodes.WalletError, "Fee estimation failed. Fallbackfee is disabled. Wait a few blocks or enable -fallbackfee.");
    }

    private static long SatPerVbyteToKvB(JsonElement value)
    {
        if (!BtcJson.TryDecimal(value, out var satPerVbyte)) throw new RpcException(RpcErrorCodes.TypeError, "Amount is not a number or string");
        if (satPerVbyte < 0) throw new RpcException(RpcErrorCodes.TypeError, "Amount out of range");
        if (decimal.Round(satPerVbyte, 3) != satPerVbyte) throw new RpcException(RpcErrorCodes.TypeError, "Invalid amount");
        return (long)(satPerVbyte * 1000);
    }

    private static JsonElement? Option(JsonElement? options, string name) =>
        options is { } o && o.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static Psbt DecodePsbt(string base64) =>
        Psbt.TryParseBase64(base64, out var psbt, out var error)
            ? psbt
            : throw new RpcException(RpcErrorCodes.DeserializationError, $"TX decode failed {error}");
}

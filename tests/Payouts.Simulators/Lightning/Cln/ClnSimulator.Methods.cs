using System.Text.Json;
using System.Text.Json.Nodes;
using Payouts.Core.Bitcoin;
using Payouts.Core.Lightning;

namespace Payouts.Simulators.Lightning.Cln;

/// <summary>The commands, shared by the socket and clnrest. pay blocks until the payment ends, as lightningd's does.</summary>
public sealed partial class ClnSimulator
{
    private static readonly string[] PayParams =
        ["bolt11", "amount_msat", "label", "riskfactor", "maxfeepercent", "retry_for", "maxdelay", "exemptfee", "localinvreqid", "exclude", "maxfee", "description"];

    private long _groupId;

    /// <summary>Runs one call. With <c>Drop</c> the caller must close the connection instead of replying.</summary>
    internal async Task<ClnOutcome> Execute(string method, JsonElement? parameters, string via)
    {
        Record(new ClnCall(method, parameters?.GetRawText() ?? "", via));
        if (TakeFailure(method) is { } injected) return new ClnOutcome(null, injected, false);
        var drop = TakeDrop(method);
        try
        {
            switch (method)
            {
                case "getinfo":
                    _ = new ClnParams(parameters, []);
                    return new ClnOutcome(GetInfo(), null, drop);
                case "listfunds":
                    _ = new ClnParams(parameters, ["spent"]);
                    return new ClnOutcome(ListFunds(), null, drop);
                case "listpeerchannels":
                    _ = new ClnParams(parameters, ["id"]);
                    return new ClnOutcome(ListPeerChannels(), null, drop);
                case "listpays":
                    return new ClnOutcome(ListPays(new ClnParams(parameters, ["bolt11", "payment_hash", "status"])), null, drop);
                case "pay":
                    var started = StartPay(new ClnParams(parameters, PayParams));
                    if (started.Earlier is { } earlier) return new ClnOutcome(PaySuccess(earlier), null, drop);
                    // The payment has left; a dropped connection does not stop it (lightningd keeps paying).
                    if (drop) return new ClnOutcome(null, null, true);
                    await started.Pay!.Network.Finished.ConfigureAwait(false);
                    return PayOutcome(started.Pay);
                default:
                    throw new ClnRpcError(ClnRpcError.MethodNotFound, $"Unknown command '{method}'");
            }
        }
        catch (ClnRpcError e)
        {
            return new ClnOutcome(null, e, drop);
        }
    }

    private (ClnPay? Pay, ClnPay? Earlier) StartPay(ClnParams p)
    {
        var text = p.String("bolt11") ?? throw new ClnRpcError(ClnRpcError.InvalidParams, "missing required parameter: bolt11");
        if (!Bolt11Invoice.TryParse(text, out var invoice, out var error))
            throw new ClnRpcError(ClnRpcError.InvalidParams, $"Invalid bolt11: {error}");
        if (invoice.Network != ChainNetwork)
            throw new ClnRpcError(ClnRpcError.InvalidParams, $"Invoice is for another network {ChainName(invoice.Network)}");
        var requested = p.Msat("amount_msat");
        if (invoice.AmountMsat is not null && requested is not null)
            throw new ClnRpcError(ClnRpcError.InvalidParams, "amount_msat parameter unnecessary");
        if (invoice.AmountMsat is null && requested is null)
            throw new ClnRpcError(ClnRpcError.InvalidParams, "amount_msat parameter required");
        if (p.Has("maxfee") && (p.Has("maxfeepercent") || p.Has("exemptfee")))
            throw new ClnRpcError(ClnRpcError.InvalidParams, "If you specify maxfee, cannot specify maxfeepercent or exemptfee.");
        if (NetworkSim.Time.GetUtcNow() > invoice.ExpiresAt) throw new ClnRpcError(ClnRpcError.InvoiceExpired, "Invoice expired");
        var amount = invoice.AmountMsat ?? requested!.Value;
        // pay's budget: maxfee, or maxfeepercent of the amount (default 0.5%) but never less than exemptfee (default 5000msat).
        var maxFee = p.Msat("maxfee")
            ?? Math.Max((long)(amount * (p.Number("maxfeepercent") ?? 0.5) / 100), p.Msat("exemptfee") ?? 5000);

        lock (_gate)
        {
            var earlier = _pays.Where(x => string.Equals(x.PaymentHash, invoice.PaymentHash, StringComparison.OrdinalIgnoreCase)).ToList();
            if (earlier.FirstOrDefault(x => x.State == PaymentState.Succeeded) is { } complete)
            {
                if (complete.AmountMsat != amount)
                    throw new ClnRpcError(ClnRpcError.RhashAlreadyUsed, $"Already succeeded with amount {complete.AmountMsat}msat (not {amount}msat)");
                return (null, complete);
            }
            if (earlier.FirstOrDefault(x => x.State == PaymentState.InFlight) is { } pending)
                throw new ClnRpcError(ClnRpcError.PayInProgress,
                    $"Payment with groupid={pending.GroupId} still in progress, cannot retry before that completes.");
            // Route selection happens before any sendpay: a route over budget or beyond the channels records nothing.
            var fee = NetworkSim.RouteFeeMsat(invoice.PaymentHash);
            if (fee > maxFee)
                throw new ClnRpcError(ClnRpcError.RouteTooExpensive, $"Fee exceeds our fee budget: {fee}msat > {maxFee}msat, discarding route");
            if (amount + fee > SpendableLocked())
                throw new ClnRpcError(ClnRpcError.RouteNotFound, "Ran out of routes to try after 0 attempts: see `paystatus`");
            var pay = new ClnPay(++_groupId, invoice, amount, NetworkSim.Time.GetUtcNow(),
                NetworkSim.Send(NodeId, invoice, amount, maxFee));
            _pays.Add(pay);
            return (pay, null);
        }
    }

    private static ClnOutcome PayOutcome(ClnPay pay)
    {
        if (pay.State == PaymentState.Succeeded) return new ClnOutcome(PaySuccess(pay), null, false);
        var data = new JsonObject
        {
            ["payment_hash"] = pay.PaymentHash,
            ["destination"] = pay.Invoice.PayeePubKey,
            ["created_at"] = CreatedAt(pay),
            ["status"] = "failed",
            ["amount_msat"] = pay.AmountMsat,
            ["amount_sent_msat"] = pay.AmountMsat,
        };
        var error = pay.Network.Failure switch
        {
            LightningFailure.IncorrectPaymentDetails => new ClnRpcError(ClnRpcError.DestinationPermFail,
                "failed: WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS (reply from remote)",
                Merge(data, new JsonObject { ["failcode"] = 16399, ["failcodename"] = "WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS", ["erring_index"] = 1 })),
            LightningFailure.RouteTooExpensive => new ClnRpcError(ClnRpcError.RouteTooExpensive, "Fee exceeds our fee budget", data),
            LightningFailure.Timeout => new ClnRpcError(ClnRpcError.StoppedRetrying, "Timed out: see `paystatus`", data),
            LightningFailure.Error => new ClnRpcError(ClnRpcError.UnspecifiedError, "Unspecified error", data),
            LightningFailure.NoRoute or LightningFailure.InsufficientBalance or null =>
                new ClnRpcError(ClnRpcError.RouteNotFound, "Ran out of routes to try after 1 attempt: see `paystatus`", data),
        };
        return new ClnOutcome(null, error, false);
    }

    private static JsonObject Merge(JsonObject a, JsonObject b)
    {
        foreach (var (key, value) in b) a[key] = value?.DeepClone();
        return a;
    }

    private static JsonObject PaySuccess(ClnPay pay) => new()
    {
        ["destination"] = pay.Invoice.PayeePubKey,
        ["payment_hash"] = pay.PaymentHash,
        ["created_at"] = CreatedAt(pay),
        ["parts"] = 1,
        ["amount_msat"] = pay.AmountMsat,
        ["amount_sent_msat"] = pay.AmountSentMsat,
        ["payment_preimage"] = pay.Network.PreimageHex,
        ["status"] = "complete",
    };

    /// <summary>pay reports created_at as seconds with a fraction.</summary>
    private static double CreatedAt(ClnPay pay) => Math.Round(pay.CreatedAt.ToUnixTimeMilliseconds() / 1000.0, 3);

    private JsonObject ListPays(ClnParams p)
    {
        var bolt11 = p.String("bolt11");
        var hash = p.String("payment_hash");
        var status = p.String("status");
        if (bolt11 is not null && hash is not null)
            throw new ClnRpcError(ClnRpcError.InvalidParams, "Can only specify one of {bolt11} or {payment_hash}");
        List<ClnPay> pays;
        lock (_gate) pays = _pays.ToList();
        var list = new JsonArray();
        foreach (var pay in pays)
        {
            if (bolt11 is not null && !string.Equals(pay.Invoice.Text, bolt11.Trim(), StringComparison.OrdinalIgnoreCase)) continue;
            if (hash is not null && !string.Equals(pay.PaymentHash, hash, StringComparison.OrdinalIgnoreCase)) continue;
            if (status is not null && pay.Status != status) continue;
            var entry = new JsonObject
            {
                ["bolt11"] = pay.Invoice.Text,
                ["destination"] = pay.Invoice.PayeePubKey,
                ["payment_hash"] = pay.PaymentHash,
                ["status"] = pay.Status,
                ["created_at"] = pay.CreatedAt.ToUnixTimeSeconds(),
            };
            if (pay.Network.FinishedAt is { } done) entry["completed_at"] = done.ToUnixTimeSeconds();
            if (pay.Invoice.Description is { } description) entry["description"] = description;
            if (pay.State == PaymentState.Succeeded)
            {
                entry["preimage"] = pay.Network.PreimageHex;
                entry["number_of_parts"] = 1;
            }
            entry["amount_msat"] = pay.AmountMsat;
            entry["amount_sent_msat"] = pay.AmountSentMsat;
            list.Add(entry);
        }
        return new JsonObject { ["pays"] = list };
    }

    private JsonObject GetInfo() => new()
    {
        ["id"] = NodeId,
        ["alias"] = Options.Alias,
        ["color"] = "02bf81",
        ["num_peers"] = 1,
        ["num_pending_channels"] = 0,
        ["num_active_channels"] = 1,
        ["num_inactive_channels"] = 0,
        ["address"] = new JsonArray(),
        ["binding"] = new JsonArray(),
        ["version"] = "v24.08",
        ["blockheight"] = Options.BlockHeight,
        ["network"] = ChainName(ChainNetwork),
        ["fees_collected_msat"] = 0,
        ["lightning-dir"] = Path.Combine(LightningDir, ChainName(ChainNetwork)),
        ["our_features"] = new JsonObject { ["init"] = "08a0000a8a5961", ["node"] = "88a0000a8a5961", ["channel"] = "", ["invoice"] = "02000002024100" },
    };

    private (string PeerId, string ChannelId, string Scid) Channel()
    {
        var seed = Convert.FromHexString(NodeId);
        return ("02" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(seed)),
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([.. seed, 1])), $"{Options.BlockHeight - 100}x1x0");
    }

    private JsonObject ListFunds()
    {
        long spendable;
        lock (_gate) spendable = SpendableLocked();
        var (peer, channelId, scid) = Channel();
        return new JsonObject
        {
            ["outputs"] = new JsonArray(),
            ["channels"] = new JsonArray(new JsonObject
            {
                ["peer_id"] = peer, ["connected"] = true, ["state"] = "CHANNELD_NORMAL", ["channel_id"] = channelId,
                ["short_channel_id"] = scid, ["our_amount_msat"] = spendable, ["amount_msat"] = Options.SpendableMsat * 2,
                ["funding_txid"] = channelId, ["funding_output"] = 0,
            }),
        };
    }

    private JsonObject ListPeerChannels()
    {
        long spendable, sent;
        lock (_gate) (spendable, sent) = (SpendableLocked(), SentLocked());
        var (peer, channelId, scid) = Channel();
        var total = Options.SpendableMsat * 2;
        return new JsonObject
        {
            ["channels"] = new JsonArray(new JsonObject
            {
                ["peer_id"] = peer, ["peer_connected"] = true, ["state"] = "CHANNELD_NORMAL", ["short_channel_id"] = scid,
                ["channel_id"] = channelId, ["funding_txid"] = channelId, ["funding_outnum"] = 0,
                ["to_us_msat"] = spendable, ["total_msat"] = total, ["spendable_msat"] = spendable,
                ["receivable_msat"] = total - Options.SpendableMsat + sent,
            }),
        };
    }

    /// <summary>lightningd's network names (chainparams' network_name).</summary>
    internal static string ChainName(BitcoinNetwork network) => network switch
    {
        BitcoinNetwork.Mainnet => "bitcoin",
        BitcoinNetwork.Testnet => "testnet",
        BitcoinNetwork.Signet => "signet",
        BitcoinNetwork.Regtest => "regtest",
    };
}

/// <summary>What a call produced: a result or an error, or <c>Drop</c>: close the connection without a reply.</summary>
internal sealed record ClnOutcome(JsonNode? Result, ClnRpcError? Error, bool Drop);

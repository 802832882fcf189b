using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Payouts.Core.Bitcoin;
using Payouts.Core.Lightning;

namespace Payouts.Rails.Lightning;

/// <summary>
/// Core Lightning through <c>pay</c> and <c>listpays</c>. <c>pay</c> answers only once the payment is over (or with an
/// error); a failure it reports is checked against <c>listpays</c>, because a part still pending makes it not over.
/// </summary>
public sealed class ClnNode(IClnTransport rpc, string label) : ILightningNode
{
    public async Task<LightningPayment> Pay(LightningPayRequest r, CancellationToken ct)
    {
        var parameters = new JsonObject
        {
            ["bolt11"] = r.Invoice,
            // maxfee (msat) replaces maxfeepercent and exemptfee: one absolute cap, which we computed from both settings.
            ["maxfee"] = r.FeeLimitMsat,
            ["retry_for"] = (int)Math.Ceiling(r.Timeout.TotalSeconds),
        };
        if (r.AmountMsat is { } amount) parameters["amount_msat"] = amount;
        try
        {
            var result = await rpc.Call("pay", parameters, r.Wait, ct);
            return Succeeded(r.PaymentHash, result);
        }
        catch (TimeoutException)
        {
            // pay answers only when the payment ends; a payment still out past our wait is in flight, not unknown.
            if (await TrackAfterTimeout(r.PaymentHash, ct) is { } tracked) return tracked;
            throw;
        }
        catch (ClnRpcException e) when (e.Code == ClnRpcException.PayInProgress)
        {
            throw new LightningRefusedException(LightningRefusal.InFlight, $"{label}: {e.RpcMessage} (200)", e);
        }
        catch (ClnRpcException e) when (e.Code == ClnRpcException.PayRhashAlreadyUsed)
        {
            throw new LightningRefusedException(LightningRefusal.AlreadyPaid, $"{label}: {e.RpcMessage} (201)", e);
        }
        catch (ClnRpcException e) when (e.Code is ClnRpcException.PayInvoiceExpired or ClnRpcException.InvalidParams
                                        or ClnRpcException.PayInvoiceRequestInvalid)
        {
            throw new LightningRefusedException(LightningRefusal.BadInvoice, $"{label}: {e.RpcMessage} ({e.Code})", e);
        }
        catch (ClnRpcException e) when (e.Code is >= ClnRpcException.PayUnparseableOnion and <= ClnRpcException.PayStatusUnexpected)
        {
            // pay gave up; whether every part is over is listpays' to say.
            var tracked = await Track(r.PaymentHash, ct);
            return tracked is { Status: not LightningPaymentStatus.Failed } ? tracked
                : new LightningPayment(LightningPaymentStatus.Failed, r.PaymentHash, null, null, $"{e.RpcMessage} ({e.Code})");
        }
        catch (ClnRpcException e)
        {
            throw new LightningRefusedException(LightningRefusal.Other, $"{label}: {e.RpcMessage} ({e.Code})", e);
        }
    }

    /// <summary>Null when listpays does not show it (the call may not have reached lightningd) or cannot be asked: unknown.</summary>
    private async Task<LightningPayment?> TrackAfterTimeout(string paymentHash, CancellationToken ct)
    {
        try
        {
            return await Track(paymentHash, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    public async Task<LightningPayment?> Track(string paymentHash, CancellationToken ct)
    {
        var result = await rpc.Call("listpays", new JsonObject { ["payment_hash"] = paymentHash }, LightningRailSettings.CallTimeout, ct);
        var pays = result["pays"]?.AsArray().Where(p => p is not null).Select(p => p!).ToList() ?? [];
        if (pays.Count == 0) return null;
        // One entry per payment group: a success anywhere is the success; a pending group is not over yet.
        if (pays.FirstOrDefault(p => Status(p) == "complete") is { } complete)
            return new LightningPayment(LightningPaymentStatus.Succeeded, paymentHash, complete["preimage"]?.GetValue<string>(), Fee(complete));
        if (pays.Any(p => Status(p) == "pending"))
            return new LightningPayment(LightningPaymentStatus.InFlight, paymentHash, null, null);
        return new LightningPayment(LightningPaymentStatus.Failed, paymentHash, null, null, "listpays: every payment of this hash failed");
    }

    public async Task<LightningNodeInfo> GetInfo(CancellationToken ct)
    {
        var info = await rpc.Call("getinfo", [], LightningRailSettings.CallTimeout, ct);
        var chain = info["network"]?.GetValue<string>() ?? "";
        var network = chain == "bitcoin" ? "mainnet" : BitcoinNetworks.TryParse(chain, out var n) ? BitcoinNetworks.Name(n) : chain;
        decimal? balance = null;
        try
        {
            var funds = await rpc.Call("listfunds", [], LightningRailSettings.CallTimeout, ct);
            balance = Bolt11Invoice.MsatToBtc(funds["channels"]?.AsArray().Sum(c => Msat(c?["our_amount_msat"]) ?? 0) ?? 0);
        }
        catch (ClnRpcException) { }
        return new LightningNodeInfo(
            info["id"]?.GetValue<string>() ?? "",
            info["alias"]?.GetValue<string>(),
            network,
            info["blockheight"]?.GetValue<long>() ?? 0,
            info["version"]?.GetValue<string>() ?? "",
            // lightningd reports these only while it or bitcoind is still catching up.
            info["warning_bitcoind_sync"] is null && info["warning_lightningd_sync"] is null,
            balance,
            info["num_active_channels"]?.GetValue<int>());
    }

    private static LightningPayment Succeeded(string paymentHash, JsonNode result) =>
        new(LightningPaymentStatus.Succeeded, result["payment_hash"]?.GetValue<string>() ?? paymentHash,
            result["payment_preimage"]?.GetValue<string>(), Fee(result));

    private static string? Status(JsonNode pay) => pay["status"]?.GetValue<string>();

    private static long? Fee(JsonNode pay) => Msat(pay["amount_sent_msat"]) - Msat(pay["amount_msat"]);

    /// <summary>An msat field: a number since v23, "123msat" before.</summary>
    private static long? Msat(JsonNode? value) => value?.GetValueKind() switch
    {
        JsonValueKind.Number => value.GetValue<long>(),
        JsonValueKind.String when long.TryParse(value.GetValue<string>().Replace("msat", "", StringComparison.Ordinal), NumberStyles.None,
            CultureInfo.InvariantCulture, out var v) => v,
        _ => null,
    };
}

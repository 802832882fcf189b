using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Payouts.Core.Bitcoin;

namespace Payouts.Rails.Lightning;

/// <summary>
/// LND's REST gateway (grpc-gateway over lnd's gRPC): <c>/v2/router/send</c> and <c>/v2/router/track/{hash}</c> stream
/// one JSON object per line (<c>{"result":Payment}</c> or <c>{"error":Status}</c>); int64 fields are strings and bytes in
/// a path are URL-safe base64. The macaroon goes in the <c>Grpc-Metadata-macaroon</c> header.
/// </summary>
public sealed class LndRestClient(HttpClient http, LightningRailSettings settings) : ILightningNode
{
    public async Task<LightningPayment> Pay(LightningPayRequest r, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["payment_request"] = r.Invoice,
            ["fee_limit_msat"] = LightningRailSettings.Msat(r.FeeLimitMsat),
            ["timeout_seconds"] = (int)Math.Ceiling(r.Timeout.TotalSeconds),
            ["no_inflight_updates"] = false,
        };
        if (r.AmountMsat is { } amount) body["amt_msat"] = LightningRailSettings.Msat(amount);
        using var request = await Request(HttpMethod.Post, "v2/router/send", ct);
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(r.Wait);
        LightningPayment? last = null;
        try
        {
            using var response = await Send(request, wait.Token);
            await foreach (var message in Lines(response, wait.Token))
            {
                last = message ?? throw new IOException("LND closed the payment stream before it ended");
                if (last.Status != LightningPaymentStatus.InFlight) return last;
            }
            throw new IOException("LND closed the payment stream before the payment ended");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Our wait is over, not the payment: what the node last said stands, and the reconciler tracks it from here.
            return last ?? throw new TimeoutException($"LND did not answer the payment within {r.Wait.TotalSeconds:0} s");
        }
        catch (LndErrorException e) when (last is null)
        {
            // An error instead of a first payment message: lnd refused before creating a payment.
            throw new LightningRefusedException(e.Refusal, e.Message, e);
        }
        catch (LndErrorException) when (last is not null)
        {
            // The payment exists and the stream broke (lnd shutting down): it is still in flight as far as we know.
            return last;
        }
    }

    public async Task<LightningPayment?> Track(string paymentHash, CancellationToken ct)
    {
        var hash = Convert.ToBase64String(Convert.FromHexString(paymentHash)).Replace('+', '-').Replace('/', '_');
        using var request = await Request(HttpMethod.Get, $"v2/router/track/{hash}?no_inflight_updates=false", ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(LightningRailSettings.CallTimeout);
        try
        {
            using var response = await Send(request, timeout.Token);
            // The first message is the payment's current state; later ones would only come as it changes.
            await foreach (var message in Lines(response, timeout.Token))
                return message;
            throw new IOException("LND closed the track stream without a state");
        }
        catch (LndErrorException e) when (e.Code == 5 || e.Message.Contains("isn't initiated", StringComparison.Ordinal))
        {
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"LND did not answer track within {LightningRailSettings.CallTimeout.TotalSeconds:0} s");
        }
    }

    public async Task<LightningNodeInfo> GetInfo(CancellationToken ct)
    {
        var info = await GetJson("v1/getinfo", ct);
        var balance = await GetJson("v1/balance/channels", ct);
        var chain = info["chains"]?.AsArray().FirstOrDefault()?["network"]?.GetValue<string>() ?? (info["testnet"]?.GetValue<bool>() == true ? "testnet" : "mainnet");
        var network = BitcoinNetworks.TryParse(chain, out var n) ? BitcoinNetworks.Name(n) : chain;
        var localMsat = long.TryParse(balance["local_balance"]?["msat"]?.GetValue<string>(), out var m) ? m : (long?)null;
        return new LightningNodeInfo(
            info["identity_pubkey"]?.GetValue<string>() ?? "",
            info["alias"]?.GetValue<string>(),
            network,
            info["block_height"]?.GetValue<long>() ?? 0,
            info["version"]?.GetValue<string>() ?? "",
            info["synced_to_chain"]?.GetValue<bool>() ?? false,
            localMsat is { } l ? Core.Lightning.Bolt11Invoice.MsatToBtc(l) : null,
            info["num_active_channels"]?.GetValue<int>());
    }

    private async Task<JsonNode> GetJson(string path, CancellationToken ct)
    {
        using var request = await Request(HttpMethod.Get, path, ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(LightningRailSettings.CallTimeout);
        try
        {
            using var response = await Send(request, timeout.Token);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync(timeout.Token)) ?? new JsonObject();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"LND did not answer {path} within {LightningRailSettings.CallTimeout.TotalSeconds:0} s");
        }
    }

    private async Task<HttpRequestMessage> Request(HttpMethod method, string path, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, new Uri(settings.Server!, path));
        request.Headers.Add("Grpc-Metadata-macaroon", await settings.MacaroonHex(ct));
        return request;
    }

    /// <summary>Sends and returns a success response; an error answer becomes <see cref="LndErrorException"/>.</summary>
    private async Task<HttpResponseMessage> Send(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                                             or HttpRequestError.SecureConnectionError)
        {
            throw new LightningUnavailableException($"LND at {settings.Server} cannot be reached: {e.Message}", e);
        }
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            throw LndErrorException.From(response.StatusCode, text);
        }
    }

    /// <summary>The stream's payments; an <c>error</c> line throws.</summary>
    private static async IAsyncEnumerable<LightningPayment?> Lines(HttpResponseMessage response,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var node = JsonNode.Parse(line);
            if (node?["error"] is { } error) throw LndErrorException.From(HttpStatusCode.OK, error.ToJsonString());
            yield return node?["result"] is { } result ? Payment(result) : null;
        }
    }

    private static LightningPayment Payment(JsonNode p)
    {
        var status = p["status"]?.GetValue<string>() switch
        {
            "SUCCEEDED" => LightningPaymentStatus.Succeeded,
            "FAILED" => LightningPaymentStatus.Failed,
            // IN_FLIGHT, and INITIATED (0.18+: created, no HTTLC yet): not over either way.
            _ => LightningPaymentStatus.InFlight,
        };
        var reason = p["failure_reason"]?.GetValue<string>();
        var preimage = p["payment_preimage"]?.GetValue<string>();
        return new LightningPayment(status, p["payment_hash"]?.GetValue<string>() ?? "",
            status == LightningPaymentStatus.Succeeded ? preimage : null,
            long.TryParse(p["fee_msat"]?.GetValue<string>(), out var fee) ? fee : null,
            status == LightningPaymentStatus.Failed ? reason : null,
            InsufficientBalance: reason == "FAILURE_REASON_INSUFFICIENT_BALANCE");
    }
}

/// <summary>A gRPC status LND answered with (<c>{"code":2,"message":…}</c>), mapped to what it means for a payment.</summary>
public sealed class LndErrorException(int code, string message, LightningRefusal refusal) : Exception(message)
{
    public int Code { get; } = code;
    public LightningRefusal Refusal { get; } = refusal;

    public static LndErrorException From(HttpStatusCode status, string text)
    {
        int code = 2;
        var message = text.Length > 300 ? text[..300] : text;
        try
        {
            var node = JsonNode.Parse(text);
            node = node?["error"] ?? node;
            code = node?["code"]?.GetValue<int>() ?? code;
            message = node?["message"]?.GetValue<string>() ?? message;
        }
        catch (JsonException) { }
        var refusal = status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || code is 16 or 7
                      || message.Contains("macaroon", StringComparison.OrdinalIgnoreCase) || message.Contains("verification failed", StringComparison.Ordinal)
            ? LightningRefusal.Unauthorized
            : message.Contains("in transition", StringComparison.Ordinal) ? LightningRefusal.InFlight
            : message.Contains("already paid", StringComparison.Ordinal) ? LightningRefusal.AlreadyPaid
            : message.Contains("invoice expired", StringComparison.OrdinalIgnoreCase)
              || message.Contains("not for current active network", StringComparison.Ordinal)
              || message.Contains("invalid payment request", StringComparison.OrdinalIgnoreCase)
              || message.Contains("amount must", StringComparison.Ordinal)
              || message.Contains("invalid bech32", StringComparison.OrdinalIgnoreCase)
                ? LightningRefusal.BadInvoice
                : LightningRefusal.Other;
        return new LndErrorException(code, $"LND: {message} (code {code})", refusal);
    }
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Payouts.Core.Bitcoin;

namespace Payouts.Simulators.Lightning.Lnd;

/// <summary>
/// The grpc-gateway routes LND's REST clients use. A unary call that fails answers a google.rpc.Status with the HTTP
/// status of its gRPC code. A server stream answers newline-delimited {"result":…} chunks, each flushed as it happens;
/// its errors, even the macaroon check (a stream interceptor), arrive as an {"error":…} chunk, with the HTTP status of
/// the code when nothing was written yet.
/// </summary>
internal sealed class LndRestEndpoint(LndSimulator lnd, CancellationToken lifetime)
{
    private const string SendPath = "/v2/router/send";
    private const string TrackPrefix = "/v2/router/track/";

    public async Task Handle(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        var body = await new StreamReader(http.Request.Body, Encoding.UTF8).ReadToEndAsync();
        lnd.RecordCall(http.Request.Method, path, body);
        var streaming = path == SendPath || path.StartsWith(TrackPrefix, StringComparison.Ordinal);
        var route = path.StartsWith(TrackPrefix, StringComparison.Ordinal) ? TrackPrefix : path;

        if (lnd.ShouldFail(path) || lnd.ShouldFail(route))
        {
            await Error(http, streaming, new GrpcError(GrpcError.Unknown, "injected failure"));
            return;
        }
        if (Macaroon(http) is { } refusal)
        {
            await Error(http, streaming, refusal);
            return;
        }
        var drop = lnd.ShouldDrop(path) || lnd.ShouldDrop(route);
        try
        {
            switch (http.Request.Method, route)
            {
                case ("GET", "/v1/getinfo"):
                    if (drop) { http.Abort(); return; }
                    await Json(http, 200, lnd.GetInfoJson());
                    return;
                case ("GET", "/v1/balance/channels"):
                    if (drop) { http.Abort(); return; }
                    await Json(http, 200, lnd.ChannelBalanceJson());
                    return;
                case ("POST", SendPath):
                    var request = ParseSend(body);
                    var payment = lnd.Send(request);
                    if (drop) { http.Abort(); return; }
                    await Stream(http, payment, request.NoInflightUpdates, fromSend: true);
                    return;
                case ("GET", TrackPrefix):
                    var tracked = lnd.Track(DecodeHash(path[TrackPrefix.Length..]));
                    if (drop) { http.Abort(); return; }
                    var noInflight = string.Equals(http.Request.Query["no_inflight_updates"], "true", StringComparison.OrdinalIgnoreCase);
                    await Stream(http, tracked, noInflight, fromSend: false);
                    return;
                default:
                    await Json(http, 404, LndJson.Status(GrpcError.NotFound, "Not Found"));
                    return;
            }
        }
        catch (GrpcError e)
        {
            await Error(http, streaming, e);
        }
    }

    /// <summary>
    /// A send streams the payment as it left (in flight) and then its end, even if the network answered at once, as
    /// LND's subscription sees the payment before its HTLC resolves. A track streams the current state, then the end.
    /// With no_inflight_updates only a final state is written.
    /// </summary>
    private async Task Stream(HttpContext http, LndPayment payment, bool noInflightUpdates, bool fromSend)
    {
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        var sentFinal = false;
        if (fromSend && !noInflightUpdates) await Chunk(http, new JsonObject { ["result"] = LndJson.Payment(payment, asSent: true) });
        else if (!fromSend && (!noInflightUpdates || payment.State != PaymentState.InFlight))
        {
            // The state is read once so the line and the decision agree even if the payment settles meanwhile.
            var line = LndJson.Payment(payment);
            sentFinal = (string?)line["status"] != "IN_FLIGHT";
            await Chunk(http, new JsonObject { ["result"] = line });
        }
        if (sentFinal) return;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(lifetime, http.RequestAborted);
        try
        {
            await payment.Finished.WaitAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // The client left (the payment goes on, as in LND) or the node is going down: cut the stream.
            if (lifetime.IsCancellationRequested) http.Abort();
            return;
        }
        await Chunk(http, new JsonObject { ["result"] = LndJson.Payment(payment) });
    }

    private static async Task Chunk(HttpContext http, JsonObject chunk)
    {
        await http.Response.WriteAsync(chunk.ToJsonString() + "\n");
        await http.Response.Body.FlushAsync();
    }

    private static Task Error(HttpContext http, bool streaming, GrpcError e)
    {
        var status = LndJson.Status(e.Code, e.Message);
        return Json(http, LndJson.HttpStatus(e.Code), streaming ? new JsonObject { ["error"] = status } : status);
    }

    private static async Task Json(HttpContext http, int status, JsonNode body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString() + (body is JsonObject o && o.ContainsKey("error") ? "\n" : ""));
    }

    private GrpcError? Macaroon(HttpContext http)
    {
        var values = http.Request.Headers["Grpc-Metadata-macaroon"];
        if (values.Count == 0 || string.IsNullOrEmpty(values[0])) return new GrpcError(GrpcError.Unknown, "expected 1 macaroon, got 0");
        byte[] given;
        try { given = Convert.FromHexString(values[0]!.Trim()); }
        catch (FormatException) { return new GrpcError(GrpcError.Unknown, "unable to decode macaroon: encoding/hex: invalid byte"); }
        return CryptographicOperations.FixedTimeEquals(given, Convert.FromHexString(lnd.MacaroonHex))
            ? null
            : new GrpcError(GrpcError.Unknown, "verification failed: signature mismatch after caveat verification");
    }

    private static SendPaymentRequest ParseSend(string body)
    {
        JsonElement root;
        try { root = JsonDocument.Parse(string.IsNullOrWhiteSpace(body) ? "{}" : body).RootElement; }
        catch (JsonException e) { throw new GrpcError(GrpcError.InvalidArgument, e.Message); }
        if (root.ValueKind != JsonValueKind.Object) throw new GrpcError(GrpcError.InvalidArgument, "proto: syntax error: unexpected token");
        return new SendPaymentRequest(
            root.TryGetProperty("payment_request", out var pr) && pr.ValueKind == JsonValueKind.String ? pr.GetString() : null,
            Int64(root, "amt"), Int64(root, "amt_msat"), Int64(root, "fee_limit_sat"), Int64(root, "fee_limit_msat"),
            (int)Int64(root, "timeout_seconds"),
            root.TryGetProperty("no_inflight_updates", out var ni) && ni.ValueKind == JsonValueKind.True);
    }

    /// <summary>protojson takes 64-bit integers as numbers or strings.</summary>
    private static long Int64(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return 0;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) return n;
        if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), out var s)) return s;
        throw new GrpcError(GrpcError.InvalidArgument, $"proto: invalid value for int64 field {name}: {v.GetRawText()}");
    }

    /// <summary>
    /// grpc-gateway takes a bytes path parameter as base64, standard or URL-safe, padded or not. Hex (64 digits) is
    /// accepted too, for convenience; it cannot be confused with base64 of 32 bytes, which is 43 or 44 characters.
    /// </summary>
    internal static string DecodeHash(string segment)
    {
        var text = Uri.UnescapeDataString(segment);
        if (text.Length == 64 && text.All(Uri.IsHexDigit)) return text.ToLowerInvariant();
        var b64 = text.Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
        try
        {
            var bytes = Convert.FromBase64String(b64);
            if (bytes.Length == 32) return Convert.ToHexStringLower(bytes);
        }
        catch (FormatException) { }
        throw new GrpcError(GrpcError.InvalidArgument,
            $"type mismatch, parameter: payment_hash, error: illegal base64 data at input byte 0");
    }
}

/// <summary>The endpoint's view of the node: call log, injected faults, and the unary answers.</summary>
public sealed partial class LndSimulator
{
    internal void RecordCall(string method, string path, string body) => Record(new RestCall(method, path, body));

    internal bool ShouldFail(string path) => TakeFailure(path);

    internal bool ShouldDrop(string path) => TakeDrop(path);

    internal JsonObject GetInfoJson()
    {
        var network = BitcoinNetworks.Name(ChainNetwork);
        return new JsonObject
        {
            ["version"] = "0.18.3-beta commit=v0.18.3-beta",
            ["commit_hash"] = "a9b7e7d5ad2c3c8f5d9b2d07f0c7b0e23a8a5d11",
            ["identity_pubkey"] = IdentityPubKey,
            ["alias"] = Options.Alias,
            ["color"] = "#3399ff",
            ["num_pending_channels"] = 0,
            ["num_active_channels"] = 1,
            ["num_inactive_channels"] = 0,
            ["num_peers"] = 1,
            ["block_height"] = Options.BlockHeight,
            ["block_hash"] = Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(Options.BlockHeight))),
            ["best_header_timestamp"] = NetworkSim.Time.GetUtcNow().ToUnixTimeSeconds().ToString(),
            ["synced_to_chain"] = true,
            ["synced_to_graph"] = true,
            ["testnet"] = ChainNetwork == BitcoinNetwork.Testnet,
            ["chains"] = new JsonArray(new JsonObject { ["chain"] = "bitcoin", ["network"] = network }),
            ["uris"] = new JsonArray(),
            ["features"] = new JsonObject(),
            ["require_htlc_interceptor"] = false,
            ["store_final_htlc_resolutions"] = false,
        };
    }

    internal JsonObject ChannelBalanceJson()
    {
        long local, remote;
        lock (_gate) (local, remote) = (LocalBalanceLocked(), RemoteBalanceLocked());
        return new JsonObject
        {
            ["balance"] = (local / 1000).ToString(),
            ["pending_open_balance"] = "0",
            ["local_balance"] = LndJson.Amount(local),
            ["remote_balance"] = LndJson.Amount(remote),
            ["unsettled_local_balance"] = LndJson.Amount(0),
            ["unsettled_remote_balance"] = LndJson.Amount(0),
            ["pending_open_local_balance"] = LndJson.Amount(0),
            ["pending_open_remote_balance"] = LndJson.Amount(0),
        };
    }
}

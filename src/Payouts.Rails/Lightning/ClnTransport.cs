using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payouts.Rails.Lightning;

/// <summary>An error Core Lightning answered (<c>{"code":…,"message":…}</c>; codes in its doc/lightning-pay.7).</summary>
public sealed class ClnRpcException(string method, int code, string message, JsonNode? data) : Exception($"CLN {method} failed with {code}: {message}")
{
    public string Method { get; } = method;
    public int Code { get; } = code;
    public string RpcMessage { get; } = message;
    public JsonNode? RpcData { get; } = data;

    public const int InvalidParams = -32602, MethodNotFound = -32601;
    public const int PayInProgress = 200, PayRhashAlreadyUsed = 201, PayUnparseableOnion = 202, PayDestinationPermFail = 203,
        PayTryOtherRoute = 204, PayRouteNotFound = 205, PayRouteTooExpensive = 206, PayInvoiceExpired = 207, PayNoSuchPayment = 208,
        PayUnspecifiedError = 209, PayStoppedRetrying = 210, PayStatusUnexpected = 211, PayInvoiceRequestInvalid = 212;
}

/// <summary>How JSON-RPC calls reach lightningd: its Unix socket, or the clnrest plugin.</summary>
public interface IClnTransport
{
    /// <returns>The call's <c>result</c>.</returns>
    Task<JsonNode> Call(string method, JsonObject parameters, TimeSpan timeout, CancellationToken ct);
}

/// <summary>
/// lightningd's own JSON-RPC 2.0 socket (<c>lightning-rpc</c>): a request is one JSON object, the answer one JSON object
/// followed by a blank line. One connection per call: lightningd serves any number, and a call cut off by a timeout
/// leaves no half-read answer behind for the next.
/// </summary>
public sealed class ClnSocketTransport(string socketPath) : IClnTransport
{
    private static long _id;

    public async Task<JsonNode> Call(string method, JsonObject parameters, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token);
        }
        catch (SocketException e)
        {
            throw new LightningUnavailableException($"Core Lightning's socket {socketPath} cannot be reached: {e.Message}", e);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new LightningUnavailableException($"Core Lightning's socket {socketPath} did not accept a connection within {timeout.TotalSeconds:0} s");
        }
        var request = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = $"payouts:{method}#{Interlocked.Increment(ref _id)}",
            ["method"] = method,
            ["params"] = parameters,
        };
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), SocketFlags.None, deadline.Token);
            var answer = await ReadAnswer(socket, deadline.Token);
            return ClnJsonRpc.Result(method, answer);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"Core Lightning did not answer {method} within {timeout.TotalSeconds:0} s");
        }
    }

    private static async Task<JsonNode> ReadAnswer(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        using var answer = new MemoryStream();
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            if (read == 0) throw new IOException("Core Lightning closed the connection before answering");
            answer.Write(buffer, 0, read);
            var bytes = answer.GetBuffer().AsSpan(0, (int)answer.Length);
            if (bytes.IndexOf("\n\n"u8) >= 0)
                return JsonNode.Parse(bytes[..bytes.IndexOf("\n\n"u8)]) ?? throw new IOException("Core Lightning answered null");
        }
    }
}

/// <summary>The clnrest plugin: <c>POST /v1/{method}</c> with a <c>Rune</c> header and the params as the body.</summary>
public sealed class ClnRest(HttpClient http, Uri server, string rune) : IClnTransport
{
    public async Task<JsonNode> Call(string method, JsonObject parameters, TimeSpan timeout, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, $"v1/{method}"));
        request.Headers.Add("Rune", rune);
        request.Content = new StringContent(parameters.ToJsonString(), Encoding.UTF8, "application/json");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, deadline.Token);
            var text = await response.Content.ReadAsStringAsync(deadline.Token);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new LightningRefusedException(LightningRefusal.Unauthorized, $"CLN refused the rune: {Trim(text)}");
            JsonNode? node;
            try { node = JsonNode.Parse(text); }
            catch (JsonException) { throw new IOException($"CLN answered {(int)response.StatusCode} with non-JSON: {Trim(text)}"); }
            if (response.IsSuccessStatusCode) return node ?? new JsonObject();
            return ClnJsonRpc.Result(method, new JsonObject { ["error"] = node?.DeepClone() });
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                                             or HttpRequestError.SecureConnectionError)
        {
            throw new LightningUnavailableException($"CLN REST at {server} cannot be reached: {e.Message}", e);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"CLN REST did not answer {method} within {timeout.TotalSeconds:0} s");
        }
    }

    private static string Trim(string text) => text.Length > 300 ? text[..300] : text;
}

/// <summary>lightningd's JSON-RPC answers, the same over the socket and through clnrest.</summary>
internal static class ClnJsonRpc
{
    /// <summary>The <c>result</c> of a JSON-RPC answer, or its <c>error</c> thrown.</summary>
    internal static JsonNode Result(string method, JsonNode answer)
    {
        if (answer["error"] is { } error)
            throw new ClnRpcException(method, error["code"]?.GetValue<int>() ?? 0, error["message"]?.GetValue<string>() ?? error.ToJsonString(),
                error["data"]);
        return answer["result"] ?? throw new IOException($"Core Lightning answered {method} without a result");
    }
}

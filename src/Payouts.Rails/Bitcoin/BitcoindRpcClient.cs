using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payouts.Rails.Bitcoin;

/// <summary>An error Bitcoin Core answered (JSON-RPC <c>error</c>), with its code (RPC_* in Core's rpc/protocol.h).</summary>
public sealed class BitcoindRpcException(string method, int code, string message)
    : Exception($"bitcoind {method} failed with {code}: {message}")
{
    public string Method { get; } = method;
    public int Code { get; } = code;
    public string RpcMessage { get; } = message;

    public const int MiscError = -1, TypeError = -3, WalletError = -4, InvalidAddressOrKey = -5, WalletInsufficientFunds = -6,
        InvalidParameter = -8, WalletUnlockNeeded = -13, WalletNotFound = -18, WalletNotSpecified = -19, DeserializationError = -22,
        VerifyError = -25, VerifyRejected = -26, VerifyAlreadyInChain = -27, MethodNotFound = -32601;
}

/// <summary>The node refused our credentials (HTTP 401) or could not be reached: nothing about any transaction is known.</summary>
public sealed class BitcoindUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Bitcoin Core's JSON-RPC over HTTP (1.0 style, as bitcoin-cli speaks it), one wallet per client through
/// <c>/wallet/&lt;name&gt;</c>. Credentials: user/password, or the cookie file, re-read on each call because the node
/// writes a new one at every start.
/// </summary>
public sealed class BitcoindRpcClient(HttpClient http, BitcoinRailSettings settings)
{
    private long _id;

    public async Task<JsonNode?> Call(string method, bool wallet, object?[] args, CancellationToken ct)
    {
        var path = wallet ? $"wallet/{Uri.EscapeDataString(settings.Wallet)}" : "";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.Server, path));
        var body = new JsonObject
        {
            ["jsonrpc"] = "1.0",
            ["id"] = Interlocked.Increment(ref _id),
            ["method"] = method,
            ["params"] = JsonSerializer.SerializeToNode(args),
        };
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(await Credentials(ct))));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.RpcTimeout);
        HttpStatusCode status;
        string text;
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            status = response.StatusCode;
            text = await response.Content.ReadAsStringAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Headers or body late, the request may have arrived: a caller that sent money must treat this as "unknown",
            // never "not sent" — and a caller that was building must see node trouble, not its own cancellation.
            throw new TimeoutException($"bitcoind {method} did not answer within {settings.RpcTimeout.TotalSeconds:0} s");
        }
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new BitcoindUnavailableException($"bitcoind refused the credentials ({(int)status}); check user/password or cookiefile");
        JsonNode? reply;
        try
        {
            reply = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            throw new BitcoindUnavailableException($"bitcoind answered {method} with HTTP {(int)status} and no JSON-RPC body");
        }
        if (reply?["error"] is JsonObject error)
            throw new BitcoindRpcException(method, error["code"]?.GetValue<int>() ?? 0, error["message"]?.GetValue<string>() ?? "");
        if ((int)status is < 200 or > 299)
            throw new BitcoindUnavailableException($"bitcoind answered {method} with HTTP {(int)status}");
        return reply?["result"];
    }

    public Task<JsonNode?> Wallet(string method, CancellationToken ct, params object?[] args) => Call(method, wallet: true, args, ct);

    public Task<JsonNode?> Chain(string method, CancellationToken ct, params object?[] args) => Call(method, wallet: false, args, ct);

    private async Task<string> Credentials(CancellationToken ct)
    {
        if (settings.CookieFile is null) return $"{settings.User}:{settings.Password}";
        try
        {
            return (await File.ReadAllTextAsync(settings.CookieFile, ct)).Trim();
        }
        catch (IOException ex)
        {
            throw new BitcoindUnavailableException($"cannot read the cookie file: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new BitcoindUnavailableException($"cannot read the cookie file: {ex.Message}", ex);
        }
    }
}

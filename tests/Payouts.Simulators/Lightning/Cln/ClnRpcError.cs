using System.Text.Json.Nodes;

namespace Payouts.Simulators.Lightning.Cln;

/// <summary>A JSON-RPC error lightningd answers: its code (pay's 200-210, JSON-RPC's -32xxx), message and optional data.</summary>
internal sealed class ClnRpcError(int code, string message, JsonObject? data = null) : Exception(message)
{
    public const int InvalidParams = -32602, MethodNotFound = -32601, InvalidRequest = -32600;
    public const int PayInProgress = 200, RhashAlreadyUsed = 201, DestinationPermFail = 203, RouteNotFound = 205,
        RouteTooExpensive = 206, InvoiceExpired = 207, UnspecifiedError = 209, StoppedRetrying = 210;

    public int Code { get; } = code;
    public JsonObject? ErrorData { get; } = data;

    public JsonObject ToJson()
    {
        var error = new JsonObject { ["code"] = Code, ["message"] = Message };
        if (ErrorData is not null) error["data"] = ErrorData.DeepClone();
        return error;
    }
}

/// <summary>One call as lightningd received it: method, params as sent, and whether it came over the socket or clnrest.</summary>
public sealed record ClnCall(string Method, string Params, string Via);

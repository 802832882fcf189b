using System.Text.Json.Nodes;

namespace Payouts.Simulators.Lightning.Lnd;

/// <summary>
/// LND's REST JSON as grpc-gateway marshals it: proto field names, every field present (EmitUnpopulated), 64-bit
/// integers as strings, enums by name, bytes fields that lnrpc declares as strings (hashes, preimages) as hex.
/// </summary>
internal static class LndJson
{
    private const string ZeroPreimage = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The payment as it stands, or as it stood when it was sent (<paramref name="asSent"/>: in flight, no fee yet).</summary>
    public static JsonObject Payment(LndPayment p, bool asSent = false)
    {
        var valueMsat = p.AmountMsat;
        var state = asSent ? PaymentState.InFlight : p.State;
        var feeMsat = asSent ? 0 : p.FeeMsat;
        return new JsonObject
        {
            ["payment_hash"] = p.PaymentHash,
            ["value"] = (valueMsat / 1000).ToString(),
            ["creation_date"] = p.CreatedAt.ToUnixTimeSeconds().ToString(),
            ["fee"] = (feeMsat / 1000).ToString(),
            ["payment_preimage"] = state == PaymentState.Succeeded ? p.Network!.PreimageHex : ZeroPreimage,
            ["value_sat"] = (valueMsat / 1000).ToString(),
            ["value_msat"] = valueMsat.ToString(),
            ["payment_request"] = p.Invoice.Text,
            ["status"] = LndPayment.StatusName(state),
            ["fee_sat"] = (feeMsat / 1000).ToString(),
            ["fee_msat"] = feeMsat.ToString(),
            ["creation_time_ns"] = ((p.CreatedAt.ToUnixTimeMilliseconds()) * 1_000_000).ToString(),
            ["htlcs"] = new JsonArray(),
            ["payment_index"] = p.PaymentIndex.ToString(),
            ["failure_reason"] = asSent ? "FAILURE_REASON_NONE" : p.FailureReason,
        };
    }

    /// <summary>A google.rpc.Status: what grpc-gateway writes for a failed unary call.</summary>
    public static JsonObject Status(int code, string message) =>
        new() { ["code"] = code, ["message"] = message, ["details"] = new JsonArray() };

    public static JsonObject Amount(long msat) => new() { ["sat"] = (msat / 1000).ToString(), ["msat"] = msat.ToString() };

    /// <summary>grpc-gateway's HTTPStatusFromCode for the codes LND's handlers return.</summary>
    public static int HttpStatus(int grpcCode) => grpcCode switch
    {
        0 => 200,
        1 => 499,
        3 or 9 or 11 => 400,
        4 => 504,
        5 => 404,
        6 or 10 => 409,
        7 => 403,
        8 => 429,
        12 => 501,
        14 => 503,
        16 => 401,
        _ => 500,
    };
}

/// <summary>A gRPC status a handler ends with.</summary>
internal sealed class GrpcError(int code, string message) : Exception(message)
{
    public const int Unknown = 2, InvalidArgument = 3, NotFound = 5, AlreadyExists = 6;
    public int Code { get; } = code;
}

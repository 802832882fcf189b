using System.Text.Json;

namespace Payouts.Simulators.Bitcoind.Rpc;

/// <summary>
/// A call's parameters, positional (an array) or named (an object), as bitcoind accepts both. Type errors carry
/// Core's wording ("JSON value of type string is not of expected type number").
/// </summary>
internal sealed class RpcParams
{
    private readonly JsonElement?[] _values;

    public RpcParams(string method, JsonElement? raw, IReadOnlyList<string> names)
    {
        _values = new JsonElement?[names.Count];
        switch (raw)
        {
            case null or { ValueKind: JsonValueKind.Null }: break;
            case { ValueKind: JsonValueKind.Array } array:
                var items = array.EnumerateArray().ToList();
                if (items.Count > names.Count)
                    throw new RpcException(RpcErrorCodes.MiscError, $"{method} takes at most {names.Count} arguments");
                for (var i = 0; i < items.Count; i++) _values[i] = items[i];
                break;
            case { ValueKind: JsonValueKind.Object } obj:
                foreach (var property in obj.EnumerateObject())
                {
                    var index = names.ToList().IndexOf(property.Name);
                    if (index < 0) throw new RpcException(RpcErrorCodes.InvalidParameter, $"Unknown named parameter {property.Name}");
                    _values[index] = property.Value;
                }
                break;
            default:
                throw new RpcException(RpcErrorCodes.InvalidRequest, "Params must be an array or object");
        }
        Method = method;
    }

    public string Method { get; }

    public JsonElement? this[int index] =>
        index < _values.Length && _values[index] is { ValueKind: not JsonValueKind.Null } value ? value : null;

    public JsonElement Required(int index) =>
        this[index] ?? throw new RpcException(RpcErrorCodes.MiscError, $"{Method}: missing required argument {index + 1}");

    public string String(int index) => Expect(Required(index), JsonValueKind.String).GetString()!;
    public string? OptionalString(int index) => this[index] is { } v ? Expect(v, JsonValueKind.String).GetString() : null;

    public int Int(int index, int fallback) => this[index] is { } v ? Expect(v, JsonValueKind.Number).GetInt32() : fallback;

    public bool Bool(int index, bool fallback) =>
        this[index] is { } v ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw TypeError(v, "bool") : fallback;

    public JsonElement? Object(int index) => this[index] is { } v ? Expect(v, JsonValueKind.Object) : null;
    public JsonElement? Array(int index) => this[index] is { } v ? Expect(v, JsonValueKind.Array) : null;

    public static JsonElement Expect(JsonElement value, JsonValueKind kind) =>
        value.ValueKind == kind || kind == JsonValueKind.True && value.ValueKind == JsonValueKind.False ? value : throw TypeError(value, Name(kind));

    private static RpcException TypeError(JsonElement value, string expected) =>
        new(RpcErrorCodes.TypeError, $"JSON value of type {Name(value.ValueKind)} is not of expected type {expected}");

    private static string Name(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "null",
    };
}

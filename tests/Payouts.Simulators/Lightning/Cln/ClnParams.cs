using System.Globalization;
using System.Text.Json;

namespace Payouts.Simulators.Lightning.Cln;

/// <summary>A command's params as lightningd's param() reads them: by name from an object, or by position from an array.</summary>
internal sealed class ClnParams
{
    private readonly Dictionary<string, JsonElement> _values = new(StringComparer.Ordinal);

    public ClnParams(JsonElement? raw, IReadOnlyList<string> names)
    {
        if (raw is not { } p || p.ValueKind == JsonValueKind.Null) return;
        if (p.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in p.EnumerateArray())
            {
                if (i >= names.Count) throw new ClnRpcError(ClnRpcError.InvalidParams, $"too many parameters: got {p.GetArrayLength()}, expected {names.Count}");
                if (item.ValueKind != JsonValueKind.Null) _values[names[i]] = item;
                i++;
            }
            return;
        }
        if (p.ValueKind != JsonValueKind.Object) throw new ClnRpcError(ClnRpcError.InvalidRequest, "Expected array or object for params");
        foreach (var property in p.EnumerateObject())
        {
            if (!names.Contains(property.Name)) throw new ClnRpcError(ClnRpcError.InvalidParams, $"unknown parameter: {property.Name}, this may be caused by a failure to autodetect key=value-style parameters. Please try using the -k flag and explicit key=value pairs of parameters.");
            if (property.Value.ValueKind != JsonValueKind.Null) _values[property.Name] = property.Value;
        }
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? String(string name) =>
        _values.TryGetValue(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;

    public double? Number(string name)
    {
        if (!_values.TryGetValue(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        if (v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        throw new ClnRpcError(ClnRpcError.InvalidParams, $"{name}: should be a number: invalid token '{v.GetRawText()}'");
    }

    /// <summary>An msat amount as lightningd accepts it: a number of msat, or a string "n", "nmsat", "nsat" or "x.ybtc".</summary>
    public long? Msat(string name)
    {
        if (!_values.TryGetValue(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n >= 0) return n;
        var text = v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        if (text.EndsWith("msat", StringComparison.Ordinal) && long.TryParse(text[..^4], NumberStyles.None, CultureInfo.InvariantCulture, out var msat)) return msat;
        if (text.EndsWith("sat", StringComparison.Ordinal) && long.TryParse(text[..^3], NumberStyles.None, CultureInfo.InvariantCulture, out var sat)) return sat * 1000;
        if (text.EndsWith("btc", StringComparison.Ordinal) && decimal.TryParse(text[..^3], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var btc))
            return (long)(btc * 100_000_000_000m);
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var plain)) return plain;
        throw new ClnRpcError(ClnRpcError.InvalidParams, $"{name}: should be a millisatoshi amount: invalid token '{v.GetRawText()}'");
    }
}

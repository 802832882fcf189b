using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Payouts.Rails;

/// <summary>
/// A rail connection in BTCPay's style: <c>type=bitcoind;server=http://127.0.0.1:18443;user=u;password=p;wallet=store1</c>.
/// Keys are case-insensitive, values are taken verbatim (trimmed). Secrets are masked by <see cref="ToSafeString"/>,
/// the only form that may reach logs, traces or API responses.
/// </summary>
public sealed class RailConnectionString
{
    public const int LengthMax = 4096;

    /// <summary>Keys whose values are credentials.</summary>
    private static readonly FrozenSet<string> SecretKeys =
        new[] { "password", "macaroon", "rune", "cookiefile", "apikey", "api-key", "secret", "token" }
            .ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private readonly IReadOnlyList<KeyValuePair<string, string>> _pairs;

    public string Type { get; }

    private RailConnectionString(string type, IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        Type = type;
        _pairs = pairs;
    }

    /// <summary>The default rail when a store has none configured (DESIGN §6).</summary>
    public static RailConnectionString Sandbox { get; } = new("sandbox", [new("type", "sandbox")]);

    public string? this[string key] =>
        _pairs.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase)) is { Key: not null } kv ? kv.Value : null;

    public static bool TryParse(string? text, [NotNullWhen(true)] out RailConnectionString? value, [NotNullWhen(false)] out string? error)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text)) { error = "the connection string is empty"; return false; }
        if (text.Length > LengthMax) { error = $"the connection string must be at most {LengthMax} characters"; return false; }

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) { error = $"'{Mask(part)}' is not key=value"; return false; }
            var key = part[..eq].Trim().ToLowerInvariant();
            var v = part[(eq + 1)..].Trim();
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            { error = "a key must be letters, digits, '-' or '_'"; return false; }
            if (pairs.Any(p => p.Key == key)) { error = $"'{key}' is given twice"; return false; }
            pairs.Add(new(key, v));
        }
        var type = pairs.FirstOrDefault(p => p.Key == "type").Value;
        if (string.IsNullOrEmpty(type)) { error = "'type' is required (for example type=sandbox)"; return false; }
        value = new RailConnectionString(type.ToLowerInvariant(), pairs);
        error = null;
        return true;
    }

    /// <summary>The connection string with every secret replaced by <c>***</c>.</summary>
    public string ToSafeString() =>
        string.Join(';', _pairs.Select(p => $"{p.Key}={(SecretKeys.Contains(p.Key) ? "***" : p.Value)}"));

    /// <summary>Never the secrets: a stray interpolation must not leak them.</summary>
    public override string ToString() => ToSafeString();

    private static string Mask(string part) => part.Length <= 12 ? part : part[..12] + "…";
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Payouts.Contracts.Json;

/// <summary>The one set of JSON options for the wire: camelCase, strict on input, enums as names.</summary>
public static class PayoutsJson
{
    /// <summary>Deepest nesting accepted, so a hostile body cannot exhaust the stack.</summary>
    public const int DepthMax = 32;

    public static JsonSerializerOptions Options { get; } = Create();

    public static void Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        o.PropertyNameCaseInsensitive = true;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        o.NumberHandling = JsonNumberHandling.Strict;
        o.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        o.AllowTrailingCommas = false;
        o.ReadCommentHandling = JsonCommentHandling.Disallow;
        o.MaxDepth = DepthMax;
        o.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false));
        o.Converters.Add(new DecimalStringJsonConverter());
        o.Converters.Add(new NullableDecimalStringJsonConverter());
        o.Converters.Add(new UnixSecondsJsonConverter());
        o.Converters.Add(new NullableUnixSecondsJsonConverter());
        o.Converters.Add(new PayoutMethodIdJsonConverter());
    }

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(o);
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}

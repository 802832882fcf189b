using System.Text.Json;
using System.Text.Json.Serialization;

namespace Payouts.Contracts.Json;

/// <summary>Greenfield times are unix seconds (a number on the wire).</summary>
public sealed class UnixSecondsJsonConverter : JsonConverter<DateTimeOffset>
{
    // Year 1970..9999: what DateTimeOffset can hold.
    private const long SecondsMax = 253_402_300_799;

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        long seconds;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out seconds)) { }
        else if (reader.TokenType == JsonTokenType.String
                 && long.TryParse(reader.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out seconds)) { }
        else throw new JsonException("must be a unix time in seconds");
        if (seconds is < 0 or > SecondsMax)
            throw new JsonException("must be a unix time in seconds between 1970 and 9999");
        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.ToUnixTimeSeconds());
}

public sealed class NullableUnixSecondsJsonConverter : JsonConverter<DateTimeOffset?>
{
    private static readonly UnixSecondsJsonConverter Inner = new();

    public override bool HandleNull => true;

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : Inner.Read(ref reader, typeof(DateTimeOffset), options);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is null) writer.WriteNullValue();
        else Inner.Write(writer, value.Value, options);
    }
}

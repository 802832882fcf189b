using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Payouts.Contracts.Json;

/// <summary>
/// Amounts travel as decimal strings ("0.1"), as Greenfield does; a JSON number is accepted on input
/// and parsed from its exact text, never through a double. Exponents, hex, NaN and blanks are refused.
/// </summary>
public sealed class DecimalStringJsonConverter : JsonConverter<decimal>
{
    /// <summary>Longest amount text accepted; decimal holds 28–29 significant digits.</summary>
    public const int TextLengthMax = 40;

    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
            _ => throw new JsonException("must be a decimal string such as \"0.001\""),
        };
        if (text is null || !TryParse(text, out var value))
            throw new JsonException("must be a decimal string such as \"0.001\"");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Format(value));

    public static bool TryParse(string text, out decimal value)
    {
        value = 0;
        if (text.Length is 0 or > TextLengthMax)
            return false;
        // decimal keeps 28 fraction digits and would round the rest away silently: refuse instead.
        var point = text.IndexOf('.', StringComparison.Ordinal);
        if (point >= 0 && text.Length - point - 1 > 28)
            return false;
        // AllowLeadingSign + AllowDecimalPoint only: no thousands separators, exponents or spaces.
        return decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
            CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Invariant text without trailing zeros ("1.5", not "1.50000000").</summary>
    public static string Format(decimal value) =>
        (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}

public sealed class NullableDecimalStringJsonConverter : JsonConverter<decimal?>
{
    private static readonly DecimalStringJsonConverter Inner = new();

    public override bool HandleNull => true;

    public override decimal? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : Inner.Read(ref reader, typeof(decimal), options);

    public override void Write(Utf8JsonWriter writer, decimal? value, JsonSerializerOptions options)
    {
        if (value is null) writer.WriteNullValue();
        else Inner.Write(writer, value.Value, options);
    }
}

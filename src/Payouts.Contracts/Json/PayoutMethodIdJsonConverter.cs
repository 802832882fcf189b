using System.Text.Json;
using System.Text.Json.Serialization;

namespace Payouts.Contracts.Json;

public sealed class PayoutMethodIdJsonConverter : JsonConverter<PayoutMethodId>
{
    public override PayoutMethodId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException("must be a payout method id string such as \"BTC-CHAIN\"");
        var text = reader.GetString();
        return PayoutMethodId.TryParse(text, out var id)
            ? id
            : throw new JsonException($"unknown payout method; supported: {string.Join(", ", PayoutMethodId.All)}");
    }

    public override void Write(Utf8JsonWriter writer, PayoutMethodId value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);
}

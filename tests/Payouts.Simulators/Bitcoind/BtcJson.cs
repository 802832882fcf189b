using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payouts.Simulators.Bitcoind;

/// <summary>
/// Amounts on bitcoind's wire: JSON numbers in BTC with exactly eight decimals (<c>0.50000000</c>). Internally
/// everything is sats, so no rounding happens anywhere but here, and here it refuses instead of rounding.
/// </summary>
internal static class BtcJson
{
    public const long SatsPerBtc = 100_000_000;
    public const long MoneyMaxSats = 21_000_000 * SatsPerBtc;

    /// <summary>A raw JSON number, so the eight decimals survive serialization exactly as bitcoind prints them.</summary>
    public static JsonNode Btc(long sats) => RawNumber(FormatBtc(sats));

    public static string FormatBtc(long sats)
    {
        var sign = sats < 0 ? "-" : "";
        var abs = Math.Abs(sats);
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{abs / SatsPerBtc}.{abs % SatsPerBtc:D8}");
    }

    /// <summary>Bitcoin Core's <c>FormatMoney</c>, used inside error messages: trailing zeros trimmed to two decimals.</summary>
    public static string FormatMoney(long sats)
    {
        var text = FormatBtc(sats);
        var trim = text.Length;
        while (trim > 0 && text[trim - 1] == '0' && char.IsDigit(text[trim - 3])) trim--;
        return text[..trim];
    }

    /// <summary>Bitcoin Core's <c>CFeeRate::ToString</c>: sat/kvB shown as BTC/kvB.</summary>
    public static string FeeRateText(long satPerKvB) => $"{FormatBtc(satPerKvB)} BTC/kvB";

    /// <summary>Bitcoin Core's <c>AmountFromValue</c>: a number or numeric string, at most eight decimals, 0 to 21M BTC.</summary>
    public static long ParseAmountSats(JsonElement value, int decimals = 8)
    {
        if (!TryDecimal(value, out var btc)) throw new RpcException(RpcErrorCodes.TypeError, "Amount is not a number or string");
        if (btc < 0) throw new RpcException(RpcErrorCodes.TypeError, "Amount out of range");
        var scaled = btc * SatsPerBtc;
        if (decimal.Round(scaled, 0, MidpointRounding.ToZero) != scaled || decimal.Round(btc, decimals, MidpointRounding.ToZero) != btc)
            throw new RpcException(RpcErrorCodes.TypeError, "Invalid amount");
        if (scaled > MoneyMaxSats) throw new RpcException(RpcErrorCodes.TypeError, "Amount out of range");
        return (long)scaled;
    }

    public static bool TryDecimal(JsonElement value, out decimal result)
    {
        result = 0;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetDecimal(out result),
            JsonValueKind.String => decimal.TryParse(value.GetString(), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign,
                CultureInfo.InvariantCulture, out result),
            _ => false,
        };
    }

    /// <summary>sat/vB shown as BTC/kvB, the unit of estimatesmartfee's feerate.</summary>
    public static JsonNode FeeRateBtcPerKvB(decimal satPerVbyte) =>
        RawNumber((satPerVbyte * 1000m / SatsPerBtc).ToString("0.00000000", CultureInfo.InvariantCulture));

    private static JsonNode RawNumber(string text)
    {
        using var doc = JsonDocument.Parse(text);
        return JsonValue.Create(doc.RootElement.Clone())!;
    }
}

using System.Text.Json;
using Payouts.Contracts.Json;

namespace Payouts.Contracts.Tests.Json;

public sealed class UnixSecondsJsonConverterTests
{
    private sealed record Window(DateTimeOffset At, DateTimeOffset? Until);

    private const long SecondsMax = 253_402_300_799; // 9999-12-31T23:59:59Z

    private static DateTimeOffset Read(string json) => JsonSerializer.Deserialize<DateTimeOffset>(json, PayoutsJson.Options);

    [Theory]
    [InlineData(0L)]
    [InlineData(1741964966L)]
    [InlineData(SecondsMax)]
    public void SecondsRoundTrip(long seconds)
    {
        var at = Read(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(seconds), at);
        Assert.Equal(TimeSpan.Zero, at.Offset);
        Assert.Equal(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), JsonSerializer.Serialize(at, PayoutsJson.Options));
    }

    [Fact]
    public void NumericStringIsAccepted()
    {
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1741964966), Read("\"1741964966\""));
    }

    [Fact]
    public void WriteDropsSubSecondsAndOffset()
    {
        var at = new DateTimeOffset(2025, 3, 14, 16, 9, 26, 999, TimeSpan.FromHours(1));

        Assert.Equal("1741964966", JsonSerializer.Serialize(at, PayoutsJson.Options));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("253402300800")] // one second after year 9999
    [InlineData("9223372036854775807")]
    [InlineData("\"-1\"")]
    [InlineData("1.5")]
    [InlineData("1e9")]
    [InlineData("\"2025-03-14T15:09:26Z\"")]
    [InlineData("\"\"")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("{}")]
    public void OutOfRangeOrNonIntegerIsRefused(string json)
    {
        Assert.Throws<JsonException>(() => Read(json));
    }

    [Fact]
    public void NullableTimeReadsAndWritesNull()
    {
        var window = new Window(DateTimeOffset.FromUnixTimeSeconds(10), null);

        var json = JsonSerializer.Serialize(window, PayoutsJson.Options);

        Assert.Equal("{\"at\":10,\"until\":null}", json);
        Assert.Equal(window, JsonSerializer.Deserialize<Window>(json, PayoutsJson.Options));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(20), JsonSerializer.Deserialize<Window>("{\"at\":10,\"until\":20}", PayoutsJson.Options)!.Until);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Window>("{\"at\":10,\"until\":-5}", PayoutsJson.Options));
    }
}

using Payouts.Rails;

namespace Payouts.Rails.Tests;

public sealed class RailConnectionStringTests
{
    [Fact]
    public void ParsesBtcpayStyleKeysCaseInsensitively()
    {
        Assert.True(RailConnectionString.TryParse(" Type=bitcoind; Server=http://127.0.0.1:18443 ;user=u;password=p;wallet=store1 ", out var cs, out _));
        Assert.Equal("bitcoind", cs.Type);
        Assert.Equal("http://127.0.0.1:18443", cs["server"]);
        Assert.Equal("http://127.0.0.1:18443", cs["SERVER"]);
        Assert.Equal("store1", cs["wallet"]);
        Assert.Null(cs["missing"]);
    }

    [Fact]
    public void ValuesMayContainEqualsSigns()
    {
        Assert.True(RailConnectionString.TryParse("type=clnrest;server=https://x;rune=abc==", out var cs, out _));
        Assert.Equal("abc==", cs["rune"]);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("server=http://x", "'type' is required")]
    [InlineData("type=", "'type' is required")]
    [InlineData("type=sandbox;type=lnd-rest", "given twice")]
    [InlineData("type=sandbox;novalue", "not key=value")]
    [InlineData("type=sandbox;=x", "not key=value")]
    [InlineData("type=sandbox;bad key=x", "letters, digits")]
    public void RefusesMalformedStrings(string? text, string expected)
    {
        Assert.False(RailConnectionString.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesOversizedStrings()
    {
        Assert.False(RailConnectionString.TryParse("type=sandbox;x=" + new string('a', RailConnectionString.LengthMax), out _, out var error));
        Assert.Contains("at most", error, StringComparison.Ordinal);
    }

    [Fact]
    public void SafeStringMasksEverySecretAndToStringNeverLeaks()
    {
        Assert.True(RailConnectionString.TryParse(
            "type=lnd-rest;server=https://lnd:8080;macaroon=0201036c6e64;certthumbprint=AB12;password=hunter2;rune=r1;cookiefile=/c", out var cs, out _));
        var safe = cs.ToSafeString();
        foreach (var secret in new[] { "0201036c6e64", "hunter2", "r1", "/c" })
        {
            Assert.DoesNotContain(secret, safe, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, cs.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(secret, $"{cs}", StringComparison.Ordinal);
        }
        Assert.Contains("server=https://lnd:8080", safe, StringComparison.Ordinal);
        Assert.Contains("certthumbprint=AB12", safe, StringComparison.Ordinal);
        Assert.Contains("macaroon=***", safe, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedPartIsNotEchoedInFullInTheError()
    {
        Assert.False(RailConnectionString.TryParse("type=x;supersecretmacaroonvalue0123456789", out _, out var error));
        Assert.DoesNotContain("supersecretmacaroonvalue0123456789", error, StringComparison.Ordinal);
    }

    [Fact]
    public void SandboxIsTheDefault() => Assert.Equal("sandbox", RailConnectionString.Sandbox.Type);
}

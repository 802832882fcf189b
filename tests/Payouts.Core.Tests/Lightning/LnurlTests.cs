using Payouts.Core.Bitcoin;
using Payouts.Core.Lightning;

namespace Payouts.Core.Tests.Lightning;

public sealed class LnurlTests
{
    // LUD-01's example.
    private const string Example = "LNURL1DP68GURN8GHJ7UM9WFMXJCM99E3K7MF0V9CXJ0M385EKVCENXC6R2C35XVUKXEFCV5MKVV34X5EKZD3EV56NYD3HXQURZEPEXEJXXEPNXSCRVWFNV9NXZCN9XQ6XYEFHVGCXXCMYXYMNSERXFQ5FNS";
    private const string ExampleUrl = "https://service.com/api?q=3fc3645b439ce8e7f2553a69e5267081d96dcd340693afabe04be7b0ccd178df";

    [Theory]
    [InlineData(Example)]
    [InlineData("lightning:" + Example)]
    [InlineData("  LIGHTNING:" + Example + "\n")]
    public void SpecExampleDecodesInAnyCase(string text)
    {
        Assert.True(Lnurl.TryDecode(text, out var url, out var error), error);
        Assert.Equal(ExampleUrl, url.OriginalString);
        Assert.True(Lnurl.TryDecode(text.ToLowerInvariant(), out url, out error), error);
        Assert.Equal(ExampleUrl, url.OriginalString);
    }

    [Fact]
    public void SpecExampleEncodesToItsLowercase() =>
        Assert.Equal(Example.ToLowerInvariant(), Lnurl.Encode(new Uri(ExampleUrl)));

    [Fact]
    public void OnionUrlMayBeHttp()
    {
        var url = new Uri("http://abcdefghijklmnop.onion/.well-known/lnurlp/bob");
        Assert.True(Lnurl.TryDecode(Lnurl.Encode(url), out var decoded, out var error), error);
        Assert.Equal(url, decoded);
    }

    [Theory]
    [InlineData("lnurl1dp68gurn8ghj7um9wfmxjcm99e3k7mf0v9cxj0m385ekvcenxc6r2c35xvukxefcv5mkvv34x5ekzd3ev56nyd3hxqurzepexejxxepnxscrvwfnv9nxzcn9xq6xyefhvgcxxcmyxymnserxfq5fnt", "invalid checksum")]
    [InlineData("LNURL1DP68GURN8GHJ7UM9WFMXJCM99E3K7MF0V9CXJ0M385EKVCENXC6R2C35XVUKXEFCV5MKVV34X5EKZD3EV56NYD3HXQURZEPEXEJXXEPNXSCRVWFNV9NXZCN9XQ6XYEFHVGCXXCMYXYMNSERXFQ5fns", "mixes upper and lower case")]
    [InlineData("", "is empty")]
    [InlineData(null, "is empty")]
    [InlineData("lightning:", "is empty")]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "does not start with \"lnurl1\"")]
    public void InvalidLnurlIsRefused(string? text, string reason)
    {
        Assert.False(Lnurl.TryDecode(text, out var url, out var error));
        Assert.Null(url);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://service.com/api")]
    [InlineData("ftp://service.com/api")]
    public void ClearnetUrlThatIsNotHttpsIsRefused(string url)
    {
        Assert.False(Lnurl.TryDecode(Lnurl.Encode(new Uri(url)), out _, out var error));
        Assert.Contains("not https", error, StringComparison.Ordinal);
    }

    [Fact]
    public void LoopbackMayUseHttpForRegtestServices()
    {
        Assert.True(Lnurl.TryDecode(Lnurl.Encode(new Uri("http://127.0.0.1:5123/lnurlp/alice")), out var url, out _));
        Assert.Equal("http://127.0.0.1:5123/lnurlp/alice", url.ToString());
    }

    [Fact]
    public void LnurlWithoutAUrlIsRefused()
    {
        var notAUrl = Bech32.Encode("lnurl", [1, 2, 3, 4, 5, 6, 7, 8], Bech32.Variant.Bech32, int.MaxValue);
        Assert.False(Lnurl.TryDecode(notAUrl, out _, out var error));
        Assert.Contains("does not hold a URL", error, StringComparison.Ordinal);
    }

    [Fact]
    public void RelativeUrlCannotBeEncoded() =>
        Assert.Throws<ArgumentException>(() => Lnurl.Encode(new Uri("/api", UriKind.Relative)));

    [Theory]
    [InlineData("alice@example.com", "https://example.com/.well-known/lnurlp/alice")]
    [InlineData("Alice@Example.COM", "https://example.com/.well-known/lnurlp/alice")]
    [InlineData(" satoshi.nakamoto+tips_2-x@pay.example.org ", "https://pay.example.org/.well-known/lnurlp/satoshi.nakamoto+tips_2-x")]
    [InlineData("bob@abcdefghijklmnop.onion", "http://abcdefghijklmnop.onion/.well-known/lnurlp/bob")]
    [InlineData("carol@localhost:8443", "https://localhost:8443/.well-known/lnurlp/carol")]
    [InlineData("lightning:dave@example.com", "https://example.com/.well-known/lnurlp/dave")]
    public void LightningAddressBecomesTheWellKnownUrl(string address, string expected)
    {
        Assert.True(Lnurl.TryLightningAddressUrl(address, out var url, out var error), error);
        Assert.Equal(expected, url.AbsoluteUri);
    }

    [Theory]
    [InlineData(null, "must be name@domain")]
    [InlineData("", "must be name@domain")]
    [InlineData("alice", "must be name@domain")]
    [InlineData("alice@", "domain is not a valid host name")]
    [InlineData("@example.com", "the name may only have")]
    [InlineData("al ice@example.com", "the name may only have")]
    [InlineData("alice@exa mple.com", "domain is not a valid host name")]
    [InlineData("alice@@example.com", "must be name@domain")]
    [InlineData("alice@bob@example.com", "must be name@domain")]
    [InlineData("alice/../x@example.com", "the name may only have")]
    [InlineData("alice@example.com/path", "domain is not a valid host name")]
    [InlineData("alice@example.com:0", "domain is not a valid host name")]
    [InlineData("alice@example.com:99999", "domain is not a valid host name")]
    [InlineData("alice@[::1]", "domain is not a valid host name")]
    public void InvalidLightningAddressIsRefused(string? address, string reason)
    {
        Assert.False(Lnurl.TryLightningAddressUrl(address, out var url, out var error));
        Assert.Null(url);
        Assert.StartsWith("is not a Lightning address: ", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}

using Payouts.Core.Bitcoin;

namespace Payouts.Core.Tests.Bitcoin;

/// <summary>The string-level vectors of BIP173 (bech32) and BIP350 (bech32m), as in sipa/bech32's ref/python/tests.py.</summary>
public sealed class Bech32Tests
{
    public static TheoryData<string, Bech32.Variant> ValidChecksums => new()
    {
        { "A12UEL5L", Bech32.Variant.Bech32 },
        { "a12uel5l", Bech32.Variant.Bech32 },
        { "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs", Bech32.Variant.Bech32 },
        { "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", Bech32.Variant.Bech32 },
        { "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j", Bech32.Variant.Bech32 },
        { "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", Bech32.Variant.Bech32 },
        { "?1ezyfcl", Bech32.Variant.Bech32 },
        { "A1LQFN3A", Bech32.Variant.Bech32m },
        { "a1lqfn3a", Bech32.Variant.Bech32m },
        { "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6", Bech32.Variant.Bech32m },
        { "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx", Bech32.Variant.Bech32m },
        { "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8", Bech32.Variant.Bech32m },
        { "split1checkupstagehandshakeupstreamerranterredcaperredlc445v", Bech32.Variant.Bech32m },
        { "?1v759aa", Bech32.Variant.Bech32m },
    };

    [Theory]
    [MemberData(nameof(ValidChecksums))]
    public void ValidChecksumDecodesWithItsVariantAndReencodes(string text, Bech32.Variant variant)
    {
        Assert.True(Bech32.TryDecode(text, out var decoded, out var error), error);
        Assert.Equal(variant, decoded.Variant);
        Assert.Equal(text.ToLowerInvariant(), Bech32.Encode(decoded.Hrp, decoded.Data, decoded.Variant));
    }

    [Theory]
    [MemberData(nameof(ValidChecksums))]
    public void FlippingOneDataCharacterBreaksTheChecksum(string text, Bech32.Variant variant)
    {
        _ = variant;
        var separator = text.LastIndexOf('1');
        var flipped = text[..(separator + 1)] + (char)(text[separator + 1] ^ 1) + text[(separator + 2)..];

        Assert.False(Bech32.TryDecode(flipped, out _, out _));
    }

    [Theory]
    // BIP173
    [InlineData(" 1nwldj5", "outside printable ASCII")] // HRP character out of range
    [InlineData("\u007f1axkwrx", "outside printable ASCII")]
    [InlineData("\u00801eym55h", "outside printable ASCII")]
    [InlineData("an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx", "longer than 90")]
    [InlineData("pzry9x0s0muk", "no bech32 separator")]
    [InlineData("1pzry9x0s0muk", "empty bech32 human-readable part")]
    [InlineData("x1b4n0q5v", "'b', which bech32 does not use")]
    [InlineData("li1dgmt3", "checksum shorter than 6")]
    [InlineData("de1lg7wt\u00ff", "outside printable ASCII")] // invalid character in checksum
    [InlineData("A1G7SGD8", "invalid checksum")] // checksum calculated with the uppercase form of the HRP
    [InlineData("10a06t8", "empty bech32 human-readable part")]
    [InlineData("1qzzfhee", "empty bech32 human-readable part")]
    // BIP350
    [InlineData(" 1xj0phk", "outside printable ASCII")]
    [InlineData("\u007f1g6xzxy", "outside printable ASCII")]
    [InlineData("\u00801vctc34", "outside printable ASCII")]
    [InlineData("an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4", "longer than 90")]
    [InlineData("qyrz8wqd2c9m", "no bech32 separator")]
    [InlineData("1qyrz8wqd2c9m", "empty bech32 human-readable part")]
    [InlineData("y1b0jsk6g", "'b', which bech32 does not use")]
    [InlineData("lt1igcx5c0", "'i', which bech32 does not use")]
    [InlineData("in1muywd", "checksum shorter than 6")]
    [InlineData("mm1crxm3i", "'i', which bech32 does not use")] // invalid character in checksum
    [InlineData("au1s5cgom", "'o', which bech32 does not use")]
    [InlineData("M1VUXWEZ", "invalid checksum")] // checksum calculated with the uppercase form of the HRP
    [InlineData("16plkw9", "empty bech32 human-readable part")]
    [InlineData("1p2gdwpf", "empty bech32 human-readable part")]
    public void InvalidStringIsRefusedForItsReason(string text, string reason)
    {
        Assert.False(Bech32.TryDecode(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void MixedCaseIsRefused()
    {
        Assert.False(Bech32.TryDecode("A12uEL5L", out _, out var error));
        Assert.Contains("mixes upper and lower case", error, StringComparison.Ordinal);
    }

    [Theory]
    // sipa/bech32's INVALID_ADDRESS_ENC: (hrp, version, program length) that must not encode.
    [InlineData("BC", 0, 20)]
    [InlineData("bc", 0, 21)]
    [InlineData("bc", 17, 32)]
    [InlineData("bc", 1, 1)]
    [InlineData("bc", 16, 41)]
    public void InvalidWitnessDoesNotEncode(string hrp, int version, int length)
    {
        Assert.Throws<ArgumentException>(() => Bech32.EncodeWitness(hrp, version, new byte[length]));
    }

    [Fact]
    public void EncodingPastNinetyCharactersThrows()
    {
        Assert.Throws<ArgumentException>(() => Bech32.Encode("bc", new byte[82], Bech32.Variant.Bech32m));
        Assert.Equal(90, Bech32.Encode("bc", new byte[81], Bech32.Variant.Bech32m).Length);
    }
}

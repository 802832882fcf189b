using Payouts.Core.Bitcoin;
using Payouts.Core.Lightning;
using V = Payouts.Core.Tests.Lightning.Bolt11SpecVectors;

namespace Payouts.Core.Tests.Lightning;

/// <summary>Data parts with a valid checksum but a broken structure: fields are read before the signature is checked,
/// so these fail for their own reason.</summary>
public sealed class Bolt11MalformedTests
{
    private static readonly byte[] Timestamp = [1, 12, 18, 31, 28, 25, 2]; // "pvjluez"
    private static readonly byte[] Signature = new byte[104];

    [Fact]
    public void FieldLongerThanTheDataIsRefused()
    {
        byte[] data = [.. Timestamp, Bolt11FieldType('p'), 31, 31, .. Signature];
        Assert.Contains("a tagged field is cut short", Error(Bech32.Encode("lnbc", data, Bech32.Variant.Bech32, int.MaxValue)), StringComparison.Ordinal);
    }

    [Fact]
    public void FieldHeaderCutShortIsRefused()
    {
        byte[] data = [.. Timestamp, Bolt11FieldType('p'), 0, .. Signature];
        Assert.Contains("a tagged field is cut short", Error(Bech32.Encode("lnbc", data, Bech32.Variant.Bech32, int.MaxValue)), StringComparison.Ordinal);
    }

    [Fact]
    public void DescriptionThatIsNotUtf8IsRefused()
    {
        byte[] data = [.. Timestamp, Bolt11FieldType('d'), 0, 2, 31, 28, .. Signature]; // the byte 0xff
        Assert.Contains("description is not valid UTF-8", Error(Bech32.Encode("lnbc", data, Bech32.Variant.Bech32, int.MaxValue)), StringComparison.Ordinal);
    }

    [Fact]
    public void Bech32mIsRefused()
    {
        Assert.True(Bech32.TryDecode(V.Coffee, int.MaxValue, out var decoded, out _));
        Assert.Contains("uses bech32m", Error(Bech32.Encode(decoded.Hrp, decoded.Data, Bech32.Variant.Bech32m, int.MaxValue)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "it is empty")]
    [InlineData("  ", "it is empty")]
    [InlineData("lightning:", "it is empty")]
    [InlineData("lnbc1qqqqqqqqqqqqqqq", "checksum is wrong")]
    public void EmptyOrJunkIsRefused(string? text, string reason) => Assert.Contains(reason, Error(text), StringComparison.Ordinal);

    private static byte Bolt11FieldType(char letter) => (byte)"qpzry9x8gf2tvdw0s3jn54khce6mua7l".IndexOf(letter, StringComparison.Ordinal);

    private static string Error(string? text)
    {
        Assert.False(Bolt11Invoice.TryParse(text, out _, out var error));
        return error;
    }
}

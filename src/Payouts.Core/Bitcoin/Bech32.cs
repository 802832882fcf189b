using System.Diagnostics.CodeAnalysis;

namespace Payouts.Core.Bitcoin;

/// <summary>
/// Bech32 (BIP173) and bech32m (BIP350) strings: a human-readable part, '1', then 5-bit data and a 6-character checksum.
/// Also the segwit address rules on top of them. Decoding errors are phrases that read after "The destination ".
/// </summary>
public static class Bech32
{
    public enum Variant { Bech32, Bech32m }

    /// <summary>BIP173's limit; it keeps the checksum's error-detection guarantees.</summary>
    public const int LengthMax = 90;
    public const int WitnessVersionMax = 16;
    public const int WitnessProgramLengthMin = 2;
    public const int WitnessProgramLengthMax = 40;

    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private const int ChecksumLength = 6;
    private const uint Bech32mConstant = 0x2bc830a3;

    public sealed record Decoded(string Hrp, byte[] Data, Variant Variant);

    public sealed record WitnessProgram(string Hrp, int Version, byte[] Program);

    /// <param name="data">5-bit values (0 to 31).</param>
    /// <exception cref="ArgumentException">The result would not decode: bad HRP, a value above 31, or over 90 characters.</exception>
    public static string Encode(string hrp, ReadOnlySpan<byte> data, Variant variant) => Encode(hrp, data, variant, LengthMax);

    /// <summary>As <see cref="Encode(string, ReadOnlySpan{byte}, Variant)"/> with another length limit: BOLT11 invoices
    /// and LNURLs are bech32 strings longer than BIP173's 90 characters.</summary>
    public static string Encode(string hrp, ReadOnlySpan<byte> data, Variant variant, int lengthMax)
    {
        if (hrp.Length == 0 || hrp.Any(c => c is < '!' or > '~' or (>= 'A' and <= 'Z')))
            throw new ArgumentException("The HRP must be 1 or more lowercase printable ASCII characters.", nameof(hrp));
        if (hrp.Length + 1 + data.Length + ChecksumLength > lengthMax)
            throw new ArgumentException($"A bech32 string is at most {lengthMax} characters.", nameof(data));
        foreach (var d in data)
            if (d > 31) throw new ArgumentException("Bech32 data values are 5 bits.", nameof(data));

        var checksum = Checksum(hrp, data, variant);
        var text = new char[hrp.Length + 1 + data.Length + ChecksumLength];
        hrp.CopyTo(text);
        text[hrp.Length] = '1';
        for (var i = 0; i < data.Length; i++) text[hrp.Length + 1 + i] = Charset[data[i]];
        for (var i = 0; i < ChecksumLength; i++) text[hrp.Length + 1 + data.Length + i] = Charset[checksum[i]];
        return new string(text);
    }

    /// <summary>Checks the BIP173 string rules and the checksum; the variant is whichever checksum matches.
    /// The HRP and data of the result are lowercase.</summary>
    public static bool TryDecode(string? text, [NotNullWhen(true)] out Decoded? decoded, [NotNullWhen(false)] out string? error) =>
        TryDecode(text, LengthMax, out decoded, out error);

    /// <summary>As <see cref="TryDecode(string?, out Decoded?, out string?)"/> with another length limit: BOLT11 invoices
    /// and LNURLs are bech32 strings longer than BIP173's 90 characters.</summary>
    public static bool TryDecode(string? text, int lengthMax, [NotNullWhen(true)] out Decoded? decoded, [NotNullWhen(false)] out string? error)
    {
        decoded = null;
        error = StringError(text, lengthMax);
        if (error is not null) return false;
        var lower = text!.ToLowerInvariant();
        var separator = lower.LastIndexOf('1');
        var data = new byte[lower.Length - separator - 1];
        for (var i = 0; i < data.Length; i++)
        {
            var value = Charset.IndexOf(lower[separator + 1 + i], StringComparison.Ordinal);
            if (value < 0) { error = $"has the character '{lower[separator + 1 + i]}', which bech32 does not use"; return false; }
            data[i] = (byte)value;
        }
        var hrp = lower[..separator];
        var variant = Polymod(HrpExpand(hrp).Concat(data)) switch
        {
            1 => Variant.Bech32,
            Bech32mConstant => Variant.Bech32m,
            _ => (Variant?)null,
        };
        if (variant is null) { error = "has an invalid checksum"; return false; }
        decoded = new Decoded(hrp, data[..^ChecksumLength], variant.Value);
        return true;
    }

    /// <exception cref="ArgumentException">Not a program BIP141/BIP350 allow for the version.</exception>
    public static string EncodeWitness(string hrp, int version, ReadOnlySpan<byte> program)
    {
        if (WitnessError(version, program.Length) is { } error)
            throw new ArgumentException($"The witness program {error}.", nameof(program));
        byte[] data = [(byte)version, .. ConvertBits(program, 8, 5, pad: true)!];
        return Encode(hrp, data, version == 0 ? Variant.Bech32 : Variant.Bech32m);
    }

    /// <summary>A segwit address: version 0 with bech32 and 20 or 32 bytes, versions 1 to 16 with bech32m and 2 to 40.</summary>
    public static bool TryDecodeWitness(string? text, [NotNullWhen(true)] out WitnessProgram? witness, [NotNullWhen(false)] out string? error)
    {
        witness = null;
        if (!TryDecode(text, out var decoded, out error)) return false;
        if (decoded.Data.Length == 0) { error = "has an empty bech32 data section"; return false; }
        var version = decoded.Data[0];
        if (version > WitnessVersionMax) { error = $"has witness version {version}; the highest is {WitnessVersionMax}"; return false; }
        if (version == 0 && decoded.Variant != Variant.Bech32)
        {
            error = "uses bech32m for witness version 0; version 0 must use bech32 (BIP173)";
            return false;
        }
        if (version != 0 && decoded.Variant != Variant.Bech32m)
        {
            error = $"uses bech32 for witness version {version}; versions 1 to 16 must use bech32m (BIP350)";
            return false;
        }
        var program = ConvertBits(decoded.Data.AsSpan(1), 5, 8, pad: false);
        if (program is null) { error = "has invalid padding in its bech32 data"; return false; }
        if (WitnessError(version, program.Length) is { } lengthError) { error = lengthError; return false; }
        witness = new WitnessProgram(decoded.Hrp, version, program);
        return true;
    }

    private static string? WitnessError(int version, int length) =>
        version is < 0 or > WitnessVersionMax ? $"has witness version {version}; versions are 0 to {WitnessVersionMax}"
        : length is < WitnessProgramLengthMin or > WitnessProgramLengthMax
            ? $"has a witness program of {length} bytes; it must be {WitnessProgramLengthMin} to {WitnessProgramLengthMax}"
        : version == 0 && length is not (20 or 32) ? $"has a version 0 witness program of {length} bytes; it must be 20 or 32"
        : null;

    private static string? StringError(string? text, int lengthMax)
    {
        if (string.IsNullOrEmpty(text)) return "is empty";
        if (text.Length > lengthMax) return $"is longer than {lengthMax} characters, the most a bech32 string has";
        if (text.Any(c => c is < '!' or > '~')) return "has a character outside printable ASCII";
        if (text.Any(char.IsAsciiLetterLower) && text.Any(char.IsAsciiLetterUpper)) return "mixes upper and lower case, which bech32 forbids";
        var separator = text.LastIndexOf('1');
        if (separator < 0) return "has no bech32 separator '1'";
        if (separator == 0) return "has an empty bech32 human-readable part";
        if (text.Length - separator - 1 < ChecksumLength) return "has a bech32 checksum shorter than 6 characters";
        return null;
    }

    private static byte[] Checksum(string hrp, ReadOnlySpan<byte> data, Variant variant)
    {
        var target = variant == Variant.Bech32 ? 1u : Bech32mConstant;
        var mod = Polymod(HrpExpand(hrp).Concat(data.ToArray()).Concat(new byte[ChecksumLength])) ^ target;
        var checksum = new byte[ChecksumLength];
        for (var i = 0; i < ChecksumLength; i++) checksum[i] = (byte)((mod >> (5 * (5 - i))) & 31);
        return checksum;
    }

    private static uint Polymod(IEnumerable<byte> values)
    {
        ReadOnlySpan<uint> generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
        var chk = 1u;
        foreach (var v in values)
        {
            var top = chk >> 25;
            chk = ((chk & 0x1ffffff) << 5) ^ v;
            for (var i = 0; i < 5; i++)
                if (((top >> i) & 1) != 0) chk ^= generator[i];
        }
        return chk;
    }

    private static byte[] HrpExpand(string hrp) => [.. hrp.Select(c => (byte)(c >> 5)), 0, .. hrp.Select(c => (byte)(c & 31))];

    /// <summary>Regroups bits; without padding, leftover bits must be fewer than <paramref name="fromBits"/> and zero
    /// (BIP173), else null.</summary>
    private static byte[]? ConvertBits(ReadOnlySpan<byte> data, int fromBits, int toBits, bool pad)
    {
        var acc = 0;
        var bits = 0;
        var maxValue = (1 << toBits) - 1;
        var accMax = (1 << (fromBits + toBits - 1)) - 1; // keeps only the bits not yet emitted
        var result = new List<byte>(data.Length * fromBits / toBits + 1);
        foreach (var value in data)
        {
            acc = ((acc << fromBits) | value) & accMax;
            bits += fromBits;
            while (bits >= toBits)
            {
                bits -= toBits;
                result.Add((byte)((acc >> bits) & maxValue));
            }
        }
        if (pad)
        {
            if (bits > 0) result.Add((byte)((acc << (toBits - bits)) & maxValue));
        }
        else if (bits >= fromBits || ((acc << (toBits - bits)) & maxValue) != 0)
        {
            return null;
        }
        return [.. result];
    }
}

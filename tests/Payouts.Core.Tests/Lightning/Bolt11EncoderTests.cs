using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Payouts.Core.Bitcoin;
using Payouts.Core.Lightning;
using Xunit.Abstractions;
using V = Payouts.Core.Tests.Lightning.Bolt11SpecVectors;

namespace Payouts.Core.Tests.Lightning;

public sealed class Bolt11EncoderTests
{
    private static readonly byte[] SpecKey = Convert.FromHexString(V.PrivateKey);
    private static readonly byte[] Hash = Convert.FromHexString(V.PaymentHash);
    private static readonly byte[] Secret = Convert.FromHexString(V.PaymentSecret);
    private static readonly DateTimeOffset SpecTime = DateTimeOffset.FromUnixTimeSeconds(V.Timestamp);

    public static TheoryData<string, string> SpecExamples => new()
    {
        { "donation", V.Donation },
        { "coffee", V.Coffee },
        { "nonsense", V.Nonsense },
        { "hashed", V.Hashed },
    };

    /// <summary>RFC 6979 makes signatures deterministic, so the spec's examples come out character for character:
    /// the hashing, the signature and its recovery id all match the spec's.</summary>
    [Theory]
    [MemberData(nameof(SpecExamples))]
    public void SpecExampleIsReproducedExactly(string name, string text)
    {
        var draft = name switch
        {
            "donation" => new Bolt11Draft(BitcoinNetwork.Mainnet, null, SpecTime, Hash, Secret, "Please consider supporting this project", null, Features: [8, 14]),
            "coffee" => new Bolt11Draft(BitcoinNetwork.Mainnet, 250_000_000, SpecTime, Hash, Secret, "1 cup coffee", null, TimeSpan.FromSeconds(60), Features: [8, 14]),
            "nonsense" => new Bolt11Draft(BitcoinNetwork.Mainnet, 250_000_000, SpecTime, Hash, Secret, "ナンセンス 1杯", null, TimeSpan.FromSeconds(60), Features: [14, 8]),
            "hashed" => new Bolt11Draft(BitcoinNetwork.Mainnet, 2_000_000_000, SpecTime, Hash, Secret, null,
                SHA256.HashData(Encoding.UTF8.GetBytes(V.LongDescription)), Features: [8, 14]),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        Assert.Equal(text, Bolt11Encoder.Encode(draft, SpecKey));
    }

    public static TheoryData<BitcoinNetwork, long?> NetworksAndAmounts => new()
    {
        { BitcoinNetwork.Mainnet, null },
        { BitcoinNetwork.Mainnet, 1 },            // 10p
        { BitcoinNetwork.Testnet, 1_000 },        // 10n
        { BitcoinNetwork.Signet, 123_456_789 },   // 1234567890p
        { BitcoinNetwork.Regtest, 100_000 },      // 1u
        { BitcoinNetwork.Mainnet, 2_100_000_000_000_000_000 }, // 21 million bitcoin, no multiplier
    };

    [Theory]
    [MemberData(nameof(NetworksAndAmounts))]
    public void EncodedInvoiceParsesBackToTheDraftAndTheSigningKey(BitcoinNetwork network, long? amountMsat)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var time = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var draft = new Bolt11Draft(network, amountMsat, time, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32),
            "payout test", null, TimeSpan.FromMinutes(15), 40, Features: [8, 14, 17]);

        var invoice = Bolt11Invoice.Parse(Bolt11Encoder.Encode(draft, key));

        Assert.Equal(network, invoice.Network);
        Assert.Equal(amountMsat, invoice.AmountMsat);
        Assert.Equal(time, invoice.Timestamp);
        Assert.Equal(TimeSpan.FromMinutes(15), invoice.Expiry);
        Assert.Equal(time.AddMinutes(15), invoice.ExpiresAt);
        Assert.Equal(Convert.ToHexStringLower(draft.PaymentHash), invoice.PaymentHash);
        Assert.Equal(Convert.ToHexStringLower(draft.PaymentSecret!), invoice.PaymentSecret);
        Assert.Equal("payout test", invoice.Description);
        Assert.Null(invoice.DescriptionHash);
        Assert.Equal(40, invoice.MinFinalCltvExpiry);
        Assert.Equal([8, 14, 17], invoice.Features);
        Assert.Equal(Convert.ToHexStringLower(Secp256k1.PublicKey(key)), invoice.PayeePubKey);
    }

    [Fact]
    public void PayeePubKeyFieldIsWrittenAndTheSignatureVerifiesAgainstIt()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var hash = RandomNumberGenerator.GetBytes(32);
        var draft = new Bolt11Draft(BitcoinNetwork.Regtest, 5_000, DateTimeOffset.UtcNow, hash, Secret, null, hash, IncludePayeePubKey: true);
        var text = Bolt11Encoder.Encode(draft, key);

        Assert.Contains("np4", text, StringComparison.Ordinal); // 'n', then 53 words
        var invoice = Bolt11Invoice.Parse(text);
        Assert.Equal(Convert.ToHexStringLower(Secp256k1.PublicKey(key)), invoice.PayeePubKey);
        Assert.Equal(Convert.ToHexStringLower(hash), invoice.DescriptionHash);
        Assert.Equal(Bolt11Invoice.DefaultExpiry, invoice.Expiry);
        Assert.Equal(18, invoice.MinFinalCltvExpiry);
        Assert.Empty(invoice.Features);
    }

    [Fact]
    public void PayeePubKeyOfAnotherNodeFailsTheSignature()
    {
        // Re-sign an invoice whose 'n' names key A with key B: verification against 'n' must fail, not recover B.
        var a = RandomNumberGenerator.GetBytes(32);
        var b = RandomNumberGenerator.GetBytes(32);
        var withA = Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, 1_000, SpecTime, Hash, Secret, "x", null, IncludePayeePubKey: true), a);
        var decoded = Decode(withA);
        var words = decoded.Data[..^104];
        var hrpBytes = Encoding.UTF8.GetBytes(decoded.Hrp);
        var message = hrpBytes.Concat(WordsToBytes(words)).ToArray();
        var (signature, recoveryId) = Secp256k1.SignRecoverable(SHA256.HashData(message), b);
        var forged = Bech32.Encode(decoded.Hrp, [.. words, .. BytesToWords([.. signature, (byte)recoveryId])], Bech32.Variant.Bech32, int.MaxValue);

        Assert.False(Bolt11Invoice.TryParse(forged, out _, out var error));
        Assert.Contains("does not match its payee key", error, StringComparison.Ordinal);
    }

    [Fact]
    public void SignaturesAreLowS()
    {
        for (var i = 0; i < 50; i++)
        {
            var text = Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, 1_000 + i, SpecTime, Hash, Secret, $"n{i}", null), SpecKey);
            var signature = WordsToBytes(Decode(text).Data[^104..]);
            Assert.True(Secp256k1.IsLowS(signature.AsSpan(0, 64)), text);
        }
    }

    [Fact]
    public void EveryFlippedDataCharacterFails()
    {
        var text = V.Coffee;
        var separator = text.LastIndexOf('1');
        for (var i = separator + 1; i < text.Length; i++)
        {
            var flipped = text[..i] + (text[i] == 'q' ? 'p' : 'q') + text[(i + 1)..];
            Assert.False(Bolt11Invoice.TryParse(flipped, out _, out _), $"position {i}");
        }
    }

    [Fact]
    public void ChangedAmountWithAFixedChecksumFailsTheSignature()
    {
        // A valid bech32 string whose HRP differs from what was signed: the recovered key is someone else's, so the
        // payee changes; with 'n' present the signature check fails outright.
        var text = Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, 1_000_000, SpecTime, Hash, Secret, "x", null, IncludePayeePubKey: true), SpecKey);
        var decoded = Decode(text);
        var tampered = Bech32.Encode("lnbc20m", decoded.Data, Bech32.Variant.Bech32, int.MaxValue);
        Assert.False(Bolt11Invoice.TryParse(tampered, out _, out var error));
        Assert.Contains("signature", error, StringComparison.Ordinal);

        var withoutN = Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, 1_000_000, SpecTime, Hash, Secret, "x", null), SpecKey);
        var recovered = Bolt11Invoice.Parse(Bech32.Encode("lnbc20m", Decode(withoutN).Data, Bech32.Variant.Bech32, int.MaxValue));
        Assert.NotEqual(V.PayeePubKey, recovered.PayeePubKey);
    }

    [Fact]
    public void DraftsAReaderRefusesCanStillBeWritten()
    {
        // Simulators issue bad invoices on purpose; the encoder leaves the reader's rules to the reader.
        var neither = Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, 1_000, SpecTime, Hash, Secret, null, null), SpecKey);
        Assert.False(Bolt11Invoice.TryParse(neither, out _, out var error));
        Assert.Contains("neither a description nor a description hash", error, StringComparison.Ordinal);

        var both = Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, 1_000, SpecTime, Hash, Secret, "d", Hash), SpecKey);
        Assert.False(Bolt11Invoice.TryParse(both, out _, out error));
        Assert.Contains("both a description and a description hash", error, StringComparison.Ordinal);

        var noSecret = Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, 1_000, SpecTime, Hash, null, "d", null), SpecKey);
        Assert.False(Bolt11Invoice.TryParse(noSecret, out _, out error));
        Assert.Contains("no payment secret", error, StringComparison.Ordinal);

        var unknownRequired = Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, 1_000, SpecTime, Hash, Secret, "d", null, Features: [8, 14, 200]), SpecKey);
        Assert.False(Bolt11Invoice.TryParse(unknownRequired, out _, out error));
        Assert.Contains("requires feature 200", error, StringComparison.Ordinal);

        var unknownOptional = Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, 1_000, SpecTime, Hash, Secret, "d", null, Features: [8, 14, 201]), SpecKey);
        Assert.Equal([8, 14, 201], Bolt11Invoice.Parse(unknownOptional).Features);
    }

    [Fact]
    public void EmptyDescriptionIsKeptApartFromNone()
    {
        var text = Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, 1_000, SpecTime, Hash, Secret, "", null), SpecKey);
        Assert.Equal("", Bolt11Invoice.Parse(text).Description);
    }

    [Fact]
    public void LongestDescriptionFitsAndOneByteMoreIsRefused()
    {
        var longest = new string('a', 639);
        var text = Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, 1_000, SpecTime, Hash, Secret, longest, null), SpecKey);
        Assert.Equal(longest, Bolt11Invoice.Parse(text).Description);
        Assert.Throws<ArgumentException>(() =>
            Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, 1_000, SpecTime, Hash, Secret, longest + "a", null), SpecKey));
    }

    [Fact]
    public void UnwritableDraftsThrow()
    {
        Assert.Throws<ArgumentException>(() => Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, 0, SpecTime, Hash, Secret, "d", null), SpecKey));
        Assert.Throws<ArgumentException>(() => Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, null, SpecTime, new byte[31], Secret, "d", null), SpecKey));
        Assert.Throws<ArgumentException>(() => Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, null, SpecTime, Hash, new byte[33], "d", null), SpecKey));
        Assert.Throws<ArgumentException>(() => Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, null, SpecTime, Hash, Secret, "d", null), new byte[31]));
        Assert.Throws<ArgumentException>(() => Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Mainnet, null, SpecTime, Hash, Secret, "d", null), new byte[32]));
    }

    private static Bech32.Decoded Decode(string text)
    {
        Assert.True(Bech32.TryDecode(text, int.MaxValue, out var decoded, out var error), error);
        return decoded;
    }

    private static byte[] WordsToBytes(byte[] words)
    {
        var bits = string.Concat(words.Select(w => Convert.ToString(w, 2).PadLeft(5, '0')));
        bits = bits.PadRight((bits.Length + 7) / 8 * 8, '0');
        return Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2)).ToArray();
    }

    private static byte[] BytesToWords(byte[] bytes)
    {
        var bits = string.Concat(bytes.Select(b => Convert.ToString(b, 2).PadLeft(8, '0')));
        bits = bits.PadRight((bits.Length + 4) / 5 * 5, '0');
        return Enumerable.Range(0, bits.Length / 5).Select(i => Convert.ToByte(bits.Substring(i * 5, 5), 2)).ToArray();
    }
}

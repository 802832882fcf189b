using System.Security.Cryptography;
using System.Text;
using Payouts.Core.Bitcoin;

namespace Payouts.Core.Lightning;

/// <summary>Writes signed BOLT11 invoices, so test simulators of Lightning nodes and LNURL servers issue real ones.</summary>
public static class Bolt11Encoder
{
    /// <summary>Fields in the order of the spec's examples (s, p, d or h, x, c, n, 9), so the spec's invoices come out
    /// character for character. Signs with RFC 6979 nonces and low-S.</summary>
    /// <param name="privateKey">32 bytes: the payee node's key.</param>
    /// <exception cref="ArgumentException">A field that cannot be written: wrong hash lengths, a non-positive amount,
    /// a timestamp outside 35 bits, a description over 639 bytes, a negative expiry, CLTV or feature bit.</exception>
    public static string Encode(Bolt11Draft draft, ReadOnlySpan<byte> privateKey)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var hrp = "ln" + Prefix(draft.Network) + (draft.AmountMsat is { } msat ? Amount(msat) : "");

        var timestamp = draft.Timestamp.ToUnixTimeSeconds();
        if (timestamp is < 0 or >= 1L << 35) throw new ArgumentException("The timestamp must fit in 35 bits of seconds since 1970.", nameof(draft));
        var words = new List<byte>(Bolt11Words.FromInteger(timestamp, Bolt11Tags.TimestampWords));
        if (draft.PaymentSecret is not null) AddField(words, Bolt11Tags.PaymentSecret, Hash32(draft.PaymentSecret, nameof(draft.PaymentSecret)));
        AddField(words, Bolt11Tags.PaymentHash, Hash32(draft.PaymentHash, nameof(draft.PaymentHash)));
        if (draft.Description is not null) AddField(words, Bolt11Tags.Description, Bolt11Words.FromBytes(Encoding.UTF8.GetBytes(draft.Description)));
        if (draft.DescriptionHash is not null) AddField(words, Bolt11Tags.DescriptionHash, Hash32(draft.DescriptionHash, nameof(draft.DescriptionHash)));
        if (draft.Expiry is { } expiry)
        {
            if (expiry < TimeSpan.Zero) throw new ArgumentException("The expiry must not be negative.", nameof(draft));
            AddField(words, Bolt11Tags.Expiry, Bolt11Words.FromInteger((long)expiry.TotalSeconds));
        }
        if (draft.MinFinalCltvExpiry is { } cltv)
        {
            if (cltv < 0) throw new ArgumentException("The min_final_cltv_expiry must not be negative.", nameof(draft));
            AddField(words, Bolt11Tags.MinFinalCltvExpiry, Bolt11Words.FromInteger(cltv));
        }
        if (draft.IncludePayeePubKey) AddField(words, Bolt11Tags.PayeePubKey, Bolt11Words.FromBytes(Secp256k1.PublicKey(privateKey)));
        if (draft.Features is { Count: > 0 } features) AddField(words, Bolt11Tags.Features, Bolt11Features.Write([.. features.Distinct()]));

        byte[] signedWords = [.. words];
        var hash = SHA256.HashData([.. Encoding.UTF8.GetBytes(hrp), .. Bolt11Words.ToBytes(signedWords, padLastByte: true)]);
        var (signature, recoveryId) = Secp256k1.SignRecoverable(hash, privateKey);
        words.AddRange(Bolt11Words.FromBytes([.. signature, (byte)recoveryId]));
        return Bech32.Encode(hrp, [.. words], Bech32.Variant.Bech32, int.MaxValue);
    }

    private static string Prefix(BitcoinNetwork network) => network switch
    {
        BitcoinNetwork.Mainnet => "bc",
        BitcoinNetwork.Testnet => "tb",
        BitcoinNetwork.Signet => "tbs",
        BitcoinNetwork.Regtest => "bcrt",
    };

    private static string Amount(long msat)
    {
        if (msat is <= 0 or > Bolt11Amount.MsatMax)
            throw new ArgumentException("The amount must be positive and at most 21 million bitcoin.", "draft");
        return Bolt11Amount.Format(msat);
    }

    private static byte[] Hash32(byte[] bytes, string name) =>
        bytes.Length == 32 ? Bolt11Words.FromBytes(bytes) : throw new ArgumentException($"{name} must be 32 bytes.", "draft");

    private static void AddField(List<byte> words, int type, byte[] data)
    {
        if (data.Length > Bolt11Tags.DataWordsMax)
            throw new ArgumentException($"A tagged field holds at most {Bolt11Tags.DataWordsMax} words (639 bytes).", "draft");
        words.Add((byte)type);
        words.Add((byte)(data.Length >> 5));
        words.Add((byte)(data.Length & 31));
        words.AddRange(data);
    }
}

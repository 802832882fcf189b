using System.Security.Cryptography;
using System.Text;
using Payouts.Core.Bitcoin;

namespace Payouts.Core.Lightning;

/// <summary>Parses and checks a BOLT11 invoice. Reasons are short phrases after "is not a valid BOLT11 invoice: ".</summary>
internal static class Bolt11Reader
{
    private const string UriPrefix = "lightning:";

    // Longest first: "tbs" must win over "tb", "bcrt" over "bc".
    private static readonly (string Prefix, BitcoinNetwork Network)[] Networks =
    [
        ("bcrt", BitcoinNetwork.Regtest), ("tbs", BitcoinNetwork.Signet), ("bc", BitcoinNetwork.Mainnet), ("tb", BitcoinNetwork.Testnet),
    ];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <param name="verifySignature">False only to read fields of an invoice already checked in full (its payment hash for a
    /// stored payout): recovering the signer is most of the cost of reading.</param>
    public static Bolt11Invoice? Read(string? text, out string? reason, bool verifySignature = true)
    {
        reason = null;
        var trimmed = text?.Trim() ?? "";
        if (trimmed.StartsWith(UriPrefix, StringComparison.OrdinalIgnoreCase)) trimmed = trimmed[UriPrefix.Length..];
        if (trimmed.Length == 0) { reason = "it is empty"; return null; }

        // BOLT11 lifts BIP173's 90-character limit; int.MaxValue leaves only the string's own length.
        if (!Bech32.TryDecode(trimmed, int.MaxValue, out var decoded, out var bech32Error))
        {
            reason = bech32Error == "has an invalid checksum" ? "its checksum is wrong" : $"it {bech32Error}";
            return null;
        }
        if (decoded.Variant != Bech32.Variant.Bech32) { reason = "it uses bech32m; invoices use bech32"; return null; }

        var hrp = decoded.Hrp;
        if (!hrp.StartsWith("ln", StringComparison.Ordinal)) { reason = "it does not start with \"ln\""; return null; }
        var currencyLength = 2;
        while (currencyLength < hrp.Length && !char.IsAsciiDigit(hrp[currencyLength])) currencyLength++;
        var currency = hrp[2..currencyLength];
        var match = Array.FindIndex(Networks, n => n.Prefix == currency);
        if (match < 0) { reason = $"its prefix \"ln{currency}\" is not a Bitcoin network's"; return null; }
        if (!Bolt11Amount.TryParse(hrp[currencyLength..], out var amountMsat, out var amountError))
        {
            reason = $"it {amountError}";
            return null;
        }

        var words = decoded.Data;
        if (words.Length < Bolt11Tags.TimestampWords + Bolt11Tags.SignatureWords) { reason = "it is too short"; return null; }
        var signedWords = words.AsSpan(0, words.Length - Bolt11Tags.SignatureWords);
        var fields = ReadFields(signedWords[Bolt11Tags.TimestampWords..], out reason);
        if (fields is null) return null;
        if (fields.PaymentHash is null) { reason = "it has no payment hash ('p')"; return null; }
        if (fields.PaymentSecret is null) { reason = "it has no payment secret ('s')"; return null; }
        if (fields.Description is null && fields.DescriptionHash is null) { reason = "it has neither a description nor a description hash"; return null; }
        if (fields.Description is not null && fields.DescriptionHash is not null) { reason = "it has both a description and a description hash"; return null; }
        if (Bolt11Features.FirstUnknownRequired(fields.Features) is { } unknown)
        {
            reason = $"it requires feature {unknown}, which this service does not know";
            return null;
        }

        var payee = verifySignature
            ? CheckSignature(hrp, signedWords, words.AsSpan(words.Length - Bolt11Tags.SignatureWords), fields.PayeePubKey, out reason)
            : fields.PayeePubKey ?? [];
        if (payee is null) return null;

        var timestamp = DateTimeOffset.FromUnixTimeSeconds(Bolt11Words.ToInteger(signedWords[..Bolt11Tags.TimestampWords])!.Value);
        var expiry = fields.ExpirySeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : Bolt11Invoice.DefaultExpiry;
        return new Bolt11Invoice
        {
            Text = trimmed.ToLowerInvariant(),
            Network = Networks[match].Network,
            AmountMsat = amountMsat,
            Timestamp = timestamp,
            Expiry = expiry,
            PaymentHash = Convert.ToHexStringLower(fields.PaymentHash),
            PaymentSecret = Convert.ToHexStringLower(fields.PaymentSecret),
            Description = fields.Description,
            DescriptionHash = fields.DescriptionHash is null ? null : Convert.ToHexStringLower(fields.DescriptionHash),
            PayeePubKey = Convert.ToHexStringLower(payee),
            MinFinalCltvExpiry = fields.MinFinalCltvExpiry ?? Bolt11Invoice.DefaultMinFinalCltvExpiry,
            Features = fields.Features,
        };
    }

    private sealed class Fields
    {
        public byte[]? PaymentHash;
        public byte[]? PaymentSecret;
        public string? Description;
        public byte[]? DescriptionHash;
        public byte[]? PayeePubKey;
        public long? ExpirySeconds;
        public int? MinFinalCltvExpiry;
        public int[] Features = [];
    }

    // Expiry beyond this would overflow DateTimeOffset for the latest 35-bit timestamp; no real invoice comes near it.
    private const long ExpirySecondsMax = 100L * 365 * 24 * 3600;

    private static Fields? ReadFields(ReadOnlySpan<byte> words, out string? reason)
    {
        reason = null;
        var fields = new Fields();
        var at = 0;
        while (at < words.Length)
        {
            if (words.Length - at < 3) { reason = "a tagged field is cut short"; return null; }
            var type = words[at];
            var length = words[at + 1] << 5 | words[at + 2];
            at += 3;
            if (words.Length - at < length) { reason = "a tagged field is cut short"; return null; }
            var data = words.Slice(at, length);
            at += length;
            // Fixed-length fields of another length are skipped, as BOLT11 requires (a future variant may differ);
            // of each kind, the first valid one counts, as BOLT11 tells a payer for 'p'.
            switch (type)
            {
                case Bolt11Tags.PaymentHash when length == Bolt11Tags.HashWords:
                    fields.PaymentHash ??= Bolt11Words.ToBytes(data, padLastByte: false);
                    break;
                case Bolt11Tags.PaymentSecret when length == Bolt11Tags.HashWords:
                    fields.PaymentSecret ??= Bolt11Words.ToBytes(data, padLastByte: false);
                    break;
                case Bolt11Tags.DescriptionHash when length == Bolt11Tags.HashWords:
                    if (fields.DescriptionHash is not null) { reason = "it has more than one description hash"; return null; }
                    fields.DescriptionHash = Bolt11Words.ToBytes(data, padLastByte: false);
                    break;
                case Bolt11Tags.PayeePubKey when length == Bolt11Tags.PubKeyWords:
                    fields.PayeePubKey ??= Bolt11Words.ToBytes(data, padLastByte: false);
                    break;
                case Bolt11Tags.Description:
                    if (fields.Description is not null) { reason = "it has more than one description"; return null; }
                    try
                    {
                        fields.Description = StrictUtf8.GetString(Bolt11Words.ToBytes(data, padLastByte: false));
                    }
                    catch (DecoderFallbackException)
                    {
                        reason = "its description is not valid UTF-8";
                        return null;
                    }
                    break;
                case Bolt11Tags.Expiry when fields.ExpirySeconds is null:
                    var expiry = Bolt11Words.ToInteger(data);
                    if (expiry is null or > ExpirySecondsMax) { reason = "its expiry is too long"; return null; }
                    fields.ExpirySeconds = expiry;
                    break;
                case Bolt11Tags.MinFinalCltvExpiry when fields.MinFinalCltvExpiry is null:
                    var cltv = Bolt11Words.ToInteger(data);
                    if (cltv is null or > int.MaxValue) { reason = "its min_final_cltv_expiry is too large"; return null; }
                    fields.MinFinalCltvExpiry = (int)cltv;
                    break;
                case Bolt11Tags.Features when fields.Features.Length == 0:
                    fields.Features = Bolt11Features.Read(data);
                    break;
                default:
                    break; // unknown, repeated, or not needed here (r, f, m): skipped
            }
        }
        return fields;
    }

    /// <summary>The payee's compressed key, or null with a reason.</summary>
    private static byte[]? CheckSignature(string hrp, ReadOnlySpan<byte> signedWords, ReadOnlySpan<byte> signatureWords,
        byte[]? payeePubKey, out string? reason)
    {
        reason = null;
        // The message is the HRP's bytes then the data words before the signature, zero-padded to a whole byte.
        var message = Encoding.UTF8.GetBytes(hrp).Concat(Bolt11Words.ToBytes(signedWords, padLastByte: true)).ToArray();
        var hash = SHA256.HashData(message);
        var signature = Bolt11Words.ToBytes(signatureWords, padLastByte: false); // 520 bits: exactly 65 bytes
        var signature64 = signature.AsSpan(0, Secp256k1.SignatureLength);
        var recoveryId = signature[Secp256k1.SignatureLength];

        if (payeePubKey is not null)
        {
            // With 'n' the reader verifies instead of recovering, and BOLT11 requires the low-S form then.
            if (!Secp256k1.IsLowS(signature64)) { reason = "its signature is not in low-S form"; return null; }
            if (!Secp256k1.Verify(hash, signature64, payeePubKey)) { reason = "its signature does not match its payee key ('n')"; return null; }
            return payeePubKey;
        }
        // Without 'n' a reader must accept high-S signatures too. The spec's example of one ("Public-key recovery with
        // high-S signature") negates s but keeps the recovery id of the low-S form, so recovery runs on the low-S twin.
        var lowS = Secp256k1.NormalizeS(signature64);
        var recovered = lowS is null ? null : Secp256k1.Recover(hash, lowS, recoveryId);
        if (recovered is null) reason = "its signature is not recoverable";
        return recovered;
    }
}

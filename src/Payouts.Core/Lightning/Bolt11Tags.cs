namespace Payouts.Core.Lightning;

/// <summary>The tagged-field types of BOLT11 (the 5-bit value of each letter in the bech32 alphabet) and the fixed
/// lengths, in words, of the ones a reader must skip when the length differs.</summary>
internal static class Bolt11Tags
{
    public const int PaymentHash = 1;       // p
    public const int RouteHint = 3;         // r
    public const int Features = 5;          // 9
    public const int Expiry = 6;            // x
    public const int Fallback = 9;          // f
    public const int Description = 13;      // d
    public const int PaymentSecret = 16;    // s
    public const int PayeePubKey = 19;      // n
    public const int DescriptionHash = 23;  // h
    public const int MinFinalCltvExpiry = 24; // c
    public const int Metadata = 27;         // m

    public const int HashWords = 52;   // 256 bits and 4 of padding
    public const int PubKeyWords = 53; // 264 bits and 1 of padding

    /// <summary>10 bits of length: at most 1023 words, 639 whole bytes.</summary>
    public const int DataWordsMax = 1023;

    public const int TimestampWords = 7;    // 35 bits
    public const int SignatureWords = 104;  // 64-byte signature and a recovery-id byte: 520 bits
}

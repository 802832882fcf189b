using System.Security.Cryptography;
using System.Text;

namespace Payouts.Core.Webhooks;

/// <summary>BTCPay's <c>BTCPay-Sig</c> header and webhook secrets.</summary>
public static class WebhookSignature
{
    public const string Header = "BTCPay-Sig";

    /// <summary><c>sha256=</c> and the lowercase hex HMAC-SHA256 of the exact body bytes, keyed by the UTF-8 secret.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>32 random bytes, base64url without padding (43 characters).</summary>
    public static string NewSecret() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

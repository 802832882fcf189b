using System.Security.Cryptography;
using System.Text;

namespace Payouts.Core.Auth;

/// <summary>An API key as stored: only the SHA-256 of the secret, never the secret itself.</summary>
public sealed record ApiKey(
    string Id,
    string KeyHash,
    string Label,
    IReadOnlyList<string> Permissions,
    bool Bootstrap,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt)
{
    public const int SecretLengthMin = 16;
    public const int SecretLengthMax = 200;

    /// <summary>A fresh secret: 32 random bytes as hex, like BTCPay's keys.</summary>
    public static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Keys are high-entropy random strings, so an unsalted SHA-256 is enough to make a stolen table useless.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}

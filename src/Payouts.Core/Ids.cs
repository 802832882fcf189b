using System.Security.Cryptography;

namespace Payouts.Core;

/// <summary>Random, URL-safe ids: unguessable so that anonymous pull-payment links cannot be enumerated.</summary>
public static class Ids
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /// <summary>22 base58 characters ≈ 128 bits.</summary>
    public const int Length = 22;

    /// <summary>Longest id accepted from a client before any lookup.</summary>
    public const int LengthMax = 64;

    public static string New() => RandomNumberGenerator.GetString(Alphabet, Length);

    public static bool LooksValid(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= LengthMax && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}

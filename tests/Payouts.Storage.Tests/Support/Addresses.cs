using System.Security.Cryptography;
using System.Text;
using Payouts.Core.Bitcoin;

namespace Payouts.Storage.Tests.Support;

/// <summary>Valid destinations for rows, so that stored data looks like what the API lets in.</summary>
public static class Addresses
{
    /// <summary>A mainnet P2WPKH address of its own per seed: the program is the seed's SHA-256, cut to 20 bytes.</summary>
    public static string For(string seed) => Bech32.EncodeWitness("bc", 0, SHA256.HashData(Encoding.UTF8.GetBytes(seed)).AsSpan(0, 20));
}

using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.Utilities;

namespace Payouts.Core.Lightning;

/// <summary>
/// The secp256k1 ECDSA that BOLT11 signatures use: compressed public keys, 64-byte compact signatures (r ‖ s, big-endian)
/// with a recovery id, RFC 6979 nonces and low-S signing, and public-key recovery (SEC1 §4.1.6).
/// </summary>
public static class Secp256k1
{
    public const int PrivateKeyLength = 32;
    public const int PublicKeyLength = 33;
    public const int SignatureLength = 64;
    public const int HashLength = 32;

    // CustomNamedCurves rather than SecNamedCurves: the same curve, but with BouncyCastle's dedicated field arithmetic and
    // the GLV endomorphism, which makes recovery several times faster (it runs once per parsed invoice).
    private static readonly X9ECParameters Parameters = CustomNamedCurves.GetByName("secp256k1");
    private static readonly ECCurve Curve = Parameters.Curve;
    private static readonly ECPoint G = Parameters.G;
    private static readonly BigInteger N = Parameters.N;
    private static readonly BigInteger HalfN = N.ShiftRight(1);

    /// <exception cref="ArgumentException">Not 32 bytes, or not a scalar from 1 to n-1.</exception>
    public static byte[] PublicKey(ReadOnlySpan<byte> privateKey) => G.Multiply(Scalar(privateKey)).Normalize().GetEncoded(true);

    /// <summary>Deterministic (RFC 6979, HMAC-SHA256) and low-S; the recovery id is the one for the signature returned.</summary>
    /// <exception cref="ArgumentException">The hash is not 32 bytes, or the key is not a valid private key.</exception>
    public static (byte[] Signature64, int RecoveryId) SignRecoverable(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> privateKey)
    {
        if (hash32.Length != HashLength) throw new ArgumentException($"The hash must be {HashLength} bytes.", nameof(hash32));
        var d = Scalar(privateKey);
        var hash = hash32.ToArray();
        var e = new BigInteger(1, hash); // a 256-bit hash against a 256-bit order: no truncation
        var nonces = new HMacDsaKCalculator(new Sha256Digest());
        nonces.Init(N, d, hash);
        while (true)
        {
            var k = nonces.NextK();
            var point = G.Multiply(k).Normalize();
            var x = point.AffineXCoord.ToBigInteger();
            var r = x.Mod(N);
            if (r.SignValue == 0) continue;
            var s = k.ModInverse(N).Multiply(e.Add(d.Multiply(r))).Mod(N);
            if (s.SignValue == 0) continue;
            var recoveryId = (point.AffineYCoord.TestBitZero() ? 1 : 0) | (x.CompareTo(N) >= 0 ? 2 : 0);
            if (s.CompareTo(HalfN) > 0)
            {
                // (r, n - s) is the signature with nonce -k, whose point is R's mirror: the y parity flips.
                s = N.Subtract(s);
                recoveryId ^= 1;
            }
            return ([.. Fixed32(r), .. Fixed32(s)], recoveryId);
        }
    }

    /// <summary>The compressed key whose signature this is, or null when no key fits (bad lengths, r or s out of
    /// range, an x that is not on the curve, a recovery id outside 0 to 3). High-S signatures recover too.</summary>
    public static byte[]? Recover(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> signature64, int recoveryId)
    {
        if (hash32.Length != HashLength || signature64.Length != SignatureLength || recoveryId is < 0 or > 3) return null;
        var r = new BigInteger(1, signature64[..32].ToArray());
        var s = new BigInteger(1, signature64[32..].ToArray());
        if (!InRange(r) || !InRange(s)) return null;

        // SEC1 §4.1.6: R's x is r (+ n for ids 2 and 3), its y parity is the id's low bit; then Q = r⁻¹(sR - eG).
        var x = (recoveryId & 2) != 0 ? r.Add(N) : r;
        if (x.CompareTo(Curve.Field.Characteristic) >= 0) return null;
        ECPoint bigR;
        try
        {
            bigR = Curve.DecodePoint([(byte)(0x02 | (recoveryId & 1)), .. Fixed32(x)]);
        }
        catch (ArgumentException)
        {
            return null; // x³ + 7 has no square root: no point with that x
        }
        var e = new BigInteger(1, hash32.ToArray());
        var rInverse = r.ModInverse(N);
        var q = ECAlgorithms.SumOfTwoMultiplies(G, e.Negate().Mod(N).Multiply(rInverse).Mod(N), bigR, s.Multiply(rInverse).Mod(N))
            .Normalize();
        return q.IsInfinity ? null : q.GetEncoded(true);
    }

    /// <summary>Plain ECDSA verification: low-S and high-S signatures both verify (see <see cref="IsLowS"/>).
    /// False for malformed input rather than an exception.</summary>
    public static bool Verify(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> signature64, ReadOnlySpan<byte> publicKey33)
    {
        if (hash32.Length != HashLength || signature64.Length != SignatureLength || publicKey33.Length != PublicKeyLength) return false;
        if (publicKey33[0] is not (0x02 or 0x03)) return false;
        ECPoint q;
        try
        {
            q = Curve.DecodePoint(publicKey33.ToArray());
        }
        catch (ArgumentException)
        {
            return false;
        }
        var r = new BigInteger(1, signature64[..32].ToArray());
        var s = new BigInteger(1, signature64[32..].ToArray());
        if (!InRange(r) || !InRange(s)) return false;
        var e = new BigInteger(1, hash32.ToArray());
        var w = s.ModInverse(N);
        var point = ECAlgorithms.SumOfTwoMultiplies(G, e.Multiply(w).Mod(N), q, r.Multiply(w).Mod(N)).Normalize();
        return !point.IsInfinity && point.AffineXCoord.ToBigInteger().Mod(N).Equals(r);
    }

    /// <summary>Whether s is at most n/2, the form BIP62 and BOLT11 (when the invoice names its payee) require.</summary>
    public static bool IsLowS(ReadOnlySpan<byte> signature64) =>
        signature64.Length == SignatureLength && new BigInteger(1, signature64[32..].ToArray()).CompareTo(HalfN) <= 0;

    /// <summary>The low-S twin of a signature, (r, n - s) when s is above n/2: it verifies for the same key and hash.
    /// Null for a malformed signature.</summary>
    public static byte[]? NormalizeS(ReadOnlySpan<byte> signature64)
    {
        if (signature64.Length != SignatureLength) return null;
        var s = new BigInteger(1, signature64[32..].ToArray());
        if (!InRange(s)) return null;
        return s.CompareTo(HalfN) <= 0 ? signature64.ToArray() : [.. signature64[..32], .. Fixed32(N.Subtract(s))];
    }

    private static BigInteger Scalar(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != PrivateKeyLength)
            throw new ArgumentException($"A private key is {PrivateKeyLength} bytes.", nameof(privateKey));
        var d = new BigInteger(1, privateKey.ToArray());
        if (!InRange(d)) throw new ArgumentException("A private key must be from 1 to n-1.", nameof(privateKey));
        return d;
    }

    private static bool InRange(BigInteger value) => value.SignValue > 0 && value.CompareTo(N) < 0;

    private static byte[] Fixed32(BigInteger value) => BigIntegers.AsUnsignedByteArray(32, value);
}

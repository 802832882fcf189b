using System.Security.Cryptography;
using System.Text;
using Payouts.Core.Lightning;
using V = Payouts.Core.Tests.Lightning.Bolt11SpecVectors;

namespace Payouts.Core.Tests.Lightning;

public sealed class Secp256k1Tests
{
    private static readonly byte[] SpecKey = Convert.FromHexString(V.PrivateKey);

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000001", "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000003", "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9")]
    [InlineData("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", "0379be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")] // n - 1: -G
    [InlineData(V.PrivateKey, V.PayeePubKey)]
    public void PublicKeyIsTheCompressedPoint(string privateKey, string publicKey) =>
        Assert.Equal(publicKey, Convert.ToHexStringLower(Secp256k1.PublicKey(Convert.FromHexString(privateKey))));

    [Theory]
    [InlineData("")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")] // n
    [InlineData("01")]
    public void InvalidPrivateKeyThrows(string privateKey) =>
        Assert.Throws<ArgumentException>(() => Secp256k1.PublicKey(Convert.FromHexString(privateKey)));

    /// <summary>The signature breakdowns of the BOLT 11 examples: hash, signature, recovery id.</summary>
    [Theory]
    [InlineData("6daf4d488be41ce7cbb487cab1ef2975e5efcea879b20d421f0ef86b07cbb987",
        "8d3ce9e28357337f62da0162d9454df827f83cfe499aeb1c1db349d4d81127425e434ca29929406c23bba1ae8ac6ca32880b38d4bf6ff874024cac34ba9625f1", 1)]
    [InlineData("047e24bf270b25d42a56d57b2578faa3a10684641bab817c2851a871cb41dbc0",
        "e59e3ffbd3945e4334879158d31e89b076dff54f3fa7979ae79df2db9dcaf5896cbfe1a478b8d2307e92c88139464cb7e6ef26e414c4abe33337961ddc5e8ab1", 1)]
    [InlineData("e2ffa444e2979edb639fbdaa384638683ba1a5240b14dd7a150e45a04eea261d",
        "f67a5f696648fa4fb102e1a07b230e54722f8e024cee71e80b4847ac191da3fb2d2cdb28cc32344d7e9a9cf5c9b6a0ee0582ae46e9938b9c81e344a4dbb5289d", 1)]
    [InlineData("b342d4655b984e53f405fe4d872fb9b7cf54ba538fcd170ed4a5906a9f535064",
        "6a6586db4e8f6d40e3a5bb92e4df5110c627e9ce493af237e20a046b4e86ea200178c59564ecf892f33a9558bf041b6ad2cb8292d7a6c351fbb7f2ae2d16b54e", 0)]
    public void SpecSignaturesAreReproducedRecoveredAndVerified(string hashHex, string signatureHex, int recoveryId)
    {
        var hash = Convert.FromHexString(hashHex);
        var (signature, id) = Secp256k1.SignRecoverable(hash, SpecKey);
        Assert.Equal(signatureHex, Convert.ToHexStringLower(signature));
        Assert.Equal(recoveryId, id);
        Assert.Equal(V.PayeePubKey, Convert.ToHexStringLower(Secp256k1.Recover(hash, signature, id)!));
        Assert.True(Secp256k1.Verify(hash, signature, Convert.FromHexString(V.PayeePubKey)));
    }

    [Fact]
    public void Rfc6979VectorForKeyOneIsReproduced()
    {
        // The widely used vector (bitcoinjs, trezor): d = 1, SHA256("Satoshi Nakamoto"), low-S.
        var key = Convert.FromHexString("0000000000000000000000000000000000000000000000000000000000000001");
        var (signature, _) = Secp256k1.SignRecoverable(SHA256.HashData(Encoding.UTF8.GetBytes("Satoshi Nakamoto")), key);
        Assert.Equal("934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d82442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5",
            Convert.ToHexStringLower(signature));
    }

    [Fact]
    public void RandomKeysSignRecoverAndVerify()
    {
        for (var i = 0; i < 30; i++)
        {
            var key = RandomNumberGenerator.GetBytes(32);
            var hash = RandomNumberGenerator.GetBytes(32);
            var publicKey = Secp256k1.PublicKey(key);
            var (signature, id) = Secp256k1.SignRecoverable(hash, key);
            Assert.True(Secp256k1.IsLowS(signature));
            Assert.Equal(publicKey, Secp256k1.Recover(hash, signature, id));
            Assert.NotEqual(publicKey, Secp256k1.Recover(hash, signature, id ^ 1));
            Assert.True(Secp256k1.Verify(hash, signature, publicKey));
            hash[0] ^= 1;
            Assert.False(Secp256k1.Verify(hash, signature, publicKey));
        }
    }

    [Fact]
    public void HighSTwinVerifiesButIsNotLowS()
    {
        var hash = RandomNumberGenerator.GetBytes(32);
        var (signature, _) = Secp256k1.SignRecoverable(hash, SpecKey);
        var n = System.Numerics.BigInteger.Parse("0fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", System.Globalization.NumberStyles.HexNumber);
        var s = new System.Numerics.BigInteger(signature.AsSpan(32), isUnsigned: true, isBigEndian: true);
        byte[] high = [.. signature[..32], .. (n - s).ToByteArray(isUnsigned: true, isBigEndian: true)];

        Assert.False(Secp256k1.IsLowS(high));
        Assert.True(Secp256k1.Verify(hash, high, Convert.FromHexString(V.PayeePubKey)));
        Assert.Equal(signature, Secp256k1.NormalizeS(high));
        Assert.Equal(signature, Secp256k1.NormalizeS(signature));
    }

    [Fact]
    public void MalformedInputRecoversNothingAndVerifiesNothing()
    {
        var hash = RandomNumberGenerator.GetBytes(32);
        var (signature, id) = Secp256k1.SignRecoverable(hash, SpecKey);
        var publicKey = Convert.FromHexString(V.PayeePubKey);

        Assert.Null(Secp256k1.Recover(hash, signature, 4));
        Assert.Null(Secp256k1.Recover(hash, signature, -1));
        Assert.Null(Secp256k1.Recover(hash[..31], signature, id));
        Assert.Null(Secp256k1.Recover(hash, signature[..63], id));
        Assert.Null(Secp256k1.Recover(hash, [.. new byte[32], .. signature[32..]], id)); // r = 0
        Assert.Null(Secp256k1.Recover(hash, [.. signature[..32], .. new byte[32]], id)); // s = 0
        // r = 5: x³ + 7 = 132 has no square root mod p, so no point has that x.
        Assert.Null(Secp256k1.Recover(hash, [.. new byte[31], 5, .. signature[32..]], 0));

        Assert.False(Secp256k1.Verify(hash, signature, publicKey[..32]));
        Assert.False(Secp256k1.Verify(hash, signature, [0x04, .. publicKey[1..]]));
        Assert.False(Secp256k1.Verify(hash, signature, [0x02, .. new byte[32]])); // x = 0 is not on the curve
        Assert.False(Secp256k1.Verify(hash, [.. new byte[32], .. signature[32..]], publicKey));
    }
}

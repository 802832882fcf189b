namespace Payouts.Simulators.Lightning;

/// <summary>A node that receives payments: its secp256k1 key signs the invoices it issues.</summary>
public sealed class SimPayee
{
    internal SimPayee(string name, byte[] privateKey, string pubKey)
    {
        Name = name;
        PrivateKey = privateKey;
        PubKey = pubKey;
    }

    public string Name { get; }

    /// <summary>The node id (compressed public key, hex) invoices carry as their payee.</summary>
    public string PubKey { get; }

    internal byte[] PrivateKey { get; }

    public override string ToString() => $"{Name} ({PubKey[..12]}…)";
}

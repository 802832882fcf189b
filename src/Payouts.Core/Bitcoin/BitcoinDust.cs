namespace Payouts.Core.Bitcoin;

/// <summary>
/// Bitcoin Core's <c>GetDustThreshold</c> at the default <c>-dustrelayfee</c>: an output is dust when spending it would
/// cost more than it is worth at 3,000 sat/kvB. Nodes do not relay a transaction with a dust output, so a payout
/// below the limit could never be sent.
/// </summary>
public static class BitcoinDust
{
    public const long RelayFeeSatPerKvB = 3_000;

    /// <summary>Outpoint (32 + 4), script length (1), sequence (4), and a 107-byte signature and key: in the scriptSig,
    /// or in the witness at a quarter of the weight.</summary>
    private const long SpendBytesLegacy = 32 + 4 + 1 + 107 + 4;
    private const long SpendBytesWitness = 32 + 4 + 1 + 107 / 4 + 4;

    public static long LimitSats(ReadOnlySpan<byte> scriptPubKey)
    {
        // The output itself: an 8-byte value, the script's compact-size length (1 byte below 253) and the script.
        var outputBytes = 8 + (scriptPubKey.Length < 253 ? 1 : 3) + scriptPubKey.Length;
        var spendBytes = IsWitnessProgram(scriptPubKey) ? SpendBytesWitness : SpendBytesLegacy;
        return (outputBytes + spendBytes) * RelayFeeSatPerKvB / 1000;
    }

    /// <summary>Core's <c>CScript::IsWitnessProgram</c>: a version opcode then one push of 2 to 40 bytes.</summary>
    private static bool IsWitnessProgram(ReadOnlySpan<byte> s) =>
        s.Length is >= 4 and <= 42 && (s[0] == 0 || s[0] is >= 0x51 and <= 0x60) && s[1] == s.Length - 2;
}

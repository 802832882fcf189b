using System.Text.Json;
using Payouts.Core.Processors;

namespace Payouts.Rails.Bitcoin;

/// <summary>
/// What a Bitcoin Core attempt commits before anything is broadcast: the payouts' outputs, the fee policy it was built
/// under (fee bumps reuse it), and every signed version of the batch — the first and each fee-bump replacement, each
/// spending every input of the first, so at most one of them can ever confirm.
/// </summary>
public sealed record BitcoinArtifact(string Kind, string Network, BitcoinFeePolicy Fees, IReadOnlyList<BitcoinArtifactOutput> Outputs,
    IReadOnlyList<BitcoinTxVersion> Versions)
{
    public const string KindName = "bitcoind";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static BitcoinArtifact Read(string? json)
    {
        var artifact = json is null ? null : JsonSerializer.Deserialize<BitcoinArtifact>(json, Json);
        if (artifact?.Kind != KindName)
            throw new Core.InvariantViolationException("the attempt's artifact was not made by the Bitcoin Core rail (was the store's rail changed?)");
        return artifact;
    }
}

public sealed record BitcoinArtifactOutput(string PayoutId, string Address, decimal Amount);

/// <param name="Inputs">Spent outpoints as <c>txid:vout</c>.</param>
/// <param name="FeeRate">sat/vB asked for.</param>
public sealed record BitcoinTxVersion(string Txid, string Hex, IReadOnlyList<string> Inputs, decimal Fee, decimal FeeRate, long CreatedAtMs);

/// <summary>The processor's on-chain fee settings when the batch was built.</summary>
public sealed record BitcoinFeePolicy(int BlockTarget, decimal? RateMin, decimal? RateMax, decimal Fallback, decimal BatchFeeMax)
{
    public static BitcoinFeePolicy From(ProcessorSettings s) => new(s.FeeBlockTarget ?? ProcessorSettings.FeeBlockTargetDefault,
        s.Policy.FeeRateSatPerVbyteMin, s.Policy.FeeRateSatPerVbyteMax, OnChainFees.Fallback(s.Policy), OnChainFees.BatchFeeCap(s.Policy));

    public ProcessorPolicy ToPolicy() => new()
    {
        FeeRateSatPerVbyteMin = RateMin, FeeRateSatPerVbyteMax = RateMax, FeeRateSatPerVbyteFallback = Fallback, BatchFeeMax = BatchFeeMax,
    };
}

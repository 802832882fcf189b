using Payouts.Contracts;

namespace Payouts.Core.Processors;

/// <summary>An automated payout processor's configuration for one (store, payout method). Greenfield names kept.</summary>
public sealed record ProcessorSettings
{
    public const int IntervalSecondsMin = 1;
    public const int IntervalSecondsMax = 86_400;
    /// <summary>BTCPay's default: once an hour.</summary>
    public const int IntervalSecondsDefault = 3_600;
    public const int FeeBlockTargetMin = 1;
    public const int FeeBlockTargetMax = 1_000;
    public const int FeeBlockTargetDefault = 1;
    public const int CancelAfterFailuresMax = 1_000;

    public required string StoreId { get; init; }
    public required PayoutMethodId MethodId { get; init; }
    public required ProcessorType Type { get; init; }
    public required int IntervalSeconds { get; init; }
    public required bool ProcessNewPayoutsInstantly { get; init; }

    /// <summary>Skip a run while the total of waiting payouts is below this (on-chain).</summary>
    public required decimal Threshold { get; init; }

    /// <summary>Blocks the fee rate targets (on-chain only).</summary>
    public int? FeeBlockTarget { get; init; }

    /// <summary>Greenfield's cancelPayoutAfterFailures: the failure that reaches it cancels the payout (applied when it is recorded).</summary>
    public int? CancelPayoutAfterFailures { get; init; }

    public ProcessorPolicy Policy { get; init; } = ProcessorPolicy.Default;

    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The processor kinds, each bound to the payout methods it can send.</summary>
public sealed record ProcessorType(string Name, string FriendlyName, IReadOnlyList<PayoutMethodId> Methods)
{
    public static readonly ProcessorType OnChain = new("OnChainAutomatedPayoutSenderFactory", "Automated Bitcoin Sender", [PayoutMethodId.BtcChain]);
    public static readonly ProcessorType Lightning = new("LightningAutomatedPayoutSenderFactory", "Automated Lightning Sender", [PayoutMethodId.BtcLightning]);

    public static IReadOnlyList<ProcessorType> All { get; } = [OnChain, Lightning];

    /// <summary>Greenfield's spec also spells the on-chain one "OnChainAutomatedTransferSenderFactory".</summary>
    public static ProcessorType? Find(string? name) => name switch
    {
        "OnChainAutomatedPayoutSenderFactory" or "OnChainAutomatedTransferSenderFactory" => OnChain,
        "LightningAutomatedPayoutSenderFactory" or "LightningAutomatedTransferSenderFactory" => Lightning,
        _ => null,
    };

    public static ProcessorType For(PayoutMethodId method) => All.First(t => t.Methods.Contains(method));
}

using Payouts.Contracts;
using Payouts.Core.Bitcoin;
using Payouts.Core.Payouts;

namespace Payouts.Core.Processors;

/// <summary>
/// What an automated processor may send (beyond Greenfield): amount limits, batch size, a daily cap per store,
/// destination rules, and fee strategy bounds for the real rails. Empty or null means no limit.
/// </summary>
public sealed record ProcessorPolicy
{
    public const int BatchSizeDefault = 100;
    public const int BatchSizeLimit = 1_000;
    public const int DeniedDestinationsMax = 10_000;

    public decimal? PayoutAmountMin { get; init; }
    public decimal? PayoutAmountMax { get; init; }
    public int BatchSizeMax { get; init; } = BatchSizeDefault;
    public decimal? DailyAmountMax { get; init; }
    public IReadOnlyList<string> DeniedDestinations { get; init; } = [];

    /// <summary>Values of <see cref="AddressTypes"/>; empty allows all.</summary>
    public IReadOnlyList<string> AllowedAddressTypes { get; init; } = [];

    public decimal? FeeRateSatPerVbyteMin { get; init; }
    public decimal? FeeRateSatPerVbyteMax { get; init; }

    /// <summary>Used when the node has no fee estimate (a fresh regtest or signet node); still clamped by min and max.</summary>
    public decimal? FeeRateSatPerVbyteFallback { get; init; }

    /// <summary>The absurd-fee cap: an on-chain batch whose fee would exceed this (BTC) is refused, not sent.</summary>
    public decimal? BatchFeeMax { get; init; }
    public decimal? LightningFeePercentMax { get; init; }
    public decimal? LightningFeeMax { get; init; }

    public static ProcessorPolicy Default { get; } = new();
}

/// <summary>The kinds of destination a policy can allow.</summary>
public static class AddressTypes
{
    public const string P2pkh = "p2pkh", P2sh = "p2sh", P2wpkh = "p2wpkh", P2wsh = "p2wsh", P2tr = "p2tr", Segwit = "segwit";
    public const string Bolt11 = "bolt11", Lnurl = "lnurl", LightningAddress = "lightning-address";

    public static IReadOnlyList<string> All { get; } = [P2pkh, P2sh, P2wpkh, P2wsh, P2tr, Segwit, Bolt11, Lnurl, LightningAddress];

    /// <summary>An on-chain destination that no longer parses (stored before addresses were checked in full). It is not in
    /// <see cref="All"/>, so no policy can allow it: a processor with an allow-list never sends to it.</summary>
    public const string Unknown = "unknown";

    /// <summary>The type of a normalized destination (see <see cref="Destinations.Normalize"/>).</summary>
    public static string Of(PayoutMethodId method, string destination)
    {
        if (method == PayoutMethodId.BtcLightning)
            // '@' first: a Lightning address may start with "lnurl" (lnurlfan@example.com); an LNURL never holds '@'.
            return destination.Contains('@', StringComparison.Ordinal) ? LightningAddress
                : destination.StartsWith("lnurl", StringComparison.Ordinal) ? Lnurl : Bolt11;
        var address = destination.StartsWith("bitcoin:", StringComparison.OrdinalIgnoreCase) ? destination[8..].Split('?')[0] : destination;
        if (!BitcoinAddress.TryParse(address, network: null, out var parsed, out _))
            return Unknown;
        return parsed.Type switch
        {
            BitcoinScriptType.P2pkh => P2pkh,
            BitcoinScriptType.P2sh => P2sh,
            BitcoinScriptType.P2wpkh => P2wpkh,
            BitcoinScriptType.P2wsh => P2wsh,
            BitcoinScriptType.P2tr => P2tr,
            BitcoinScriptType.WitnessUnknown => Segwit,
        };
    }
}

/// <summary>Chooses which waiting payouts a processor run sends, oldest first. Pure.</summary>
public static class BatchPlanner
{
    /// <summary>Failures after which a processor stops trying a payout (visible as its error count and events).</summary>
    public const int ErrorCountMax = 10;

    public sealed record Plan(IReadOnlyList<Payout> Selected, string? Reason);

    public static Plan Choose(ClaimInput input)
    {
        var (waiting, settings, policy, sentToday, exclude) = input;
        var denied = policy.DeniedDestinations.Count == 0 ? null : new HashSet<string>(policy.DeniedDestinations, StringComparer.OrdinalIgnoreCase);
        var eligible = waiting.Where(p =>
                p.State == PayoutState.AwaitingPayment
                && p.PayoutAmount is not null
                && p.ErrorCount < ErrorCountMax
                && !exclude.Contains(p.Id)
                && (policy.PayoutAmountMin is not { } min || p.PayoutAmount >= min)
                && (policy.PayoutAmountMax is not { } max || p.PayoutAmount <= max)
                && (denied is null || !denied.Contains(p.Destination))
                && (policy.AllowedAddressTypes.Count == 0 || policy.AllowedAddressTypes.Contains(AddressTypes.Of(p.MethodId, p.Destination))))
            .OrderBy(p => p.CreatedAt).ThenBy(p => p.Id, StringComparer.Ordinal)
            .ToList();
        if (eligible.Count == 0)
            return new Plan([], "nothing eligible is waiting");
        var total = eligible.Sum(p => p.PayoutAmount!.Value);
        if (total < settings.Threshold)
            return new Plan([], $"waiting total {total} is below the threshold {settings.Threshold}");

        var selected = new List<Payout>();
        var running = sentToday;
        foreach (var p in eligible)
        {
            if (selected.Count >= Math.Min(policy.BatchSizeMax, ProcessorPolicy.BatchSizeLimit)) break;
            if (policy.DailyAmountMax is { } cap && running + p.PayoutAmount!.Value > cap) continue;
            selected.Add(p);
            running += p.PayoutAmount!.Value;
        }
        return new Plan(selected, selected.Count == 0 ? $"the daily cap {policy.DailyAmountMax} is reached" : null);
    }
}

public sealed record ClaimInput(
    IReadOnlyList<Payout> Waiting, ProcessorSettings Settings, ProcessorPolicy Policy, decimal SentTodayTotal, IReadOnlySet<string> Exclude);

using Payouts.Contracts;
using Payouts.Core.Sending;
using Payouts.Rails.Bitcoin;
using Payouts.Rails.Sandbox;

namespace Payouts.Rails;

/// <summary>
/// Each store's configured rail per payout method (<see cref="IRailConfigStore"/>), or the sandbox when it has none
/// (<c>type=sandbox</c>). Rails are cheap views over one shared <see cref="HttpClient"/>, built per call so that a
/// configuration change applies to the next run.
/// </summary>
public sealed class RailRegistry(IRailConfigStore configs, ISandboxStore sandboxStore, SandboxOptions sandboxOptions, HttpClient http, TimeProvider time)
    : IRailRegistry
{
    private readonly SandboxRail _sandboxChain = new(PayoutMethodId.BtcChain, sandboxStore, sandboxOptions, time);
    private readonly SandboxRail _sandboxLightning = new(PayoutMethodId.BtcLightning, sandboxStore, sandboxOptions, time);

    public async Task<IPayoutRail> For(string storeId, PayoutMethodId method, CancellationToken ct) =>
        await configs.RailConfigGet(storeId, method, ct) is { } config ? Build(config) : Sandbox(method);

    public IPayoutRail Build(RailConfig config)
    {
        if (!RailConnectionString.TryParse(config.ConnectionString, out var cs, out var error))
            throw new Core.InvariantViolationException($"stored connection string of store {config.StoreId} does not parse: {error}");
        return cs.Type switch
        {
            "sandbox" => Sandbox(config.MethodId),
            BitcoinRailSettings.Type when config.MethodId == PayoutMethodId.BtcChain => Bitcoin(BitcoinRailSettings.FromConfig(config)),
            _ => throw new Core.InvariantViolationException($"store {config.StoreId} has rail type '{cs.Type}' for {config.MethodId}, which no rail implements"),
        };
    }

    public BitcoinCoreRail Bitcoin(BitcoinRailSettings settings) => new(new BitcoindRpcClient(http, settings), settings, time);

    private SandboxRail Sandbox(PayoutMethodId method) =>
        method == PayoutMethodId.BtcChain ? _sandboxChain
        : method == PayoutMethodId.BtcLightning ? _sandboxLightning
        : throw new Core.InvariantViolationException($"no rail for {method}");
}

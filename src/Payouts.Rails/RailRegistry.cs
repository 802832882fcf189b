using Payouts.Contracts;
using Payouts.Core.Sending;
using Payouts.Rails.Bitcoin;
using Payouts.Rails.Lightning;
using Payouts.Rails.Sandbox;

namespace Payouts.Rails;

/// <summary>
/// Each store's configured rail per payout method (<see cref="IRailConfigStore"/>), or the sandbox when it has none
/// (<c>type=sandbox</c>). Rails are cheap views over one shared <see cref="HttpClient"/>, built per call so that a
/// configuration change applies to the next run.
/// </summary>
public sealed class RailRegistry(IRailConfigStore configs, ISandboxStore sandboxStore, SandboxOptions sandboxOptions, HttpClient http, TimeProvider time,
    LnurlOptions? lnurlOptions = null) : IRailRegistry, IDisposable
{
    private readonly LightningHttp _lightningHttp = new();
    // Redirects are not followed: a payee's LNURL service must not bounce our requests to hosts the options forbid.
    private readonly HttpClient _lnurlHttp = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
    private readonly LnurlOptions _lnurlOptions = lnurlOptions ?? new LnurlOptions();

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
            _ when LightningRailSettings.IsLightningType(cs.Type) && config.MethodId == PayoutMethodId.BtcLightning =>
                Lightning(LightningRailSettings.FromConfig(config)),
            _ => throw new Core.InvariantViolationException($"store {config.StoreId} has rail type '{cs.Type}' for {config.MethodId}, which no rail implements"),
        };
    }

    public BitcoinCoreRail Bitcoin(BitcoinRailSettings settings) => new(new BitcoindRpcClient(http, settings), settings, time);

    public LightningRail Lightning(LightningRailSettings settings) =>
        new(LightningNode(settings), settings, new LnurlPayResolver(_lnurlHttp, _lnurlOptions), time);

    public ILightningNode LightningNode(LightningRailSettings settings) => settings.Kind switch
    {
        LightningNodeKind.LndRest => new LndRestClient(_lightningHttp.For(settings), settings),
        LightningNodeKind.ClnSocket => new ClnNode(new ClnSocketTransport(settings.SocketPath!), "CLN"),
        LightningNodeKind.ClnRest => new ClnNode(new ClnRest(_lightningHttp.For(settings), settings.Server!, settings.Rune!), "CLN REST"),
    };

    public void Dispose()
    {
        _lightningHttp.Dispose();
        _lnurlHttp.Dispose();
    }

    private SandboxRail Sandbox(PayoutMethodId method) =>
        method == PayoutMethodId.BtcChain ? _sandboxChain
        : method == PayoutMethodId.BtcLightning ? _sandboxLightning
        : throw new Core.InvariantViolationException($"no rail for {method}");
}

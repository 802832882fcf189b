using Payouts.Contracts;
using Payouts.Contracts.Wire;
using Payouts.Core.Auth;
using Payouts.Core.Bitcoin;
using Payouts.Core.Payouts;
using Payouts.Core.Ports;
using Payouts.Core.Sending;
using Payouts.Rails;
using Payouts.Rails.Bitcoin;
using Payouts.Rails.Lightning;
using Payouts.Server.Api;

namespace Payouts.Server.Endpoints;

/// <summary>
/// Which node and wallet a store's payouts leave from, per payout method (DESIGN §6): <c>type=bitcoind</c> for a
/// Bitcoin Core wallet, or <c>type=sandbox</c>, the default. Secrets are write-only: responses mask them.
/// </summary>
public static class RailsApi
{
    public static void MapRailsApi(this IEndpointRouteBuilder app)
    {
        var rails = app.MapGroup("/api/v1/stores/{storeId}/rails").WithTags("Rails");
        rails.MapGet("/", List).WithName("ListStoreRails").WithSummary("The store's rail for each payout method (the sandbox where none is configured)")
            .Produces<List<RailData>>().ProducesErrors();
        rails.MapGet("/{payoutMethodId}", Get).WithName("GetStoreRail").WithSummary("The store's rail for a payout method")
            .Produces<RailData>().ProducesErrors();
        rails.MapPut("/{payoutMethodId}", Put).WithName("UpdateStoreRail")
            .WithSummary("Configure the rail for a payout method (refused while an attempt of the current rail is unfinished)")
            .Accepts<RailRequest>("application/json").Produces<RailData>().ProducesErrors();
        rails.MapDelete("/{payoutMethodId}", Delete).WithName("DeleteStoreRail")
            .WithSummary("Go back to the sandbox for a payout method").ProducesErrors();
        rails.MapPost("/{payoutMethodId}/test", Test).WithName("TestStoreRail")
            // No Accepts<>: the body is optional, and a declared content type would make a bodiless request miss the route.
            .WithSummary("Check the connection: the configured one, or the one in the body (a RailRequest) before saving it")
            .Produces<RailTestData>().ProducesErrors();
    }

    public static async Task<IResult> List(HttpContext http, string storeId, IPayoutsStore store, IRailConfigStore rails, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.StoreViewSettings, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        var configured = (await rails.RailConfigList(storeId, ct)).ToDictionary(r => r.MethodId.Value, StringComparer.Ordinal);
        return TypedResults.Ok(PayoutMethodId.All.Select(m => configured.TryGetValue(m.Value, out var c) ? ToWire(c) : Default(m)).ToList());
    }

    public static async Task<IResult> Get(HttpContext http, string storeId, string payoutMethodId, IPayoutsStore store, IRailConfigStore rails,
        CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.StoreViewSettings, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        if (Method(payoutMethodId) is not { } method) return UnknownMethod();
        return TypedResults.Ok(await rails.RailConfigGet(storeId, method, ct) is { } config ? ToWire(config) : Default(method));
    }

    public static async Task<IResult> Put(HttpContext http, string storeId, string payoutMethodId, IPayoutsStore store, IRailConfigStore rails,
        TimeProvider time, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.StoreModifySettings, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        if (Method(payoutMethodId) is not { } method) return UnknownMethod();
        var body = await JsonBody.ReadAsync<RailRequest>(http, ct);
        if (body.Error is not null) return body.Error;
        var (config, invalid) = Validate(storeId, method, body.Value!, time.GetUtcNow());
        if (invalid is not null) return invalid;
        return await rails.RailConfigUpsert(config!, ct) switch
        {
            RailConfigWrite.Written => TypedResults.Ok(ToWire(await rails.RailConfigGet(storeId, method, ct) ?? config!)),
            RailConfigWrite.Busy => ApiResults.Error(ErrorCode.RailBusy),
            var other => throw new Core.InvariantViolationException($"unexpected rail write {other}"),
        };
    }

    public static async Task<IResult> Delete(HttpContext http, string storeId, string payoutMethodId, IPayoutsStore store, IRailConfigStore rails,
        CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.StoreModifySettings, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        if (Method(payoutMethodId) is not { } method) return UnknownMethod();
        return await rails.RailConfigDelete(storeId, method, ct) switch
        {
            RailConfigWrite.Deleted => TypedResults.Ok(),
            RailConfigWrite.NotFound => ApiResults.Error(ErrorCode.RailNotFound),
            RailConfigWrite.Busy => ApiResults.Error(ErrorCode.RailBusy),
            var other => throw new Core.InvariantViolationException($"unexpected rail write {other}"),
        };
    }

    public static async Task<IResult> Test(HttpContext http, string storeId, string payoutMethodId, IPayoutsStore store, IRailConfigStore rails,
        RailRegistry registry, TimeProvider time, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.StoreModifySettings, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        if (Method(payoutMethodId) is not { } method) return UnknownMethod();
        var body = await JsonBody.ReadAsync<RailRequest>(http, ct, optional: true);
        if (body.Error is not null) return body.Error;
        RailConfig? config;
        if (body.Value is { } request)
        {
            (config, var invalid) = Validate(storeId, method, request, time.GetUtcNow());
            if (invalid is not null) return invalid;
        }
        else
        {
            config = await rails.RailConfigGet(storeId, method, ct);
        }
        if (config is null || Type(config) == "sandbox")
            return TypedResults.Ok(new RailTestData(true, "sandbox", null, null, null, null, null, null, []));
        if (method == PayoutMethodId.BtcLightning)
            return TypedResults.Ok(await LightningRailTest.Run(registry, LightningRailSettings.FromConfig(config), ct));
        var rail = registry.Bitcoin(BitcoinRailSettings.FromConfig(config));
        try
        {
            var r = await rail.Test(ct);
            return TypedResults.Ok(new RailTestData(r.Problems.Count == 0, BitcoinRailSettings.Type, r.Chain, r.Blocks, r.NodeVersion, r.Wallet,
                r.BalanceTrusted, r.BalancePending, r.Problems));
        }
        catch (Exception ex) when (ex is BitcoindRpcException or BitcoindUnavailableException or HttpRequestException or TimeoutException)
        {
            var problem = ex switch
            {
                BitcoindRpcException { Code: BitcoindRpcException.WalletNotFound } => "the wallet is not loaded on the node (loadwallet it, or check 'wallet')",
                BitcoindRpcException rpc => $"bitcoind answered {rpc.Method} with {rpc.Code}: {rpc.RpcMessage}",
                _ => ex.Message,
            };
            return TypedResults.Ok(new RailTestData(false, BitcoinRailSettings.Type, null, null, null, null, null, null, [problem]));
        }
    }

    /// <summary>
    /// What a new payout's destination is checked against: the networks of the store's nodes (null, any, for the sandbox;
    /// each read only when the request has a payout of that method) and the time a BOLT11 invoice must have left (the
    /// pull payment's BOLT11 expiration).
    /// </summary>
    public static async Task<DestinationRules> DestinationRules(IRailConfigStore rails, string storeId, IReadOnlyCollection<string?> payoutMethodIds,
        Core.PullPayments.PullPayment? pullPayment, DateTimeOffset now, CancellationToken ct) =>
        new(await Network(rails, storeId, PayoutMethodId.BtcChain, payoutMethodIds, ct),
            await Network(rails, storeId, PayoutMethodId.BtcLightning, payoutMethodIds, ct), now,
            pullPayment is null ? TimeSpan.Zero : TimeSpan.FromDays(pullPayment.Bolt11ExpirationDays));

    private static async Task<BitcoinNetwork?> Network(IRailConfigStore rails, string storeId, PayoutMethodId wanted, IEnumerable<string?> payoutMethodIds,
        CancellationToken ct) =>
        payoutMethodIds.Any(m => PayoutMethodId.TryParse(m, out var method) && method == wanted)
        && await rails.RailConfigGet(storeId, wanted, ct) is { Network: { } n } && BitcoinNetworks.TryParse(n, out var network)
            ? network
            : null;

    private static (RailConfig? Config, IResult? Invalid) Validate(string storeId, PayoutMethodId method, RailRequest r, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        if (!RailConnectionString.TryParse(r.ConnectionString, out var cs, out var parseError))
        {
            errors.Add("connectionString", $"The connection string is invalid: {parseError}.");
            return (null, errors.ToResult());
        }
        switch (cs.Type)
        {
            case "sandbox":
                if (r.Network is not null && !BitcoinNetworks.TryParse(r.Network, out _))
                    errors.Add("network", "The network must be mainnet, testnet, signet or regtest.");
                if (errors.Any) return (null, errors.ToResult());
                return (new RailConfig(storeId, method, "type=sandbox", r.Network is null ? null : Canonical(r.Network), "{}", now, now), null);
            case BitcoinRailSettings.Type when method == PayoutMethodId.BtcChain:
                var tracking = new BitcoinTracking
                {
                    MinConfirmations = r.MinConfirmations ?? 1,
                    FinalConfirmations = r.FinalConfirmations ?? Math.Max(BitcoinTracking.FinalConfirmationsDefault, r.MinConfirmations ?? 1),
                    FeeBumpAfterMinutes = r.FeeBumpAfterMinutes ?? BitcoinTracking.FeeBumpAfterMinutesDefault,
                };
                if (!BitcoinRailSettings.TryCreate(cs, r.Network, tracking, out _, out var problems))
                {
                    foreach (var (path, message) in problems) errors.Add(path, message);
                    return (null, errors.ToResult());
                }
                return (new RailConfig(storeId, method, r.ConnectionString!.Trim(), Canonical(r.Network!), tracking.ToJson(), now, now), null);
            case BitcoinRailSettings.Type:
                errors.Add("connectionString", $"type=bitcoind sends on-chain payouts only ({PayoutMethodId.BtcChain}).");
                return (null, errors.ToResult());
            case var t when LightningRailSettings.IsLightningType(t) && method == PayoutMethodId.BtcLightning:
                var sending = new LightningSending
                {
                    PaymentTimeoutSeconds = r.PaymentTimeoutSeconds ?? LightningSending.PaymentTimeoutSecondsDefault,
                    ParallelPayments = r.ParallelPayments ?? LightningSending.ParallelPaymentsDefault,
                };
                if (!LightningRailSettings.TryCreate(cs, r.Network, sending, out _, out var lightningProblems))
                {
                    foreach (var (path, message) in lightningProblems) errors.Add(path, message);
                    return (null, errors.ToResult());
                }
                return (new RailConfig(storeId, method, r.ConnectionString!.Trim(), Canonical(r.Network!), sending.ToJson(), now, now), null);
            case var t when LightningRailSettings.IsLightningType(t):
                errors.Add("connectionString", $"type={t} sends Lightning payouts only ({PayoutMethodId.BtcLightning}).");
                return (null, errors.ToResult());
            default:
                errors.Add("connectionString", $"Unknown rail type '{cs.Type}'; supported for {method}: " +
                    (method == PayoutMethodId.BtcChain ? "bitcoind, sandbox." : "lnd-rest, clightning, clnrest, sandbox."));
                return (null, errors.ToResult());
        }
    }

    private static string Canonical(string network) => BitcoinNetworks.TryParse(network, out var n) ? BitcoinNetworks.Name(n) : network;

    private static string Type(RailConfig c) => RailConnectionString.TryParse(c.ConnectionString, out var cs, out _) ? cs.Type : "unknown";

    private static RailData ToWire(RailConfig c)
    {
        RailConnectionString.TryParse(c.ConnectionString, out var cs, out _);
        var type = cs?.Type ?? "unknown";
        var tracking = type == BitcoinRailSettings.Type ? BitcoinTracking.FromJson(c.SettingsJson) : null;
        var sending = LightningRailSettings.IsLightningType(type) ? LightningSending.FromJson(c.SettingsJson) : null;
        return new RailData(c.MethodId.Value, type, cs?.ToSafeString() ?? "***", c.Network, tracking?.MinConfirmations,
            tracking?.FinalConfirmations, tracking?.FeeBumpAfterMinutes, IsDefault: false, c.UpdatedAt,
            sending?.PaymentTimeoutSeconds, sending?.ParallelPayments);
    }

    private static RailData Default(PayoutMethodId m) => new(m.Value, "sandbox", "type=sandbox", null, null, null, null, IsDefault: true, null);

    private static PayoutMethodId? Method(string text) => PayoutMethodId.TryParse(text, out var m) ? m : null;

    private static IResult UnknownMethod() =>
        ApiResults.Error(ErrorCode.PaymentMethodNotSupported, $"Unknown payout method; supported: {string.Join(", ", PayoutMethodId.All)}.");
}

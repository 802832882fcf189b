using Payouts.Contracts;
using Payouts.Contracts.Wire;
using Payouts.Core.Auth;
using Payouts.Core.Money;
using Payouts.Core.Ports;
using Payouts.Core.Processors;
using Payouts.Server.Api;

namespace Payouts.Server.Endpoints;

/// <summary>
/// Greenfield payout processor settings per (store, payout method). Stored here; running them is the processors'
/// work. Routes keep BTCPay's processor names (<c>OnChainAutomatedPayoutSenderFactory</c>, <c>LightningAutomatedPayoutSenderFactory</c>).
/// </summary>
public static class ProcessorsApi
{
    public static void MapProcessorsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/payout-processors", Types).WithTags("Payout processors").WithName("ListPayoutProcessorTypes")
            .WithSummary("The processor types this server has").Produces<List<PayoutProcessorData>>().ProducesErrors();
        var store = app.MapGroup("/api/v1/stores/{storeId}/payout-processors").WithTags("Payout processors");
        store.MapGet("/", ListConfigured).WithName("ListStorePayoutProcessors").WithSummary("The processors configured for a store")
            .Produces<List<PayoutProcessorData>>().ProducesErrors();
        store.MapGet("/{processor}", GetSettings).WithName("GetPayoutProcessorSettings")
            .WithSummary("A processor's settings for every payout method it is configured for").ProducesErrors();
        store.MapGet("/{processor}/{payoutMethodId}", GetSettings).WithName("GetPayoutProcessorSettingsForMethod")
            .WithSummary("A processor's settings for one payout method (an array of at most one)").ProducesErrors();
        store.MapPut("/{processor}", Put).WithName("UpdatePayoutProcessorSettings")
            .WithSummary("Configure a processor for its default payout method").ProducesErrors();
        store.MapPut("/{processor}/{payoutMethodId}", Put).WithName("UpdatePayoutProcessorSettingsForMethod")
            .WithSummary("Configure a processor for a payout method").ProducesErrors();
        store.MapDelete("/{processor}/{payoutMethodId}", Delete).WithName("DeletePayoutProcessor")
            .WithSummary("Remove a processor from a payout method").ProducesErrors();
    }

    public static async Task<IResult> Types(HttpContext http, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Authenticate(http, ct);
        return denied ?? TypedResults.Ok(ProcessorType.All.Select(t => ToWire(t, t.Methods)).ToList());
    }

    public static async Task<IResult> ListConfigured(HttpContext http, string storeId, IPayoutsStore store, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.StoreViewSettings, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        var configured = await store.ProcessorList(storeId, ct);
        return TypedResults.Ok(configured.GroupBy(s => s.Type).Select(g => ToWire(g.Key, g.Select(s => s.MethodId).ToList())).ToList());
    }

    public static async Task<IResult> GetSettings(HttpContext http, string storeId, string processor, string? payoutMethodId,
        IPayoutsStore store, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.StoreViewSettings, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        var (type, method, error) = Route(processor, payoutMethodId, methodRequired: false);
        if (error is not null) return error;
        var settings = (await store.ProcessorList(storeId, ct)).Where(s => s.Type == type && (method is null || s.MethodId == method));
        return TypedResults.Ok(settings.Select(ToWire).ToList());
    }

    public static async Task<IResult> Put(HttpContext http, string storeId, string processor, string? payoutMethodId,
        IPayoutsStore store, TimeProvider time, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.StoreModifySettings, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        var (type, method, error) = Route(processor, payoutMethodId, methodRequired: false);
        if (error is not null) return error;
        method ??= type!.Methods[0];

        var errors = new ValidationErrors();
        ProcessorSettings? settings;
        var now = time.GetUtcNow();
        var existing = await store.ProcessorGet(storeId, method, ct);
        if (type == ProcessorType.OnChain)
        {
            var body = await JsonBody.ReadAsync<UpdateOnChainProcessorRequest>(http, ct);
            if (body.Error is not null) return body.Error;
            var r = body.Value!;
            var interval = Interval(r.IntervalSeconds, errors);
            var target = r.FeeTargetBlock ?? ProcessorSettings.FeeBlockTargetDefault;
            if (target is < ProcessorSettings.FeeBlockTargetMin or > ProcessorSettings.FeeBlockTargetMax)
                errors.Add("feeTargetBlock", $"The fee target must be between {ProcessorSettings.FeeBlockTargetMin} and {ProcessorSettings.FeeBlockTargetMax} blocks.");
            var threshold = r.Threshold ?? 0m;
            if (threshold < 0 || Amounts.SignificantScale(threshold) > Amounts.ScaleMax || threshold > Amounts.ValueMax)
                errors.Add("threshold", "The threshold must be an amount of 0 or more.");
            var policy = Policy(r, errors) with
            {
                FeeRateSatPerVbyteMin = r.FeeRateSatPerVbyteMin, FeeRateSatPerVbyteMax = r.FeeRateSatPerVbyteMax,
                FeeRateSatPerVbyteFallback = r.FeeRateSatPerVbyteFallback, BatchFeeMax = r.BatchFeeMax,
            };
            if (r.FeeRateSatPerVbyteMin is < 1 or > 10_000) errors.Add("feeRateSatPerVbyteMin", "Give a fee rate between 1 and 10000 sat/vB.");
            if (r.FeeRateSatPerVbyteMax is < 1 or > 10_000 || r.FeeRateSatPerVbyteMax < r.FeeRateSatPerVbyteMin)
                errors.Add("feeRateSatPerVbyteMax", "Give a fee rate between the minimum and 10000 sat/vB.");
            if (r.FeeRateSatPerVbyteFallback is < 1 or > 10_000) errors.Add("feeRateSatPerVbyteFallback", "Give a fee rate between 1 and 10000 sat/vB.");
            if (r.BatchFeeMax is <= 0 or > 1 || (r.BatchFeeMax is { } cap && Amounts.SignificantScale(cap) > 8))
                errors.Add("batchFeeMax", "Give a fee cap above 0 and at most 1 BTC, with at most 8 decimals.");
            settings = Settings(storeId, method, type, interval, r.ProcessNewPayoutsInstantly ?? false, threshold, target, null, existing, now) with { Policy = policy };
        }
        else
        {
            var body = await JsonBody.ReadAsync<UpdateLightningProcessorRequest>(http, ct);
            if (body.Error is not null) return body.Error;
            var r = body.Value!;
            var interval = Interval(r.IntervalSeconds, errors);
            if (r.CancelPayoutAfterFailures is < 1 or > ProcessorSettings.CancelAfterFailuresMax)
                errors.Add("cancelPayoutAfterFailures", $"Give between 1 and {ProcessorSettings.CancelAfterFailuresMax} failures, or null.");
            if (r.MaxFeePercent is < 0 or > 100) errors.Add("maxFeePercent", "Give a percentage between 0 and 100.");
            if (r.MaxFee is < 0 || (r.MaxFee is { } maxFee && Amounts.SignificantScale(maxFee) > Amounts.ScaleMax)) errors.Add("maxFee", "Give an amount of 0 or more.");
            var policy = Policy(r, errors) with { LightningFeePercentMax = r.MaxFeePercent, LightningFeeMax = r.MaxFee };
            settings = Settings(storeId, method, type!, interval, r.ProcessNewPayoutsInstantly ?? false, 0m, null, r.CancelPayoutAfterFailures, existing, now) with { Policy = policy };
        }
        if (errors.Any) return errors.ToResult();
        await store.ProcessorUpsert(settings, ct);
        return TypedResults.Ok(ToWire(settings));
    }

    public static async Task<IResult> Delete(HttpContext http, string storeId, string processor, string payoutMethodId,
        IPayoutsStore store, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.StoreModifySettings, storeId, ct);
        if (denied is not null) return denied;
        if (await StoresApi.RequireStore(store, storeId, ct) is { } missing) return missing;
        var (type, method, error) = Route(processor, payoutMethodId, methodRequired: true);
        if (error is not null) return error;
        var existing = await store.ProcessorGet(storeId, method!, ct);
        if (existing is null || existing.Type != type) return ApiResults.Error(ErrorCode.ProcessorNotFound);
        await store.ProcessorDelete(storeId, method!, ct);
        return TypedResults.Ok();
    }

    private static (ProcessorType? Type, PayoutMethodId? Method, IResult? Error) Route(string processor, string? payoutMethodId, bool methodRequired)
    {
        var type = ProcessorType.Find(processor);
        if (type is null)
            return (null, null, ApiResults.Error(ErrorCode.ProcessorNotFound,
                $"Unknown payout processor; known: {string.Join(", ", ProcessorType.All.Select(t => t.Name))}."));
        if (payoutMethodId is null)
            return methodRequired ? (null, null, ApiResults.Error(ErrorCode.PaymentMethodNotSupported)) : (type, null, null);
        if (!PayoutMethodId.TryParse(payoutMethodId, out var method) || !type.Methods.Contains(method))
            return (null, null, ApiResults.Error(ErrorCode.PaymentMethodNotSupported,
                $"{type.Name} sends {string.Join(", ", type.Methods)}, not {payoutMethodId}."));
        return (type, method, null);
    }

    private static ProcessorPolicy Policy(ProcessorPolicyRequest r, ValidationErrors errors)
    {
        static bool BadAmount(decimal? a) => a is { } v && (v <= 0 || v > Amounts.ValueMax || Amounts.SignificantScale(v) > Amounts.ScaleMax);
        if (BadAmount(r.PayoutAmountMin)) errors.Add("payoutAmountMin", "Give an amount greater than 0.");
        if (BadAmount(r.PayoutAmountMax) || r.PayoutAmountMax < r.PayoutAmountMin) errors.Add("payoutAmountMax", "Give an amount of at least payoutAmountMin.");
        if (BadAmount(r.DailyAmountMax)) errors.Add("dailyAmountMax", "Give an amount greater than 0.");
        if (r.BatchSizeMax is < 1 or > ProcessorPolicy.BatchSizeLimit) errors.Add("batchSizeMax", $"Give between 1 and {ProcessorPolicy.BatchSizeLimit} payouts.");
        var denied = r.DeniedDestinations ?? [];
        if (denied.Count > ProcessorPolicy.DeniedDestinationsMax) errors.Add("deniedDestinations", $"At most {ProcessorPolicy.DeniedDestinationsMax} destinations.");
        for (var i = 0; i < denied.Count && i < ProcessorPolicy.DeniedDestinationsMax; i++)
            if (string.IsNullOrWhiteSpace(denied[i]) || denied[i].Length > Core.Payouts.Destinations.LengthMax)
                errors.Add($"deniedDestinations[{i}]", "Give a destination.");
        var types = r.AllowedAddressTypes ?? [];
        for (var i = 0; i < types.Count; i++)
            if (!AddressTypes.All.Contains(types[i]))
                errors.Add($"allowedAddressTypes[{i}]", $"Unknown address type; known: {string.Join(", ", AddressTypes.All)}.");
        return new ProcessorPolicy
        {
            PayoutAmountMin = r.PayoutAmountMin,
            PayoutAmountMax = r.PayoutAmountMax,
            BatchSizeMax = r.BatchSizeMax ?? ProcessorPolicy.BatchSizeDefault,
            DailyAmountMax = r.DailyAmountMax,
            DeniedDestinations = denied.Where(d => !string.IsNullOrWhiteSpace(d)).Select(d => d.Trim()).Distinct().ToList(),
            AllowedAddressTypes = types.Distinct().ToList(),
        };
    }

    private static int Interval(double? seconds, ValidationErrors errors)
    {
        var value = seconds ?? ProcessorSettings.IntervalSecondsDefault;
        if (double.IsNaN(value) || value < ProcessorSettings.IntervalSecondsMin || value > ProcessorSettings.IntervalSecondsMax || value != Math.Floor(value))
        {
            errors.Add("intervalSeconds", $"The interval must be a whole number of seconds between {ProcessorSettings.IntervalSecondsMin} and {ProcessorSettings.IntervalSecondsMax}.");
            return ProcessorSettings.IntervalSecondsDefault;
        }
        return (int)value;
    }

    private static ProcessorSettings Settings(string storeId, PayoutMethodId method, ProcessorType type, int interval, bool instantly,
        decimal threshold, int? feeTarget, int? cancelAfter, ProcessorSettings? existing, DateTimeOffset now) => new()
    {
        StoreId = storeId,
        MethodId = method,
        Type = type,
        IntervalSeconds = interval,
        ProcessNewPayoutsInstantly = instantly,
        Threshold = threshold,
        FeeBlockTarget = feeTarget,
        CancelPayoutAfterFailures = cancelAfter,
        CreatedAt = existing?.CreatedAt ?? now,
        UpdatedAt = now,
    };

    private static PayoutProcessorData ToWire(ProcessorType t, IReadOnlyList<PayoutMethodId> methods) =>
        new(t.Name, t.FriendlyName, methods.Select(m => m.Value).ToList());

    private static object ToWire(ProcessorSettings s)
    {
        var p = s.Policy;
        var policy = new ProcessorPolicyData(p.PayoutAmountMin, p.PayoutAmountMax, p.BatchSizeMax, p.DailyAmountMax, p.DeniedDestinations, p.AllowedAddressTypes);
        return s.Type == ProcessorType.OnChain
            ? new OnChainProcessorData(s.MethodId.Value, s.FeeBlockTarget ?? ProcessorSettings.FeeBlockTargetDefault, s.IntervalSeconds, s.Threshold,
                s.ProcessNewPayoutsInstantly, p.FeeRateSatPerVbyteMin, p.FeeRateSatPerVbyteMax,
                OnChainFees.Fallback(p), OnChainFees.BatchFeeCap(p), policy)
            : new LightningProcessorData(s.MethodId.Value, s.IntervalSeconds, s.CancelPayoutAfterFailures, s.ProcessNewPayoutsInstantly,
                p.LightningFeePercentMax, p.LightningFeeMax, policy);
    }
}

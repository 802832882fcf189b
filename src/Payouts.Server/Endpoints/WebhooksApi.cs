using System.Text;
using Payouts.Contracts;
using Payouts.Contracts.Wire;
using Payouts.Core;
using Payouts.Core.Auth;
using Payouts.Core.Ports;
using Payouts.Core.Webhooks;
using Payouts.Server.Api;

namespace Payouts.Server.Endpoints;

/// <summary>
/// Greenfield webhooks of a store and their deliveries (BTCPay's routes, under <c>/api/v1/stores/{storeId}/webhooks</c>).
/// Reads need the store's view-settings permission, changes its modify-settings permission. The secret is shown once, by create.
/// </summary>
public static class WebhooksApi
{
    private const int DeliveryCountDefault = 50;
    private const int DeliveryCountMax = 500;

    public static void MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup("/api/v1/stores/{storeId}/webhooks").WithTags("Webhooks");
        webhooks.MapGet("/", List).WithName("Webhooks_GetWebhooks").WithSummary("The store's webhooks")
            .Produces<List<WebhookData>>().ProducesErrors();
        webhooks.MapPost("/", Create).WithName("Webhooks_CreateWebhook").WithSummary("Create a webhook (the answer holds its secret, generated when none is given)")
            .Accepts<WebhookRequest>("application/json").Produces<WebhookDataCreateResult>().ProducesErrors();
        webhooks.MapGet("/{webhookId}", Get).WithName("Webhooks_GetWebhook").WithSummary("Get a webhook").Produces<WebhookData>().ProducesErrors();
        webhooks.MapPut("/{webhookId}", Update).WithName("Webhooks_UpdateWebhook").WithSummary("Update a webhook (no secret: keep the current one)")
            .Accepts<WebhookRequest>("application/json").Produces<WebhookData>().ProducesErrors();
        webhooks.MapDelete("/{webhookId}", Delete).WithName("Webhooks_DeleteWebhook").WithSummary("Delete a webhook and its deliveries")
            .ProducesErrors();
        webhooks.MapGet("/{webhookId}/deliveries", Deliveries).WithName("Webhooks_GetWebhookDeliveries")
            .WithSummary("The latest deliveries, most recent first (count: 1–500, default 50)").Produces<List<WebhookDeliveryData>>().ProducesErrors();
        webhooks.MapGet("/{webhookId}/deliveries/{deliveryId}", Delivery).WithName("Webhooks_GetWebhookDelivery")
            .WithSummary("Get a delivery").Produces<WebhookDeliveryData>().ProducesErrors();
        webhooks.MapGet("/{webhookId}/deliveries/{deliveryId}/request", DeliveryRequest).WithName("Webhooks_GetWebhookDeliveryRequests")
            .WithSummary("The JSON body the delivery sends").ProducesErrors();
        // No Accepts<>: redeliver takes no body, and a declared content type would make a bodiless request miss the route.
        webhooks.MapPost("/{webhookId}/deliveries/{deliveryId}/redeliver", Redeliver).WithName("Webhooks_RedeliverWebhookDelivery")
            .WithSummary("Send the delivery's event again as a new delivery (isRedelivery: true), after what is already queued; answers its id")
            .Produces<string>().ProducesErrors();
    }

    public static async Task<IResult> List(HttpContext http, string storeId, IPayoutsStore store, IWebhookStore webhooks, CancellationToken ct)
    {
        if (await Allow(http, Permissions.StoreViewSettings, storeId, store, ct) is { } refused) return refused;
        return TypedResults.Ok((await webhooks.WebhookList(storeId, ct)).Select(ToWire).ToList());
    }

    public static async Task<IResult> Create(HttpContext http, string storeId, IPayoutsStore store, IWebhookStore webhooks, TimeProvider time,
        CancellationToken ct)
    {
        if (await Allow(http, Permissions.StoreModifySettings, storeId, store, ct) is { } refused) return refused;
        var body = await JsonBody.ReadAsync<WebhookRequest>(http, ct);
        if (body.Error is not null) return body.Error;
        var now = time.GetUtcNow();
        var (webhook, invalid) = Validate(body.Value!, Ids.New(), storeId, secretIfNone: WebhookSignature.NewSecret(), now, now);
        if (invalid is not null) return invalid;
        await webhooks.WebhookCreate(webhook!, ct);
        var w = ToWire(webhook!);
        return TypedResults.Ok(new WebhookDataCreateResult(w.Id, w.Enabled, w.AutomaticRedelivery, w.Url, w.AuthorizedEvents, webhook!.Secret));
    }

    public static async Task<IResult> Get(HttpContext http, string storeId, string webhookId, IPayoutsStore store, IWebhookStore webhooks,
        CancellationToken ct)
    {
        if (await Allow(http, Permissions.StoreViewSettings, storeId, store, ct) is { } refused) return refused;
        return await Find(webhooks, storeId, webhookId, ct) is { } w ? TypedResults.Ok(ToWire(w)) : ApiResults.Error(ErrorCode.WebhookNotFound);
    }

    public static async Task<IResult> Update(HttpContext http, string storeId, string webhookId, IPayoutsStore store, IWebhookStore webhooks,
        TimeProvider time, CancellationToken ct)
    {
        if (await Allow(http, Permissions.StoreModifySettings, storeId, store, ct) is { } refused) return refused;
        if (await Find(webhooks, storeId, webhookId, ct) is not { } current) return ApiResults.Error(ErrorCode.WebhookNotFound);
        var body = await JsonBody.ReadAsync<WebhookRequest>(http, ct);
        if (body.Error is not null) return body.Error;
        var (webhook, invalid) = Validate(body.Value!, current.Id, storeId, secretIfNone: current.Secret, current.CreatedAt, time.GetUtcNow());
        if (invalid is not null) return invalid;
        return await webhooks.WebhookUpdate(webhook!, ct) ? TypedResults.Ok(ToWire(webhook!)) : ApiResults.Error(ErrorCode.WebhookNotFound);
    }

    public static async Task<IResult> Delete(HttpContext http, string storeId, string webhookId, IPayoutsStore store, IWebhookStore webhooks,
        CancellationToken ct)
    {
        if (await Allow(http, Permissions.StoreModifySettings, storeId, store, ct) is { } refused) return refused;
        return Ids.LooksValid(webhookId) && await webhooks.WebhookDelete(storeId, webhookId, ct)
            ? TypedResults.Ok()
            : ApiResults.Error(ErrorCode.WebhookNotFound);
    }

    public static async Task<IResult> Deliveries(HttpContext http, string storeId, string webhookId, IPayoutsStore store, IWebhookStore webhooks,
        CancellationToken ct)
    {
        if (await Allow(http, Permissions.StoreViewSettings, storeId, store, ct) is { } refused) return refused;
        var count = DeliveryCountDefault;
        if (http.Request.Query.TryGetValue("count", out var text)
            && (!int.TryParse(text.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count)
                || count is < 1 or > DeliveryCountMax))
            return ApiResults.Validation("count", $"count must be a whole number from 1 to {DeliveryCountMax}.");
        if (await Find(webhooks, storeId, webhookId, ct) is null) return ApiResults.Error(ErrorCode.WebhookNotFound);
        return TypedResults.Ok((await webhooks.DeliveryList(webhookId, count, ct)).Select(ToWire).ToList());
    }

    public static async Task<IResult> Delivery(HttpContext http, string storeId, string webhookId, string deliveryId, IPayoutsStore store,
        IWebhookStore webhooks, CancellationToken ct)
    {
        if (await Allow(http, Permissions.StoreViewSettings, storeId, store, ct) is { } refused) return refused;
        var (delivery, missing) = await FindDelivery(webhooks, storeId, webhookId, deliveryId, ct);
        return missing ?? TypedResults.Ok(ToWire(delivery!));
    }

    public static async Task<IResult> DeliveryRequest(HttpContext http, string storeId, string webhookId, string deliveryId, IPayoutsStore store,
        IWebhookStore webhooks, CancellationToken ct)
    {
        if (await Allow(http, Permissions.StoreViewSettings, storeId, store, ct) is { } refused) return refused;
        var (delivery, missing) = await FindDelivery(webhooks, storeId, webhookId, deliveryId, ct);
        // The stored bytes as sent, not a re-serialization.
        return missing ?? TypedResults.Bytes(Encoding.UTF8.GetBytes(delivery!.Body), "application/json");
    }

    public static async Task<IResult> Redeliver(HttpContext http, string storeId, string webhookId, string deliveryId, IPayoutsStore store,
        IWebhookStore webhooks, TimeProvider time, CancellationToken ct)
    {
        if (await Allow(http, Permissions.StoreModifySettings, storeId, store, ct) is { } refused) return refused;
        var (_, missing) = await FindDelivery(webhooks, storeId, webhookId, deliveryId, ct);
        if (missing is not null) return missing;
        var created = await webhooks.DeliveryRedeliver(webhookId, deliveryId, Ids.New(), time.GetUtcNow(), ct);
        // Gone between the two reads: purged or its webhook deleted.
        return created is null ? ApiResults.Error(ErrorCode.WebhookDeliveryNotFound) : TypedResults.Ok(created.Id);
    }

    private static async Task<IResult?> Allow(HttpContext http, string permission, string storeId, IPayoutsStore store, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, permission, storeId, ct);
        if (denied is not null) return denied;
        return await StoresApi.RequireStore(store, storeId, ct);
    }

    private static async Task<Webhook?> Find(IWebhookStore webhooks, string storeId, string webhookId, CancellationToken ct) =>
        Ids.LooksValid(webhookId) ? await webhooks.WebhookGet(storeId, webhookId, ct) : null;

    private static async Task<(WebhookDelivery? Delivery, IResult? Missing)> FindDelivery(IWebhookStore webhooks, string storeId, string webhookId,
        string deliveryId, CancellationToken ct)
    {
        if (await Find(webhooks, storeId, webhookId, ct) is null) return (null, ApiResults.Error(ErrorCode.WebhookNotFound));
        var delivery = Ids.LooksValid(deliveryId) ? await webhooks.DeliveryGet(webhookId, deliveryId, ct) : null;
        return delivery is null ? (null, ApiResults.Error(ErrorCode.WebhookDeliveryNotFound)) : (delivery, null);
    }

    private static (Webhook? Webhook, IResult? Invalid) Validate(WebhookRequest r, string id, string storeId, string secretIfNone,
        DateTimeOffset createdAt, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        var url = r.Url?.Trim();
        if (!Webhook.IsValidUrl(url))
            errors.Add("url", $"The url must be an absolute http or https URL of at most {Webhook.UrlLengthMax} characters.");
        var secret = string.IsNullOrEmpty(r.Secret) ? secretIfNone : r.Secret;
        if (secret.Length > Webhook.SecretLengthMax || secret.Any(char.IsControl))
            errors.Add("secret", $"The secret must be at most {Webhook.SecretLengthMax} printable characters.");
        var everything = r.AuthorizedEvents?.Everything ?? true;
        var specific = r.AuthorizedEvents?.SpecificEvents ?? [];
        for (var i = 0; i < specific.Count; i++)
            if (!WebhookEventTypes.Greenfield.Contains(specific[i], StringComparer.Ordinal))
                errors.Add($"authorizedEvents.specificEvents[{i}]", $"Unknown event '{specific[i]}'; this service sends {string.Join(", ", WebhookEventTypes.All)}.");
        if (errors.Any) return (null, errors.ToResult());
        return (new Webhook(id, storeId, url!, secret, r.Enabled ?? true, r.AutomaticRedelivery ?? true, everything,
            specific.Distinct(StringComparer.Ordinal).ToList(), createdAt, now), null);
    }

    private static WebhookData ToWire(Webhook w) =>
        new(w.Id, w.Enabled, w.AutomaticRedelivery, w.Url, new AuthorizedEventsWire(w.Everything, w.SpecificEvents));

    private static WebhookDeliveryData ToWire(WebhookDelivery d) => new(d.Id, d.CreatedAt, d.LastAttemptAt, d.HttpCode, d.ErrorMessage,
        d.LastAttemptAt is null ? "Pending" : d.HttpCode is null ? "Failed" : WebhookRetry.IsSuccess(d.HttpCode) ? "HttpSuccess" : "HttpError");
}

using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Payouts.Core.Telemetry;
using Payouts.Server.Hosting;

namespace Payouts.Server.Telemetry;

/// <summary>
/// Names and tags ASP.NET Core's server span of each request after it ran (the instrumentation package that would do it
/// is not available): route template, status, and the store and payout the route names, so Jaeger can find "every
/// request about payout X" and the request that created a payout.
/// </summary>
internal sealed class RequestTelemetry(RequestDelegate next, IOptions<PayoutsOptions> options)
{
    private readonly string _nodeId = options.Value.ResolvedNodeId;

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        finally
        {
            if (context.Features.Get<IHttpActivityFeature>()?.Activity is { IsAllDataRequested: true } span)
                Tag(span, context);
        }
    }

    private void Tag(Activity span, HttpContext context)
    {
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        var status = context.Response.StatusCode;
        span.DisplayName = route is null ? context.Request.Method : $"{context.Request.Method} {route}";
        span.SetTag("http.request.method", context.Request.Method);
        if (route is not null) span.SetTag("http.route", route);
        span.SetTag("http.response.status_code", status);
        span.SetTag(TelemetryTags.NodeId, _nodeId);
        if (context.GetRouteValue("storeId") is string storeId) span.SetTag(TelemetryTags.StoreId, storeId);
        if (context.GetRouteValue("payoutId") is string payoutId) span.SetTag(TelemetryTags.PayoutId, payoutId);
        if (status >= 500) span.SetStatus(ActivityStatusCode.Error);
    }
}

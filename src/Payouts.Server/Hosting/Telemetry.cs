using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Payouts.Core.Telemetry;
using Payouts.Server.Telemetry;
using Payouts.Storage;

namespace Payouts.Server.Hosting;

/// <summary>
/// OpenTelemetry for a node, without OpenTelemetry.Extensions.Hosting: one <see cref="OpenTelemetrySdk"/> singleton built
/// from the standard <c>OTEL_*</c> variables (service <c>OTEL_SERVICE_NAME</c>, default "payouts"; instance = node id),
/// exporting over OTLP only when an OTLP endpoint is set. With nothing to export (and no <see cref="TelemetryHook"/>) it
/// subscribes to nothing, so a node without OTEL_* does no tracing work at all. The container disposes it at shutdown,
/// which flushes what is buffered.
/// </summary>
public static class Telemetry
{
    /// <summary>The built-in meters: ASP.NET Core requests, HttpClient calls and the runtime (GC, threads, …).</summary>
    public static readonly string[] BuiltInMeters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "System.Runtime"];

    public static WebApplicationBuilder AddPayoutsTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var otlp = OtlpSignals.FromEnvironment();
        services.AddSingleton(otlp);
        services.AddSingleton<SqlTelemetryReads>();
        services.AddSingleton<ITelemetryReads>(sp => sp.GetRequiredService<SqlTelemetryReads>());
        services.AddSingleton<IWebhookBacklog>(sp => sp.GetRequiredService<SqlTelemetryReads>());
        services.AddSingleton(sp => Create(otlp, sp.GetRequiredService<IOptions<PayoutsOptions>>().Value.ResolvedNodeId,
            sp.GetServices<TelemetryHook>().ToList()));
        // The host's logging reaches OpenTelemetry through this provider; resolving it (when the host builds its logger
        // factory, before anything runs) is also what starts the SDK.
        builder.Logging.Services.AddSingleton<ILoggerProvider, TelemetryLoggerProvider>();
        services.AddSingleton<TelemetryGauges>();
        services.AddHostedService<TelemetrySampler>();
        return builder;
    }

    /// <summary>Tags every request's server span (route, status, store, payout, node); first in the pipeline.</summary>
    public static WebApplication UsePayoutsTelemetry(this WebApplication app)
    {
        // Resolve at start-up even if nothing logged yet: the gauges and listeners must exist before the first request.
        app.Services.GetRequiredService<OpenTelemetrySdk>();
        app.Services.GetRequiredService<TelemetryGauges>();
        app.UseMiddleware<RequestTelemetry>();
        return app;
    }

    internal static OpenTelemetrySdk Create(OtlpSignals otlp, string nodeId, IReadOnlyList<TelemetryHook> hooks)
    {
        var serviceName = Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") is { Length: > 0 } n ? n : "payouts";
        var traces = otlp.Traces || hooks.Any(h => h.Tracing is not null);
        var metrics = otlp.Metrics || hooks.Any(h => h.Metrics is not null);
        var logs = otlp.Logs || hooks.Any(h => h.Logging is not null);
        return OpenTelemetrySdk.Create(b =>
        {
            b.ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: nodeId, autoGenerateServiceInstanceId: false)
                .AddAttributes([new(TelemetryTags.NodeId, nodeId)]));
            b.WithTracing(t =>
            {
                if (!traces) return;
                // Microsoft.AspNetCore: a server span per request (RequestTelemetry tags it); System.Net.Http: a client
                // span per call to a payment node or webhook receiver, carrying traceparent onward.
                t.AddSource(PayoutsTelemetry.Name, "Microsoft.AspNetCore", "System.Net.Http");
                if (otlp.Traces) t.AddOtlpExporter();
                foreach (var h in hooks) h.Tracing?.Invoke(t);
            });
            b.WithMetrics(m =>
            {
                if (!metrics) return;
                m.AddMeter(PayoutsTelemetry.Name).AddMeter(BuiltInMeters);
                if (otlp.Metrics) m.AddOtlpExporter();
                foreach (var h in hooks) h.Metrics?.Invoke(m);
            });
            b.WithLogging(l =>
            {
                if (otlp.Logs) l.AddOtlpExporter();
                foreach (var h in hooks) h.Logging?.Invoke(l);
            }, o =>
            {
                // Scopes carry processor_auto, store, method and epoch from the scheduler; the formatted message keeps
                // log lines readable in the backend. Trace and span ids come with every record made inside a span.
                o.IncludeScopes = true;
                o.IncludeFormattedMessage = logs;
                o.ParseStateValues = true;
            });
        });
    }
}

/// <summary>Which signals go to an OTLP collector: a signal's own endpoint variable, or the shared one.</summary>
public sealed record OtlpSignals(bool Traces, bool Metrics, bool Logs)
{
    public bool Any => Traces || Metrics || Logs;

    public static OtlpSignals FromEnvironment()
    {
        static bool Set(string name) => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(name));
        var all = Set("OTEL_EXPORTER_OTLP_ENDPOINT");
        return new OtlpSignals(all || Set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), all || Set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"),
            all || Set("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"));
    }
}

/// <summary>
/// Extra exporters or readers for one signal, added to the SDK when it is built (tests export to memory through this;
/// register with <c>services.AddSingleton(new TelemetryHook(...))</c> before the host starts).
/// </summary>
public sealed record TelemetryHook(
    Action<TracerProviderBuilder>? Tracing = null,
    Action<MeterProviderBuilder>? Metrics = null,
    Action<LoggerProviderBuilder>? Logging = null);

using Microsoft.Extensions.Options;
using Payouts.Core.Ports;
using Payouts.Core.Sending;
using Payouts.Rails;
using Payouts.Rails.Sandbox;
using Payouts.Core.Webhooks;
using Payouts.Server.Hosting;
using Payouts.Server.Webhooks;
using Payouts.Storage;

namespace Payouts.Server.Processing;

public static class ServiceRegistration
{
    public static WebApplicationBuilder AddPayoutsProcessors(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ProcessorOptions>().BindConfiguration(ProcessorOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProcessorOptions>, ProcessorOptionsValidator>();
        services.AddOptions<SandboxOptions>().BindConfiguration(SandboxOptions.Section);
        services.AddOptions<LightningOptions>().BindConfiguration(LightningOptions.Section);
        services.AddSingleton<ISendStore, SqlSendStore>();
        services.AddSingleton<ISandboxStore, SqlSandboxStore>();
        services.AddSingleton<IRailConfigStore, SqlRailConfigStore>();
        services.AddSingleton(sp => new RailRegistry(sp.GetRequiredService<IRailConfigStore>(), sp.GetRequiredService<ISandboxStore>(),
            sp.GetRequiredService<IOptions<SandboxOptions>>().Value,
            // One client for every store's node: per-call timeouts, pooled connections renewed so DNS changes apply.
            new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = Timeout.InfiniteTimeSpan },
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<LightningOptions>>().Value.ToLnurlOptions()));
        // Every rail call is a span (Core's TracedRailRegistry); a no-op when nothing listens.
        services.AddSingleton<IRailRegistry>(sp => new Core.Telemetry.TracedRailRegistry(sp.GetRequiredService<RailRegistry>()));
        services.AddSingleton<IFailpoints, ConfiguredFailpoints>();
        services.AddSingleton<IProcessorActivity, ProcessorActivity>();
        services.AddSingleton<ProcessorRun>();
        services.AddSingleton(sp => new Reconciler(sp.GetRequiredService<ISendStore>(), sp.GetRequiredService<IRailRegistry>(),
            sp.GetRequiredService<IFailpoints>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<PayoutsOptions>>().Value.ResolvedNodeId, sp.GetService<Core.Telemetry.ITelemetryReads>()));

        var o = builder.Configuration.GetSection(PayoutsOptions.Section).Get<PayoutsOptions>() ?? new PayoutsOptions();
        if (o.ParsedRoles.HasFlag(NodeRoles.Processors))
        {
            services.AddHostedService<ProcessorScheduler>();
            services.AddHostedService<ReconcilerService>();
        }
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        services.AddSingleton<IWebhookStore, SqlWebhookStore>();
        if (o.ParsedRoles.HasFlag(NodeRoles.Webhooks))
        {
            services.AddSingleton<WebhookSender>();
            services.AddHostedService<WebhookDispatcher>();
        }
        return builder;
    }
}

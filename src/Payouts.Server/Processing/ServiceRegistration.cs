using Microsoft.Extensions.Options;
using Payouts.Core.Ports;
using Payouts.Core.Sending;
using Payouts.Rails.Sandbox;
using Payouts.Server.Hosting;
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
        services.AddSingleton<ISendStore, SqlSendStore>();
        services.AddSingleton<ISandboxStore, SqlSandboxStore>();
        services.AddSingleton<IRailRegistry>(sp => new SandboxRailRegistry(
            sp.GetRequiredService<ISandboxStore>(), sp.GetRequiredService<IOptions<SandboxOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IFailpoints, ConfiguredFailpoints>();
        services.AddSingleton<IProcessorActivity, ProcessorActivity>();
        services.AddSingleton<ProcessorRun>();
        services.AddSingleton(sp => new Reconciler(sp.GetRequiredService<ISendStore>(), sp.GetRequiredService<IRailRegistry>(),
            sp.GetRequiredService<IFailpoints>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<PayoutsOptions>>().Value.ResolvedNodeId));

        var o = builder.Configuration.GetSection(PayoutsOptions.Section).Get<PayoutsOptions>() ?? new PayoutsOptions();
        if (o.ParsedRoles.HasFlag(NodeRoles.Processors))
        {
            services.AddHostedService<ProcessorScheduler>();
            services.AddHostedService<ReconcilerService>();
        }
        return builder;
    }
}

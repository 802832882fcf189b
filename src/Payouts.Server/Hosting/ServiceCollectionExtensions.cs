using Microsoft.Extensions.Options;
using Payouts.Contracts.Json;
using Payouts.Core.Payouts;
using Payouts.Core.Ports;
using Payouts.Storage;

namespace Payouts.Server.Hosting;

public static class ServiceCollectionExtensions
{
    public static WebApplicationBuilder AddPayoutsDefaults(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PayoutsOptions>().BindConfiguration(PayoutsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PayoutsOptions>, PayoutsOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.ConfigureHttpJsonOptions(o => PayoutsJson.Configure(o.SerializerOptions));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.WebHost.ConfigureKestrel(k =>
        {
            // The API's own limit (413 in Greenfield format) is checked first; this is the hard stop behind it.
            k.Limits.MaxRequestBodySize = ApiOptions.RequestBodyBytesMax;
            k.AddServerHeader = false;
        });
        return builder;
    }

    public static WebApplicationBuilder AddPayoutsStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<PayoutsOptions>>().Value.Database;
            return Database.Create(o.ParsedProvider, o.ResolvedConnectionString);
        });
        builder.Services.AddSingleton<IPayoutsStore, SqlPayoutsStore>();
        builder.Services.AddSingleton<NodeInitializer>();
        return builder;
    }

    public static WebApplicationBuilder AddPayoutsCore(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IProcessorActivity, NoProcessorsYet>();
        builder.Services.AddSingleton<PayoutService>();
        return builder;
    }
}

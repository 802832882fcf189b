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
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "Payouts API";
            doc.Info.Description = "Greenfield-compatible payouts, pull payments and payout processors. "
                + "Authenticate with 'Authorization: token <api key>'. POST, PUT and DELETE take an Idempotency-Key header.";
            return Task.CompletedTask;
        }).AddSchemaTransformer((schema, context, _) =>
        {
            // Describe the wire, not the .NET types: amounts are decimal strings, times unix seconds, method ids strings.
            var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
            var nullable = (schema.Type ?? 0).HasFlag(Microsoft.OpenApi.JsonSchemaType.Null) ? Microsoft.OpenApi.JsonSchemaType.Null : 0;
            if (type == typeof(decimal))
            {
                schema.Type = Microsoft.OpenApi.JsonSchemaType.String | nullable;
                schema.Format = "decimal";
                schema.Pattern = null;
            }
            else if (type == typeof(DateTimeOffset))
            {
                schema.Type = Microsoft.OpenApi.JsonSchemaType.Integer | nullable;
                schema.Format = "unix-time-seconds";
            }
            else if (type == typeof(Contracts.PayoutMethodId))
            {
                schema.Type = Microsoft.OpenApi.JsonSchemaType.String;
                schema.Properties?.Clear();
            }
            return Task.CompletedTask;
        }));
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
        builder.Services.AddSingleton<IIdempotencyStore, SqlIdempotencyStore>();
        builder.Services.AddSingleton<NodeInitializer>();
        return builder;
    }

    public static WebApplicationBuilder AddPayoutsApi(this WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetSection(PayoutsOptions.Section).Get<PayoutsOptions>() is { } o && !o.ParsedRoles.HasFlag(NodeRoles.Api))
            return builder;
        builder.Services.AddHostedService<Api.IdempotencyJanitor>();
        return builder;
    }

    public static WebApplicationBuilder AddPayoutsCore(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PayoutService>();
        return builder;
    }
}

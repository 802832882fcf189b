using Microsoft.Extensions.Options;
using Payouts.Server.Api;
using Payouts.Server.Endpoints;
using Payouts.Server.Hosting;
using Payouts.Server.Processing;

var builder = WebApplication.CreateBuilder(args);
builder.AddPayoutsDefaults();
builder.AddPayoutsStorage();
builder.AddPayoutsCore();
builder.AddPayoutsApi();
builder.AddPayoutsProcessors();
builder.AddPayoutsTelemetry();

var app = builder.Build();
app.UsePayoutsTelemetry();
app.UsePayoutsErrorHandling();
app.MapHealthApi();
if (app.Services.GetRequiredService<IOptions<PayoutsOptions>>().Value.ParsedRoles.HasFlag(NodeRoles.Api))
{
    app.UseMiddleware<IdempotencyMiddleware>();
    app.MapOpenApi("/openapi/{documentName}.json");
    app.UseSwaggerUI(o =>
    {
        o.RoutePrefix = "docs";
        o.SwaggerEndpoint("/openapi/v1.json", "Payouts API v1");
    });
    app.MapStoresApi();
    app.MapApiKeysApi();
    app.MapPayoutsApi();
    app.MapPullPaymentsApi();
    app.MapProcessorsApi();
    app.MapRailsApi();
    app.MapWebhooksApi();
    app.MapSandboxApi();
}
app.MapPayoutsFallback();

await app.Services.GetRequiredService<NodeInitializer>().Run(app.Lifetime.ApplicationStopping);
await app.RunAsync();

/// <summary>Visible to tests: WebApplicationFactory&lt;Program&gt; boots this real pipeline.</summary>
public partial class Program;

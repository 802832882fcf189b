using Payouts.Server.Api;
using Payouts.Server.Endpoints;
using Payouts.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddPayoutsDefaults();
builder.AddPayoutsStorage();
builder.AddPayoutsCore();

var app = builder.Build();
app.UsePayoutsErrorHandling();
app.MapHealthApi();
if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PayoutsOptions>>().Value.ParsedRoles.HasFlag(NodeRoles.Api))
{
    app.MapStoresApi();
    app.MapPayoutsApi();
    app.MapPullPaymentsApi();
}
app.MapPayoutsFallback();

await app.Services.GetRequiredService<NodeInitializer>().Run(app.Lifetime.ApplicationStopping);
await app.RunAsync();

/// <summary>Visible to tests: WebApplicationFactory&lt;Program&gt; boots this real pipeline.</summary>
public partial class Program;

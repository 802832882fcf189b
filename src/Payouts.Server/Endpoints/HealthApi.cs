using Dapper;
using Microsoft.Extensions.Options;
using Payouts.Server.Hosting;
using Payouts.Storage;

namespace Payouts.Server.Endpoints;

public static class HealthApi
{
    public static void MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Health).WithName("Health").WithSummary("Node liveness and database reachability");
        // Greenfield's health route, for clients that probe it.
        app.MapGet("/api/v1/health", Health).WithName("GreenfieldHealth");
    }

    public static async Task<IResult> Health(Database db, IOptions<PayoutsOptions> options, CancellationToken ct)
    {
        var o = options.Value;
        try
        {
            await using var c = await db.Open(ct);
            await c.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: ct));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return TypedResults.Json(new { status = "unhealthy", synchronized = false, nodeId = o.ResolvedNodeId, error = "database unreachable" },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return TypedResults.Ok(new { status = "ok", synchronized = true, nodeId = o.ResolvedNodeId, roles = o.Roles, database = db.Provider.ToString().ToLowerInvariant() });
    }
}

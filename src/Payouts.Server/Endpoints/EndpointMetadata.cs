using Payouts.Contracts.Wire;

namespace Payouts.Server.Endpoints;

public static class EndpointMetadata
{
    /// <summary>Documents Greenfield's two error shapes in the OpenAPI document.</summary>
    public static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder builder) => builder
        .Produces<GreenfieldError>(StatusCodes.Status400BadRequest)
        .Produces<GreenfieldError>(StatusCodes.Status401Unauthorized)
        .Produces<GreenfieldError>(StatusCodes.Status403Forbidden)
        .Produces<GreenfieldError>(StatusCodes.Status404NotFound)
        .Produces<List<GreenfieldValidationError>>(StatusCodes.Status422UnprocessableEntity);
}

using Payouts.Contracts;
using Payouts.Contracts.Wire;
using Payouts.Core;

namespace Payouts.Server.Api;

/// <summary>Greenfield error bodies: <c>{code, message}</c> for well-known codes, <c>[{path, message}]</c> for 422.</summary>
public static class ApiResults
{
    public static IResult Error(ErrorCode code, string? message = null)
    {
        var info = ErrorCodes.Get(code);
        return TypedResults.Json(new GreenfieldError(info.Wire, message ?? info.Message), statusCode: info.HttpStatus);
    }

    public static IResult Error(Failure failure) => Error(failure.Code, failure.Message);

    public static IResult Validation(IReadOnlyList<GreenfieldValidationError> errors) =>
        TypedResults.Json(errors, statusCode: StatusCodes.Status422UnprocessableEntity);

    public static IResult Validation(string path, string message) => Validation([new GreenfieldValidationError(path, message)]);
}

/// <summary>Collects 422 entries while a handler checks a request.</summary>
public sealed class ValidationErrors
{
    private readonly List<GreenfieldValidationError> _errors = [];

    public bool Any => _errors.Count > 0;

    public IReadOnlyList<GreenfieldValidationError> Entries => _errors;

    public void Add(string path, string message) => _errors.Add(new GreenfieldValidationError(path, message));

    public IResult ToResult() => ApiResults.Validation(_errors);
}

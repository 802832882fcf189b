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

    /// <param name="code">For an entry a client may act on by code; its wire form comes from <see cref="ErrorCodes"/>.</param>
    public void Add(string path, string message, ErrorCode? code = null) =>
        _errors.Add(new GreenfieldValidationError(path, message, code is { } c ? ErrorCodes.Get(c).Wire : null));

    /// <summary>Copies entries checked on their own (one item of a bulk request) under a path prefix, codes kept.</summary>
    public void AddAll(ValidationErrors other, string pathPrefix)
    {
        foreach (var e in other._errors) _errors.Add(e with { Path = pathPrefix + e.Path });
    }

    public IResult ToResult() => ApiResults.Validation(_errors);
}

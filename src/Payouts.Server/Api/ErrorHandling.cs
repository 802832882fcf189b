using Payouts.Contracts;
using Payouts.Core;
using Payouts.Server.Hosting;

namespace Payouts.Server.Api;

/// <summary>
/// The last line of defence: an unexpected exception answers in Greenfield's format instead of an HTML page,
/// and an unknown route answers 404 with a code.
/// </summary>
public static class ErrorHandling
{
    public static void UsePayoutsErrorHandling(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            try
            {
                await next(http);
            }
            catch (BadHttpRequestException ex) when (!http.Response.HasStarted)
            {
                var code = ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? ErrorCode.BodyTooLarge : ErrorCode.InvalidRequest;
                await ApiResults.Error(code, code == ErrorCode.InvalidRequest ? ex.Message : null).ExecuteAsync(http);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nothing to answer.
            }
            catch (InvariantViolationException)
            {
                // A bug in a money rule: stop this node rather than keep running on broken assumptions.
                throw;
            }
            catch (Exception ex) when (!http.Response.HasStarted)
            {
                var logger = http.RequestServices.GetRequiredService<ILogger<WebApplication>>();
                ServerLog.UnhandledError(logger, ex, http.Request.Method, http.Request.Path);
                await ApiResults.Error(ErrorCode.ServiceUnavailable).ExecuteAsync(http);
            }
        });
    }

    /// <summary>
    /// Unknown routes answer 404 with a code. Routing also lands here when a body is not JSON (endpoints declare
    /// they accept only JSON), which deserves 415, not 404.
    /// </summary>
    public static void MapPayoutsFallback(this WebApplication app) =>
        app.MapFallback((HttpContext http) =>
        {
            var type = http.Request.ContentType;
            var json = type is null || type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
                || type.StartsWith("text/json", StringComparison.OrdinalIgnoreCase);
            return !json && (HttpMethods.IsPost(http.Request.Method) || HttpMethods.IsPut(http.Request.Method))
                ? ApiResults.Error(ErrorCode.UnsupportedMediaType)
                : ApiResults.Error(ErrorCode.NotFound);
        }).ExcludeFromDescription();
}

using System.Text.Json;
using Payouts.Contracts;
using Payouts.Contracts.Json;
using Payouts.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Payouts.Server.Api;

/// <summary>
/// Reads a request body with our own limits and errors instead of the framework's binder, so that every
/// bad body gets a Greenfield error: 413 too large, 415 not JSON, 400 broken JSON, 422 wrong shape (with the path).
/// </summary>
public static class JsonBody
{
    public readonly record struct Read<T>(T? Value, IResult? Error) where T : class;

    public static async Task<Read<T>> ReadAsync<T>(HttpContext http, CancellationToken ct, bool optional = false) where T : class
    {
        var limit = http.RequestServices.GetRequiredService<IOptions<PayoutsOptions>>().Value.Api.RequestBodyBytes;
        var request = http.Request;
        if (request.ContentLength > limit)
            return new(null, ApiResults.Error(ErrorCode.BodyTooLarge, $"The request body must be at most {limit} bytes."));

        byte[]? bytes;
        try
        {
            bytes = await ReadLimited(request.Body, limit, ct);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            bytes = null;
        }
        if (bytes is null)
            return new(null, ApiResults.Error(ErrorCode.BodyTooLarge, $"The request body must be at most {limit} bytes."));

        if (bytes.Length == 0)
            return optional ? new(null, null) : new(null, ApiResults.Error(ErrorCode.InvalidJson, "A JSON request body is required."));
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            && !type.StartsWith("text/json", StringComparison.OrdinalIgnoreCase))
            return new(null, ApiResults.Error(ErrorCode.UnsupportedMediaType));

        // Syntax first (400), then shape (422): a client can tell "not JSON" from "wrong JSON".
        try
        {
            using var _ = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = PayoutsJson.DepthMax });
        }
        catch (JsonException ex)
        {
            return new(null, ApiResults.Error(ErrorCode.InvalidJson, $"The request body is not valid JSON: {Trim(ex.Message)}"));
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, PayoutsJson.Options);
            return value is null
                ? new(null, ApiResults.Validation("$", "The request body must be a JSON object."))
                : new(value, null);
        }
        catch (JsonException ex)
        {
            return new(null, ApiResults.Validation(PathOf(ex), MessageOf(ex)));
        }
    }

    /// <summary>The whole body, or null when it is longer than <paramref name="limit"/> bytes.</summary>
    internal static async Task<byte[]?> ReadLimited(Stream body, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static string PathOf(JsonException ex)
    {
        var path = ex.Path;
        if (string.IsNullOrEmpty(path) || path == "$") return "$";
        // "$.amount" → "amount" and "$[7].amount" → "[7].amount", the paths handlers use for their own checks.
        if (path.StartsWith("$.", StringComparison.Ordinal)) return path[2..];
        return path.StartsWith("$[", StringComparison.Ordinal) ? path[1..] : path;
    }

    private static string MessageOf(JsonException ex)
    {
        // Our converters throw with a message meant for the client; the serializer's own messages name .NET types.
        if (ex.InnerException is null && ex.Message is { Length: > 0 } m && !m.Contains("System.", StringComparison.Ordinal)
            && !m.StartsWith("The JSON", StringComparison.Ordinal))
            return m;
        if (ex.Message.Contains("could not be mapped", StringComparison.Ordinal))
            return "Unknown property.";
        return "Invalid value or type for this property.";
    }

    private static string Trim(string message)
    {
        var i = message.IndexOf(" Path:", StringComparison.Ordinal);
        return i > 0 ? message[..i] : message;
    }
}

using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Payouts.Contracts;
using Payouts.Contracts.Json;
using Payouts.Core.Idempotency;
using Payouts.Core.Ports;
using Payouts.Server.Hosting;

namespace Payouts.Server.Api;

/// <summary>
/// The request's hold on its Idempotency-Key. Creates pass <see cref="Completion"/> to storage so that the stored
/// answer commits with the rows it describes: a node killed between the two cannot leave a created payout whose
/// retry creates another.
/// </summary>
public sealed class IdempotencyContext(string scope, string key, long leaseUntilMs)
{
    public const string ContentType = "application/json; charset=utf-8";

    public string Scope { get; } = scope;
    public string Key { get; } = key;
    public long LeaseUntilMs { get; } = leaseUntilMs;

    /// <summary>Set by a handler whose storage call committed the answer itself.</summary>
    public bool CompletedInTransaction { get; private set; }

    public IdempotencyCompletion Completion(byte[] body) => new(Scope, Key, LeaseUntilMs, StatusCodes.Status200OK, ContentType, body);

    public void MarkCompletedInTransaction() => CompletedInTransaction = true;
}

public static class JsonResponse
{
    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, PayoutsJson.Options);

    /// <summary>200 with exactly these bytes: the same bytes an idempotent replay will send.</summary>
    public static IResult Ok(byte[] body) => TypedResults.Bytes(body, IdempotencyContext.ContentType);

    /// <summary>A create's success: the body, committed with the rows when the request had an Idempotency-Key.</summary>
    public static IResult Created(HttpContext http, byte[] body)
    {
        http.Features.Get<IdempotencyContext>()?.MarkCompletedInTransaction();
        return Ok(body);
    }

    public static IdempotencyCompletion? Completion(HttpContext http, byte[] body) =>
        http.Features.Get<IdempotencyContext>()?.Completion(body);

    public static Func<T, IdempotencyCompletion>? CompletionFor<T>(HttpContext http, Func<T, byte[]> serialize) =>
        http.Features.Get<IdempotencyContext>() is { } idem ? value => idem.Completion(serialize(value)) : null;
}

/// <summary>
/// <c>Idempotency-Key</c> on POST, PUT and DELETE (IETF draft): same key and request → the stored response, byte for
/// byte; same key, other request → 422; same key while the first still runs → it waits up to
/// <see cref="InFlightWait"/> for that answer, then 409. Keys are scoped per API key and kept 7 days.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IIdempotencyStore store, TimeProvider time,
    IOptions<PayoutsOptions> options, ILogger<IdempotencyMiddleware> logger)
{
    public const string Header = "Idempotency-Key";
    private static readonly TimeSpan InFlightWait = TimeSpan.FromSeconds(10);

    public async Task InvokeAsync(HttpContext http)
    {
        var method = http.Request.Method;
        if (!(HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method))
            || !http.Request.Headers.TryGetValue(Header, out var values))
        {
            await next(http);
            return;
        }
        var ct = http.RequestAborted;
        var key = values.ToString();
        if (values.Count != 1 || !IdempotencyRules.IsValidKey(key))
        {
            await ApiResults.Error(ErrorCode.InvalidIdempotencyKey).ExecuteAsync(http);
            return;
        }
        var scope = await Scope(http, ct);
        var body = await ReadBody(http, options.Value.Api.RequestBodyBytes, ct);
        if (scope is null || body is null)
        {
            // An invalid key gets its 401, an oversized body its 413, from the handler; neither is recorded.
            await next(http);
            return;
        }

        var fingerprint = Fingerprint(http.Request, body);
        var waited = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            switch (await store.IdempotencyBegin(scope, key, fingerprint, time.GetUtcNow(), ct))
            {
                case IdempotencyBegin.Acquired acquired:
                    await Execute(http, new IdempotencyContext(scope, key, acquired.LeaseUntilMs), ct);
                    return;
                case IdempotencyBegin.Replay replay:
                    await Replay(http, replay.Record);
                    return;
                case IdempotencyBegin.Mismatch:
                    await ApiResults.Error(ErrorCode.IdempotencyKeyReused).ExecuteAsync(http);
                    return;
                case IdempotencyBegin.InFlight when waited.Elapsed < InFlightWait:
                    await Task.Delay(delay, ct);
                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
                    continue;
                case IdempotencyBegin.InFlight:
                    await ApiResults.Error(ErrorCode.IdempotencyKeyInUse).ExecuteAsync(http);
                    return;
            }
        }
    }

    private async Task Execute(HttpContext http, IdempotencyContext idem, CancellationToken ct)
    {
        http.Features.Set(idem);
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await next(http);
        }
        catch
        {
            http.Response.Body = original;
            await store.IdempotencyAbandon(idem.Scope, idem.Key, idem.LeaseUntilMs, CancellationToken.None);
            throw;
        }
        http.Response.Body = original;
        var bytes = buffer.ToArray();
        if (!idem.CompletedInTransaction)
        {
            if (http.Response.StatusCode >= 500)
                // A server error is not an answer: the client may retry the same key.
                await store.IdempotencyAbandon(idem.Scope, idem.Key, idem.LeaseUntilMs, CancellationToken.None);
            else if (!await store.IdempotencyComplete(new IdempotencyCompletion(idem.Scope, idem.Key, idem.LeaseUntilMs,
                         http.Response.StatusCode, http.Response.ContentType ?? IdempotencyContext.ContentType, bytes), CancellationToken.None))
                ApiLog.IdempotencyLeaseLost(logger, idem.Key);
        }
        await original.WriteAsync(bytes, ct);
    }

    private static async Task Replay(HttpContext http, IdempotencyRecord record)
    {
        http.Response.StatusCode = record.StatusCode ?? StatusCodes.Status200OK;
        http.Response.ContentType = record.ContentType;
        http.Response.Headers["Idempotent-Replayed"] = "true";
        if (record.Body is { Length: > 0 } body)
            await http.Response.Body.WriteAsync(body, http.RequestAborted);
    }

    /// <summary>Per API key; anonymous requests (pull-payment claims) per path, so strangers' keys cannot collide across links.</summary>
    private static async Task<string?> Scope(HttpContext http, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(http.Request.Headers.Authorization))
            return $"anonymous:{http.Request.Path}";
        var (caller, _) = await CallerAuth.Authenticate(http, ct);
        return caller is null ? null : $"key:{caller.Key.Id}";
    }

    private static async Task<byte[]?> ReadBody(HttpContext http, int limit, CancellationToken ct)
    {
        if (http.Request.ContentLength > limit) return null;
        http.Request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: limit + 1L);
        try
        {
            return await JsonBody.ReadLimited(http.Request.Body, limit, ct);
        }
        catch (IOException)
        {
            return null;
        }
        finally
        {
            // The handler reads the body again from the start.
            http.Request.Body.Position = 0;
        }
    }

    private static string Fingerprint(HttpRequest request, byte[] body)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path}{request.QueryString}\n"));
        sha.AppendData(body);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

/// <summary>Deletes Idempotency-Key records past their 7 days, a bounded batch at a time.</summary>
public sealed class IdempotencyJanitor(IIdempotencyStore store, TimeProvider time, ILogger<IdempotencyJanitor> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(10);
    private const int BatchMax = 10_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        do
        {
            try
            {
                var deleted = await store.IdempotencyDeleteExpired(time.GetUtcNow(), BatchMax, stoppingToken);
                if (deleted > 0) ApiLog.IdempotencyExpired(logger, deleted);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                ApiLog.IdempotencyJanitorFailed(logger, ex);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

internal static partial class ApiLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "Idempotency-Key {IdempotencyKey}: lease lost before the answer was stored; a retry may run the request again")]
    public static partial void IdempotencyLeaseLost(ILogger logger, string idempotencyKey);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Deleted {Count} expired Idempotency-Key records")]
    public static partial void IdempotencyExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Deleting expired Idempotency-Key records failed")]
    public static partial void IdempotencyJanitorFailed(ILogger logger, Exception ex);
}

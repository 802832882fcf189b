namespace Payouts.Core.Idempotency;

/// <summary>
/// Rules of the <c>Idempotency-Key</c> header (IETF draft-ietf-httpapi-idempotency-key-header): the same key with the
/// same request replays the first response; with another request it is refused; while the first still runs it waits.
/// </summary>
public static class IdempotencyRules
{
    public const int KeyLengthMax = 255;

    /// <summary>How long a response is kept for replay.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    /// <summary>How long a request may hold its key before another node may take over (its holder presumed dead).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    public static bool IsValidKey(string? key) =>
        !string.IsNullOrEmpty(key) && key.Length <= KeyLengthMax && key.All(c => c is >= '!' and <= '~');

    public static IdempotencyStatus Classify(IdempotencyRecord record, string fingerprint, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        if (record.ExpiresAtMs <= nowMs) return IdempotencyStatus.Expired;
        if (!string.Equals(record.Fingerprint, fingerprint, StringComparison.Ordinal)) return IdempotencyStatus.Mismatch;
        if (record.State == IdempotencyRecord.Done) return IdempotencyStatus.Replay;
        Invariant.Ensure(record.State == IdempotencyRecord.Running);
        return record.LeaseUntilMs > nowMs ? IdempotencyStatus.InFlight : IdempotencyStatus.Abandoned;
    }
}

public enum IdempotencyStatus
{
    /// <summary>Past retention: treat as never seen.</summary>
    Expired,
    /// <summary>Same key, different request: 422.</summary>
    Mismatch,
    /// <summary>The first request finished: answer with its response.</summary>
    Replay,
    /// <summary>The first request is still running.</summary>
    InFlight,
    /// <summary>Its holder's lease ran out without an answer: another may take it over.</summary>
    Abandoned,
}

public sealed record IdempotencyRecord(
    string Scope, string Key, string Fingerprint, string State, long LeaseUntilMs,
    int? StatusCode, string? ContentType, byte[]? Body, long CreatedAtMs, long ExpiresAtMs)
{
    public const string Running = "running";
    public const string Done = "done";
}

public abstract record IdempotencyBegin
{
    private IdempotencyBegin() { }

    /// <summary>This request holds the key until <paramref name="LeaseUntilMs"/> and must complete or abandon it.</summary>
    public sealed record Acquired(long LeaseUntilMs) : IdempotencyBegin;
    public sealed record Replay(IdempotencyRecord Record) : IdempotencyBegin;
    public sealed record InFlight : IdempotencyBegin;
    public sealed record Mismatch : IdempotencyBegin;
}

/// <summary>The stored answer of an idempotent request; a create writes it in the same transaction as its rows.</summary>
public sealed record IdempotencyCompletion(string Scope, string Key, long LeaseUntilMs, int StatusCode, string ContentType, byte[] Body);

/// <summary>The request lost its key to another node (its lease ran out); its writes must not commit.</summary>
public sealed class IdempotencyLeaseLostException() : Exception("the Idempotency-Key lease was lost before the write committed");

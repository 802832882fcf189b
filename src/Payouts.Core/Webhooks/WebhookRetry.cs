namespace Payouts.Core.Webhooks;

/// <summary>
/// When a failed delivery is tried again (BTCPay's schedule): 10 s after the first failure, 1 min after the second, then
/// every 10 min six times; after that, or for an answer that retrying cannot change, it has failed for good.
/// </summary>
public static class WebhookRetry
{
    public static IReadOnlyList<TimeSpan> Delays { get; } =
    [
        TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1),
        TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10),
        TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10),
    ];

    /// <summary>One first attempt and a retry per delay.</summary>
    public static int AttemptsMax => Delays.Count + 1;

    public static bool IsSuccess(int? status) => status is >= 200 and < 300;

    /// <summary>No answer (network error, timeout), 5xx, 408 and 429 may pass later; any other answer will not.</summary>
    public static bool IsRetryable(int? status) => status is null or >= 500 or 408 or 429;

    /// <param name="attemptsMade">Attempts including the one that just failed.</param>
    /// <returns>The wait before the next attempt, or null when the delivery has failed for good.</returns>
    public static TimeSpan? After(int attemptsMade, int? status, bool automaticRedelivery)
    {
        Invariant.Ensure(attemptsMade >= 1);
        if (!automaticRedelivery || !IsRetryable(status) || attemptsMade > Delays.Count) return null;
        return Delays[attemptsMade - 1];
    }
}

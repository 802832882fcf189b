namespace Payouts.Storage.Tests.Support;

/// <summary>A clock that always reads the same instant: no test reads the wall clock.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

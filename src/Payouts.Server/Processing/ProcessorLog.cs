namespace Payouts.Server.Processing;

internal static partial class ProcessorLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information,
        Message = "Processor {StoreId}/{PayoutMethodId} epoch {Epoch}: {Attempts} attempt(s), {Claimed} claimed, {Sent} sent, {Succeeded} succeeded, {Failed} failed, {Unknown} unknown (processor_auto=true)")]
    public static partial void Ran(ILogger logger, string storeId, string payoutMethodId, long epoch, int attempts, int claimed, int sent,
        int succeeded, int failed, int unknown);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Processor {StoreId}/{PayoutMethodId} epoch {Epoch}: lease lost; this node stops sending for it")]
    public static partial void LeaseLost(ILogger logger, string storeId, string payoutMethodId, long epoch);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "Processor {StoreId}/{PayoutMethodId} epoch {Epoch} failed; the reconciler will finish what it started")]
    public static partial void RunFailed(ILogger logger, Exception ex, string storeId, string payoutMethodId, long epoch);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information,
        Message = "Reconciled {Checked} attempt(s): {Abandoned} abandoned, {Completed} payouts completed, {Returned} returned, {Reexecuted} re-sent, {Replaced} replaced")]
    public static partial void Reconciled(ILogger logger, int @checked, int abandoned, int completed, int returned, int reexecuted, int replaced);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning,
        Message = "Reconciling {Failed} attempt(s) failed (rail unreachable?); retrying next period. Last: {LastFailure}")]
    public static partial void ReconcileAttemptsFailed(ILogger logger, int failed, string? lastFailure);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Reconciliation failed; retrying next period")]
    public static partial void ReconcileFailed(ILogger logger, Exception ex);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Error, Message = "Acquiring processor leases failed; retrying next poll")]
    public static partial void AcquireFailed(ILogger logger, Exception ex);
}

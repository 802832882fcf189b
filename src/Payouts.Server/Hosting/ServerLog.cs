namespace Payouts.Server.Hosting;

internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Node {NodeId} starting with roles {Roles} on {Provider}")]
    public static partial void NodeStarting(ILogger logger, string nodeId, string roles, string provider);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Created the server admin API key {KeyId}; its secret is printed once on standard output")]
    public static partial void AdminKeyCreated(ILogger logger, string keyId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Created the server admin API key {KeyId} from Payouts:BootstrapAdminKey")]
    public static partial void AdminKeyFromConfiguration(ILogger logger, string keyId);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    public static partial void UnhandledError(ILogger logger, Exception ex, string method, string path);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information,
        Message = "Payout {PayoutId} of store {StoreId}: {Command} → {State} (revision {Revision}, processor_auto={ProcessorAuto})")]
    public static partial void PayoutChanged(ILogger logger, string payoutId, string storeId, string command, string state, int revision, bool processorAuto);
}

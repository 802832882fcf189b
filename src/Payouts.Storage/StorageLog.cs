using Microsoft.Extensions.Logging;

namespace Payouts.Storage;

internal static partial class StorageLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
        Message = "Database {Provider}: applied {AppliedCount} migration(s); schema at version {Version}")]
    public static partial void Migrated(ILogger logger, string provider, int appliedCount, int version);
}

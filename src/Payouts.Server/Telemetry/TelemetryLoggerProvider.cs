using OpenTelemetry;

namespace Payouts.Server.Telemetry;

/// <summary>
/// The host's <see cref="ILoggerProvider"/> for OpenTelemetry: forwards to the SDK's logger factory (which
/// OpenTelemetry.Extensions.Hosting would otherwise wire). The host's Logging:LogLevel filters apply before it.
/// </summary>
internal sealed class TelemetryLoggerProvider(OpenTelemetrySdk sdk) : ILoggerProvider
{
    private readonly ILoggerFactory _factory = sdk.GetLoggerFactory();

    public ILogger CreateLogger(string categoryName) => _factory.CreateLogger(categoryName);

    // The SDK singleton owns the provider behind the factory; the container disposes (and flushes) it.
    public void Dispose() => _factory.Dispose();
}

using System.Text;
using Payouts.Server.Tests.Support;

namespace Payouts.Server.Tests.Telemetry;

/// <summary>A real node process configured only by the standard OTEL_* variables, exporting to a fake collector.</summary>
public sealed class OtlpExportTests
{
    private const string ServiceName = "payouts-otlp-test";

    // Proves OTLP export is wired from the environment alone: traces, metrics and logs all arrive over http/protobuf,
    // each naming the service from OTEL_SERVICE_NAME.
    [Fact]
    public async Task ANodeWithAnOtlpEndpointExportsTracesMetricsAndLogsWithItsServiceName()
    {
        await using var collector = await FakeCollector.Start();
        var work = Directory.CreateTempSubdirectory("payouts-otlp-").FullName;
        try
        {
            await using var node = await NodeProcess.Start(new Dictionary<string, string>
            {
                ["Payouts__Database__Provider"] = "sqlite",
                ["Payouts__Database__ConnectionString"] = $"Data Source={Path.Combine(work, "payouts.db")}",
                ["Payouts__BootstrapAdminKey"] = AdminKey.Secret,
                ["Payouts__NodeId"] = "otlp-node",
                ["Payouts__Telemetry__SampleIntervalSeconds"] = "0.5",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint.ToString().TrimEnd('/'),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_SERVICE_NAME"] = ServiceName,
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
                ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
                // Information from the API's own categories: a created store's request logs something to export.
                ["Logging__LogLevel__Payouts"] = "Information",
            }, work);
            using var admin = node.Client();
            await Http.CreateStore(admin);

            foreach (var signal in new[] { "traces", "metrics", "logs" })
                await Wait.Until(() => Task.FromResult(collector.Bodies($"/v1/{signal}").Any(NamesTheService)), TimeSpan.FromSeconds(30),
                    $"an OTLP {signal} export naming {ServiceName}; node output:\n{node.Output}");
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static bool NamesTheService(byte[] body) =>
        body.Length > 0 && body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(ServiceName)) >= 0;
}

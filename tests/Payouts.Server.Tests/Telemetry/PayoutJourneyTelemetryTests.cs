using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Payouts.Server.Tests.Support;
using static Payouts.Server.Tests.Support.SandboxHttp;

namespace Payouts.Server.Tests.Telemetry;

/// <summary>
/// One payout's journey across a cluster as OpenTelemetry sees it: created through node A's API, sent by node B's
/// processor, both on one PostgreSQL database, each node exporting to memory.
/// </summary>
public sealed class PayoutJourneyTelemetryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    // Proves the journey can be followed: A's request span and payout.create span (route, status, store, payout), B's
    // run, claim, prepare, execute and record spans (node, epoch, batch size, payout ids) each linked to the creating
    // span on A, B's rail call span (type, method, outcome) and the transition to Completed as an event, and the
    // service's histograms and gauges plus the built-in ASP.NET Core and runtime meters.
    [PostgresFact]
    public async Task APayoutCreatedOnOneNodeAndSentByAnotherIsLinkedToItsCreatingTraceWithEveryStepsAttributes()
    {
        var cs = await TestPostgres.CreateDatabaseAsync();
        var telemetryA = new MemoryTelemetry();
        var telemetryB = new MemoryTelemetry();
        await using var a = SandboxNode.Postgres(cs, new Dictionary<string, string> { ["Payouts:Roles"] = "api", ["Payouts:NodeId"] = "node-a" });
        await using var b = SandboxNode.Postgres(cs, new Dictionary<string, string>
        {
            ["Payouts:Roles"] = "processors,webhooks", ["Payouts:NodeId"] = "node-b", ["Payouts:Telemetry:SampleIntervalSeconds"] = "0.2",
            ["Payouts:Webhooks:PollIntervalMs"] = "50",
        });
        await using var nodeA = a.WithWebHostBuilder(w => w.ConfigureServices(s => s.AddSingleton(telemetryA.Hook())));
        await using var nodeB = b.WithWebHostBuilder(w => w.ConfigureServices(s => s.AddSingleton(telemetryB.Hook())));
        using var admin = nodeA.CreateClient();
        admin.DefaultRequestHeaders.Add("Authorization", $"token {AdminKey.Secret}");
        _ = nodeB.Services; // starts B: it serves no API, its processors poll the shared database

        await using var receiver = await Webhooks.WebhookReceiver.Start();
        var storeId = await Http.CreateStore(admin);
        var webhookId = await Webhooks.Hooks.Create(admin, storeId, receiver, "journey");
        await PutProcessor(admin, storeId, Lightning);
        var payoutId = await CreateApproved(admin, storeId, Lightning, 1, "0.0002");
        await WaitForStates(admin, storeId, [payoutId], "Completed", Deadline);

        // The creating span on A: a child of the API request's server span.
        var create = await Span(telemetryA, s => s.OperationName == "payout.create" && Tag(s, "payout.id") == payoutId);
        Assert.Equal(storeId, Tag(create, "store.id"));
        Assert.Equal("AwaitingPayment", Tag(create, "payout.state.to"));
        var request = await Span(telemetryA, s => s.Source.Name == "Microsoft.AspNetCore" && s.SpanId == create.ParentSpanId);
        Assert.Equal("/api/v1/stores/{storeId}/payouts/", Tag(request, "http.route"));
        Assert.Equal(200, request.GetTagItem("http.response.status_code"));
        Assert.Equal(storeId, Tag(request, "store.id"));
        Assert.Equal("node-a", Tag(request, "node.id"));

        // B's steps: on node B, in B's own trace, each linked to the creating span on A.
        foreach (var step in new[] { "processor.claim", "processor.prepare", "processor.execute", "processor.record" })
        {
            var span = await Span(telemetryB, s => s.OperationName == step && PayoutIds(s).Contains(payoutId));
            Assert.Equal("node-b", Tag(span, "node.id"));
            Assert.Equal(storeId, Tag(span, "store.id"));
            Assert.True(span.GetTagItem("processor.epoch") is long epoch && epoch >= 1, $"{step} has no epoch");
            Assert.True(span.GetTagItem("batch.size") is int size && size >= 1, $"{step} has no batch size");
            Assert.NotEqual(create.TraceId, span.TraceId);
            Assert.Contains(span.Links, l => l.Context.TraceId == create.TraceId && l.Context.SpanId == create.SpanId);
            var run = await Span(telemetryB, s => s.OperationName == "processor.run" && s.SpanId == span.ParentSpanId);
            Assert.Equal(true, run.GetTagItem("processor_auto"));
        }
        var record = await Span(telemetryB, s => s.OperationName == "processor.record" && PayoutIds(s).Contains(payoutId));
        Assert.Contains(record.Events, e => e.Name == "payout.transition"
            && e.Tags.Contains(new("payout.id", payoutId)) && e.Tags.Contains(new("payout.state.to", "Completed")));

        var execute = await Span(telemetryB, s => s.OperationName == "processor.execute" && PayoutIds(s).Contains(payoutId));
        var rail = await Span(telemetryB, s => s.OperationName == "rail.execute" && s.ParentSpanId == execute.SpanId);
        Assert.Equal(("sandbox", "execute"), (Tag(rail, "rail.type"), Tag(rail, "rail.method")));
        Assert.Equal("succeeded=1", Tag(rail, "rail.outcome"));

        // B delivers the payout's webhooks: each delivery a span linked to the creating span, with its outcome.
        var delivered = await Span(telemetryB, s => s.OperationName == "webhook.deliver" && Tag(s, "payout.id") == payoutId
            && Tag(s, "webhook.event.type") == "PayoutCreated");
        Assert.Equal((webhookId, "Delivered", "node-b"), (Tag(delivered, "webhook.id"), Tag(delivered, "webhook.outcome"), Tag(delivered, "node.id")));
        Assert.Contains(delivered.Links, l => l.Context.TraceId == create.TraceId && l.Context.SpanId == create.SpanId);

        // Metrics: B's sampler has counted the completed payout; histograms recorded the batch and its latency.
        await Wait.Until(() => Task.FromResult(Collect(nodeB, telemetryB).Any(p => p.Name == "payouts.count"
            && Equals(p.Tags.GetValueOrDefault("payout.state"), "Completed") && Equals(p.Tags.GetValueOrDefault("node.id"), "node-b") && p.Value >= 1)), Deadline, "payouts.count of Completed");
        var names = Collect(nodeB, telemetryB).Select(p => p.Name).ToHashSet();
        foreach (var name in new[] { "payouts.batch.size", "payouts.send.latency", "payouts.processor.lag", "payouts.webhooks.backlog", "dotnet.gc.collections" })
            Assert.Contains(name, names);
        Assert.Contains(Collect(nodeA, telemetryA), p => p.Name == "http.server.request.duration");
    }

    private static string? Tag(Activity span, string key) => span.GetTagItem(key) as string;

    private static string[] PayoutIds(Activity span) => span.GetTagItem("payout.ids") as string[] ?? [];

    /// <summary>Spans end (and export) a moment after the state they caused is visible: wait for it.</summary>
    private static async Task<Activity> Span(MemoryTelemetry telemetry, Func<Activity, bool> match) =>
        await Wait.Until(() => Task.FromResult(telemetry.Spans.FirstOrDefault(match)), TimeSpan.FromSeconds(10), "span");

    /// <summary>Collects the node's metrics now (the reader exports on flush) and returns every point exported so far.</summary>
    private static IReadOnlyList<MemoryTelemetry.MetricPoint> Collect(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> node,
        MemoryTelemetry telemetry)
    {
        node.Services.GetRequiredService<OpenTelemetrySdk>().MeterProvider.ForceFlush();
        return telemetry.Points;
    }
}

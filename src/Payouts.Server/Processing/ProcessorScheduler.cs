using Microsoft.Extensions.Options;
using Payouts.Core;
using Payouts.Core.Sending;
using Payouts.Server.Hosting;

namespace Payouts.Server.Processing;

/// <summary>
/// Runs due processors on this node: each poll leases up to <see cref="ProcessorOptions.LeasesPerPoll"/> due
/// processors (the database decides who gets what), runs each once under its lease, and gives the lease back
/// with the next run time. A node that dies holding a lease loses it after the TTL.
/// </summary>
public sealed class ProcessorScheduler(
    ISendStore store, ProcessorRun run, IOptions<ProcessorOptions> options, IOptions<PayoutsOptions> node,
    ILogger<ProcessorScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var nodeId = node.Value.ResolvedNodeId;
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<ProcessorLease> leases = [];
            try
            {
                leases = await store.ProcessorLeaseAcquire(nodeId, o.LeaseTtl, o.LeasesPerPoll, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not InvariantViolationException)
            {
                ProcessorLog.AcquireFailed(logger, ex);
            }
            if (leases.Count > 0)
                await Task.WhenAll(leases.Select(l => RunOne(l, stoppingToken)));
            else
                // Jitter keeps nodes from polling in lockstep.
                await Task.Delay(o.PollInterval + TimeSpan.FromMilliseconds(Random.Shared.Next(0, Math.Max(1, o.PollIntervalMs / 4))), stoppingToken);
        }
    }

    private async Task RunOne(ProcessorLease lease, CancellationToken ct)
    {
        var method = lease.MethodId.Value;
        // Every log line of the run carries these (OpenTelemetry log attributes, with the run's trace and span ids).
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            [Core.Telemetry.TelemetryTags.ProcessorAuto] = true,
            [Core.Telemetry.TelemetryTags.StoreId] = lease.StoreId,
            [Core.Telemetry.TelemetryTags.PayoutMethod] = method,
            [Core.Telemetry.TelemetryTags.Epoch] = lease.Epoch,
        });
        try
        {
            // The run must end well inside the lease; past it, the fence refuses its claims anyway.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Value.LeaseTtl / 2);
            var summary = await run.Run(lease, timeout.Token);
            if (summary.LeaseLost)
            {
                ProcessorLog.LeaseLost(logger, lease.StoreId, method, lease.Epoch);
                return;
            }
            if (summary.Attempts > 0)
                ProcessorLog.Ran(logger, lease.StoreId, method, lease.Epoch, summary.Attempts, summary.Claimed, summary.Sent,
                    summary.Succeeded, summary.Failed, summary.Unknown);
        }
        catch (Exception ex) when (ex is not InvariantViolationException && !ct.IsCancellationRequested)
        {
            ProcessorLog.RunFailed(logger, ex, lease.StoreId, method, lease.Epoch);
        }
        try
        {
            await store.ProcessorLeaseRelease(lease, TimeSpan.FromSeconds(lease.Settings.IntervalSeconds), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not InvariantViolationException)
        {
            // The lease expires on its own; another poll or node picks the processor up.
            ProcessorLog.RunFailed(logger, ex, lease.StoreId, method, lease.Epoch);
        }
    }
}

/// <summary>Runs the reconciler at start-up and then periodically (DESIGN §4 step 5).</summary>
public sealed class ReconcilerService(Reconciler reconciler, IOptions<ProcessorOptions> options, TimeProvider time, ILogger<ReconcilerService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReconcileInterval, time);
        do
        {
            try
            {
                var s = await reconciler.RunOnce(stoppingToken);
                if (s.Abandoned + s.Completed + s.Returned + s.Reexecuted + s.Replaced > 0)
                    ProcessorLog.Reconciled(logger, s.Checked, s.Abandoned, s.Completed, s.Returned, s.Reexecuted, s.Replaced);
                if (s.Failed > 0)
                    ProcessorLog.ReconcileAttemptsFailed(logger, s.Failed, s.LastFailure);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not InvariantViolationException)
            {
                ProcessorLog.ReconcileFailed(logger, ex);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

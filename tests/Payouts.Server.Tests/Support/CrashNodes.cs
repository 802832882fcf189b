using System.Diagnostics;

namespace Payouts.Server.Tests.Support;

/// <summary>Node processes for crash tests: fast processor settings, optional failpoints, and waiting for a node to die by itself.</summary>
public static class CrashNodes
{
    /// <summary>Environment of a node on <paramref name="connectionString"/>; <paramref name="failpoints"/> null runs it without any.</summary>
    public static Dictionary<string, string> Settings(string engine, string connectionString, string nodeId, string? failpoints)
    {
        var settings = SandboxSettings.AsEnvironment(SandboxSettings.Fast);
        settings["Payouts__Database__Provider"] = engine;
        settings["Payouts__Database__ConnectionString"] = connectionString;
        settings["Payouts__BootstrapAdminKey"] = AdminKey.Secret;
        settings["Payouts__NodeId"] = nodeId;
        if (failpoints is not null) settings["Payouts__Failpoints"] = failpoints;
        return settings;
    }

    /// <summary>Waits until the node has exited on its own, then returns everything it printed.</summary>
    public static async Task<string> WaitForExit(NodeProcess node, string expectedLine, TimeSpan timeout)
    {
        await SandboxHttp.WaitUntil(() => Task.FromResult(node.HasExited), timeout,
            () => Task.FromResult($"the node is still running; its output:\n{node.Output}"));
        // The output is read asynchronously: the last lines can arrive just after the exit.
        await SandboxHttp.WaitUntil(() => Task.FromResult(node.Output.Contains(expectedLine, StringComparison.Ordinal)), TimeSpan.FromSeconds(5),
            () => Task.FromResult($"the node exited without printing '{expectedLine}':\n{node.Output}"));
        return node.Output;
    }

    /// <summary>
    /// Runs a node that is expected to kill itself soon after start (a failpoint its start-up reconciliation reaches,
    /// possibly before it answers any request) and returns everything it printed once it has exited. Unlike
    /// <see cref="NodeProcess.Start"/> it never waits for the node to become healthy.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExit(Dictionary<string, string> settings, string workingDirectory, TimeSpan timeout)
    {
        var binDir = AppContext.BaseDirectory;
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(binDir, "Payouts.Server.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.ArgumentList.Add("--contentRoot");
        info.ArgumentList.Add(binDir);
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (k, v) in settings) info.Environment[k] = v;

        var output = new System.Text.StringBuilder();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            // Also waits until both redirected streams are drained.
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output) Assert.Fail($"the node did not exit by itself within {timeout.TotalSeconds:0} s; its output:\n{output}");
        }
        lock (output) return (process.ExitCode, output.ToString());
    }
}

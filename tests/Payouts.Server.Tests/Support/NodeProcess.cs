using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Payouts.Server.Tests.Support;

/// <summary>
/// A real node: <c>dotnet Payouts.Server.dll</c> in its own process on 127.0.0.1, so cluster and crash tests
/// exercise what production runs, including <c>kill -9</c>.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _gate = new();

    public Uri BaseAddress { get; }
    public string Output { get { lock (_gate) return _output.ToString(); } }
    public bool HasExited => _process.HasExited;

    private NodeProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    /// <param name="settings">Configuration as environment variables (Payouts__Database__Provider, …).</param>
    public static async Task<NodeProcess> Start(IReadOnlyDictionary<string, string> settings, string workingDirectory)
    {
        var port = FreePort();
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
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.ArgumentList.Add("--contentRoot");
        info.ArgumentList.Add(binDir);
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Payouts.Server.Hosting.NodeInitializer"] = "Information";
        foreach (var (k, v) in settings) info.Environment[k] = v;

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var node = new NodeProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await node.WaitHealthy();
        return node;
    }

    public HttpClient Client(string? apiKey = AdminKey.Secret)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null) client.DefaultRequestHeaders.Add("Authorization", $"token {apiKey}");
        return client;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush — the crash case.</summary>
    public async Task Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM and wait: the graceful shutdown operators use.</summary>
    public async Task<int> Stop(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_gate) _output.AppendLine(line);
    }

    /// <summary>Polls /health until the node answers: it migrates and bootstraps before it listens.</summary>
    private async Task WaitHealthy()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(50);
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"node exited with {_process.ExitCode} during start:\n{Output}");
            try
            {
                using var response = await client.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
        throw new TimeoutException($"node not healthy after {StartTimeout}:\n{Output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The operating-system process id of the node.</summary>
    public int Pid => _process.Id;

    /// <summary>SIGSTOP: the node freezes mid-step, sockets and database sessions open, as in a long GC pause or VM stall.</summary>
    public Task Pause() => Signal("STOP");

    /// <summary>SIGCONT: a paused node carries on where it stopped, unaware of the time that passed.</summary>
    public Task Resume() => Signal("CONT");

    private async Task Signal(string signal)
    {
        if (_process.HasExited) throw new InvalidOperationException($"node {_process.Id} has exited; cannot send SIG{signal}");
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {_process.Id} exited with {kill.ExitCode}");
    }
}
